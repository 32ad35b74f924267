"""Officers' pages. Views only route: reads are in selectors and officers.report, writes in
services, and every survey is taken through ``survey_for_officer`` so that an officer never
sees another council's data."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from officers import charts, findings, selectors, services
from officers import exports as exports_module
from officers.cache import survey_data_version
from officers.errors import OfficerError
from officers.forms import UNWEIGHTED, WEIGHTED, ExportForm, FindingsForm, ReportFiltersForm
from officers.models import MICRODATA_KINDS, Finding
from officers.report import breakdown_title, default_weighted, report_cached, report_key
from officers.report_paper import report_methods, report_summary
from results import disclosure
from results.errors import ResultsError
from results.selectors import ResponseFilters
from surveys.tenancy import public_survey_scope, user_can


@login_required
def home(request: HttpRequest) -> HttpResponse:
    surveys = selectors.surveys_for_officer(user=request.user).order_by("council__name", "title")
    return render(request, "officers/home.html", {"surveys": surveys})


@login_required
def dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    from officers.review import review_counts

    survey = selectors.survey_for_officer(user=request.user, slug=slug, permission="survey.view")
    board = selectors.survey_dashboard(survey=survey)
    chart = charts.bar_chart(
        chart_id="by-period",
        title="Complete responses by period",
        # Periods hidden by the disclosure policy have no bar; the table says "fewer than 10".
        bars=[(t.label, t.count) for t in board.by_period if t.count is not None],
    )
    return render(
        request,
        "officers/dashboard.html",
        {
            "survey": survey,
            "board": board,
            "by_period_chart": chart,
            "section": "dashboard",
            # Voided responses are left out of "Complete" and every figure; counted here.
            "review": review_counts(survey=survey),
            "threshold": disclosure.threshold(),
        },
    )


def _report_form(request: HttpRequest, survey) -> ReportFiltersForm:
    # Always bound: no parameters at all asks for everything, weighted when the survey is.
    data = request.GET.copy()
    if not data.get("weighting"):
        data["weighting"] = WEIGHTED if default_weighted(survey=survey) else UNWEIGHTED
    return ReportFiltersForm(data, survey=survey)


def _report_chosen(form: ReportFiltersForm) -> dict:
    return {
        "filters": form.filters(),
        "weighted": form.is_weighted,
        "breakdown": form.cleaned_data.get("breakdown") or None,
        "order": form.cleaned_data.get("order") or "questionnaire",
    }


@login_required
def report(request: HttpRequest, slug: str) -> HttpResponse:
    survey = selectors.survey_for_officer(user=request.user, slug=slug)
    form = _report_form(request, survey)
    context = {"survey": survey, "form": form, "section": "report"}
    if not form.is_valid():
        return render(request, "officers/report.html", context, status=400)
    chosen = _report_chosen(form)
    version = survey_data_version(survey_id=survey.pk)
    try:
        context["report"] = report_cached(survey=survey, version=version, **chosen)
        context["summary"] = report_summary(context["report"])
        context["methods"] = report_methods(context["report"], survey=survey)
        # The rendered tables and charts are cached too, under the same key (report.html).
        context["report_key"] = report_key(survey=survey, version=version, **chosen)
    except ResultsError as error:
        context["problem"] = str(error)
    context["weighted"] = chosen["weighted"]
    # The report's own choices, for the links that download its charts.
    context["query"] = request.GET.urlencode()
    context["selection_words"] = "; ".join(
        exports_module.filters_lines(survey=survey, filters=chosen["filters"])
    )
    query = {name: form.data.get(name) for name in CARRIED_FIELDS if form.data.get(name)}
    query["weighting"] = WEIGHTED if chosen["weighted"] else UNWEIGHTED
    context["export_query"] = urlencode(query)
    return render(request, "officers/report.html", context)


# The report's choices an export carries.
FILTER_FIELDS = ("submitted_from", "submitted_to", "mode", "area", "subgroup")
# With the breakdown, which the CSV, Excel and PDF files print as the page does.
CARRIED_FIELDS = (*FILTER_FIELDS, "breakdown")


def _chart_framing(survey, built, section, form) -> dict:
    """What a downloaded chart says around it: the question, and which responses, how many,
    weighted or not, and where the national figures come from."""
    c = built.comparison
    selection = "; ".join(exports_module.filters_lines(survey=survey, filters=c.filters))
    return {
        "heading": f"{section.code}: {section.text}",
        "notes": [
            f"{survey.council.name}, {survey.title}: {c.respondents:,} complete responses "
            f"({selection}), {'weighted' if c.weighted else 'unweighted'}. Bars: local "
            "percentage with its 95% interval; dashed: Great Britain 2014.",
            "National figures: The Collaborative Citizen (Collaborate, 2014), Ipsos MORI, "
            "face-to-face, adults 15+ in Great Britain, base 989.",
        ],
    }


@login_required
def report_chart(request: HttpRequest, slug: str, question: str, fmt: str) -> HttpResponse:
    """One chart of the report, with the report's choices, as SVG or as PNG at 300 dpi."""
    survey = selectors.survey_for_officer(user=request.user, slug=slug)
    form = _report_form(request, survey)
    if not form.is_valid():
        return HttpResponse(
            "Those report choices are not valid.", status=400, content_type="text/plain"
        )
    try:
        built = report_cached(survey=survey, **_report_chosen(form))
    except ResultsError as error:
        return HttpResponse(str(error), status=400, content_type="text/plain; charset=utf-8")
    section = next((s for s in built.sections if s.code == question and s.chart), None)
    if section is None:
        raise Http404("This question has no chart.")
    name = f"{survey.slug}-{question}"
    framing = _chart_framing(survey, built, section, form)
    if fmt == "png":
        response = HttpResponse(
            charts.chart_png(section.chart, **framing), content_type="image/png"
        )
        name += ".png"
    else:
        response = HttpResponse(
            charts.chart_document(section.chart, **framing),
            content_type="image/svg+xml; charset=utf-8",
        )
        name += ".svg"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def exports(request: HttpRequest, slug: str) -> HttpResponse:
    survey = selectors.survey_for_officer(
        user=request.user, slug=slug, permission="export.aggregate"
    )
    microdata = user_can(request.user, survey.council_id, "export.microdata")
    if request.POST.get("kind") in MICRODATA_KINDS and not microdata:
        raise PermissionDenied("One row per respondent is for research officers only.")
    weighting_applies = default_weighted(survey=survey)
    form = ExportForm(
        request.POST or None, microdata=microdata, weighting_applies=weighting_applies
    )
    # The report's filters come with the link from the report (its query string) and are
    # carried through the form as hidden fields, so the file holds the page's figures.
    chosen = ReportFiltersForm(
        request.POST if request.method == "POST" else request.GET, survey=survey
    )
    filters = chosen.filters() if chosen.is_valid() else ResponseFilters()
    breakdown = (chosen.cleaned_data.get("breakdown") or None) if chosen.is_valid() else None
    if request.method == "GET" and weighting_applies and request.GET.get("weighting"):
        form.initial["weighting"] = request.GET["weighting"]
    if request.method == "POST" and form.is_valid():
        try:
            if not chosen.is_valid():
                raise OfficerError(
                    "The report's choices could not be read: open the export again from the report."
                )
            export = services.export_create(
                survey=survey,
                user=request.user,
                kind=form.cleaned_data["kind"],
                weighted=form.is_weighted,
                filters=filters,
                breakdown=breakdown,
            )
        except OfficerError as error:
            form.add_error(None, str(error))
        else:
            return redirect("officers:export", slug=slug, pk=export.pk)
    return render(
        request,
        "officers/exports.html",
        {
            "survey": survey,
            "form": form,
            "exports": [
                (item, _export_selection(survey, item))
                for item in selectors.exports_for_survey(
                    survey=survey,
                    microdata=microdata,
                    comments=user_can(request.user, survey.council_id, "comments.read"),
                )[:50]
            ],
            "microdata": microdata,
            "microdata_k": disclosure.k_minimum(),
            "filter_hidden": [
                (name, chosen.data.get(name))
                for name in CARRIED_FIELDS
                if chosen.is_valid() and chosen.data.get(name)
            ],
            "breakdown_heading": breakdown_title(survey=survey, question_code=breakdown)
            if breakdown
            else "",
            "filters_lines": exports_module.filters_lines(survey=survey, filters=filters)
            if filters != ResponseFilters()
            else [],
            "retention_days": settings.EXPORT_RETENTION_DAYS,
            "section": "exports",
        },
        status=400 if form.errors else 200,
    )


@login_required
def export(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    item = selectors.export_for_officer(user=request.user, slug=slug, pk=pk)
    return render(
        request,
        "officers/export.html",
        {
            "survey": item.survey,
            "export": item,
            "selection": _export_selection(item.survey, item),
            "section": "exports",
        },
    )


def _export_selection(survey, item) -> str:
    """Which responses an export holds, in words ("Age: 55 to 64"), so the right file goes
    into a paper; a breakdown is named too."""
    words = "; ".join(
        exports_module.filters_lines(
            survey=survey, filters=exports_module.filters_from_record(item.filters)
        )
    )
    breakdown = exports_module.breakdown_from_record(item.filters)
    if breakdown:
        words += f"; {breakdown_title(survey=survey, question_code=breakdown).lower()}"
    return words


@login_required
def export_download(request: HttpRequest, slug: str, pk: int) -> FileResponse:
    item = selectors.export_for_officer(user=request.user, slug=slug, pk=pk)
    if not item.is_downloadable:
        # Not ready, or made before the disclosure policy (no marker): never served.
        raise Http404("This export is not ready to download.")
    services.export_downloaded(export=item, user=request.user)
    # Read through the storage and streamed from here, whichever host built it: the officer
    # is never sent to the storage itself, so only this permission check stands before a file.
    return FileResponse(item.file.open("rb"), as_attachment=True, filename=item.download_name)


@login_required
@require_http_methods(["GET", "POST"])
def findings_edit(request: HttpRequest, slug: str) -> HttpResponse:
    """Choose the findings for the public page, say what the council will do, publish."""
    from officers.comments import quoted_comments

    survey = selectors.survey_for_officer(user=request.user, slug=slug, permission="findings.edit")
    page = findings.findings_page_get(survey=survey)
    report = findings.public_report(survey=survey)
    candidates = findings.candidates(report=report)
    saved = {f.figure_key: f for f in Finding.objects.filter(page=page)}
    action = request.POST.get("action", "save")
    form = FindingsForm(
        request.POST if request.method == "POST" and action != "unpublish" else None,
        candidates=candidates,
        saved=saved,
        initial={"introduction": page.introduction},
    )
    if request.method == "POST":
        try:
            if action == "unpublish":
                services.findings_unpublish(survey=survey, user=request.user)
                messages.success(request, "The page is no longer public.")
                return redirect("officers:findings", slug=slug)
            if form.is_valid():
                services.findings_save(
                    survey=survey,
                    user=request.user,
                    introduction=form.cleaned_data["introduction"],
                    choices=form.choices(),
                )
                if action == "publish":
                    services.findings_publish(survey=survey, user=request.user)
                    messages.success(request, "The page is published for residents to read.")
                else:
                    messages.success(request, "Your choices are saved.")
                return redirect("officers:findings", slug=slug)
        except OfficerError as error:
            form.add_error(None, str(error))
    return render(
        request,
        "officers/findings.html",
        {
            "survey": survey,
            "page": page,
            "report": report,
            "form": form,
            "section": "findings",
            "min_base": findings.MIN_PUBLIC_BASE,
            "quotes": quoted_comments(survey=survey),
        },
        status=400 if form.errors else 200,
    )


@require_GET
@public_survey_scope
def findings_public(request: HttpRequest, slug: str) -> HttpResponse:
    """The published "what you told us" page: public, no sign-in, whole-survey figures only,
    as they were when the page was published."""
    from officers.comments import quoted_comments

    page, shown = findings.public_findings_for(slug=slug)
    return render(
        request,
        "findings/page.html",
        {
            "survey": page.survey,
            "page": page,
            "findings": shown,
            # Residents' own words: only comments taken through the redaction step, as redacted.
            "quotes": quoted_comments(survey=page.survey),
        },
    )


@login_required
def statistics(request: HttpRequest) -> HttpResponse:
    """How the report's figures, intervals and verdicts are worked out (docs/statistics.md)."""
    from officers.methods import methods_page

    title, body = methods_page()
    return render(request, "officers/statistics.html", {"title": title, "body": body})
