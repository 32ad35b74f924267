"""The pages of residents' comments: the list, one comment (its themes, its redaction, quoting
it on the public page), the coding frame, the theme counts and the export.

For research officers: reading needs ``comments.read``, and every page that shows comments is
in the audit trail; coding, redacting and editing the frame need ``comments.code``. The
reads and writes are officers.comments'.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from officers import comments, redaction, services
from officers.errors import OfficerError
from officers.forms import demographic_choices
from officers.models import CommentCoding, Export
from officers.selectors import survey_for_officer
from results import disclosure
from surveys.models import Survey
from surveys.tenancy import user_can


def _may_code(request: HttpRequest, survey: Survey) -> None:
    if not user_can(request.user, survey.council_id, comments.CODE):
        raise PermissionDenied("Your role in this council does not include coding comments.")


class ThemeForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=80,
        error_messages={"required": "Enter the theme's name"},
    )
    description = forms.CharField(
        label="What it covers (optional)",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    keywords = forms.CharField(
        label="Words that suggest it (optional)",
        help_text=(
            "Separated by commas, for example “bus, buses, transport”. A comment that uses one "
            "(or the theme's name) is offered the theme; you decide."
        ),
        max_length=300,
        required=False,
    )


# ---------------------------------------------------------------------------------------------


@login_required
def comments_list(request: HttpRequest, slug: str) -> HttpResponse:
    survey = survey_for_officer(user=request.user, slug=slug, permission=comments.READ)
    themes = list(comments.themes_for_survey(survey=survey))
    status = request.GET.get("status", "")
    if status not in comments.STATUS_FILTERS:
        status = ""
    try:
        theme_id = int(request.GET.get("theme", "") or 0)
    except ValueError:
        theme_id = 0
    if theme_id not in {t.pk for t in themes}:
        theme_id = 0
    listed = comments.comments_for_survey(survey=survey, theme_id=theme_id or None, status=status)
    page = Paginator(listed, comments.PER_PAGE).get_page(request.GET.get("page"))
    rows = [(c, comments.coding_of(c)) for c in page.object_list]
    comments.comments_read_log(
        survey=survey,
        user=request.user,
        page="list",
        comments=[c.pk for c, _ in rows],
    )
    query = {k: v for k, v in (("status", status), ("theme", theme_id or "")) if v}
    return render(
        request,
        "officers/comments/list.html",
        {
            "survey": survey,
            "section": "comments",
            "totals": comments.comment_totals(survey=survey),
            "themes": themes,
            "status": status,
            "theme_id": theme_id,
            "statuses": list(comments.STATUS_FILTERS.items()),
            "page": page,
            "rows": rows,
            "query": "&".join(f"{k}={v}" for k, v in query.items()),
            "may_code": user_can(request.user, survey.council_id, comments.CODE),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def comment_detail(request: HttpRequest, slug: str, comment: int) -> HttpResponse:
    survey = survey_for_officer(user=request.user, slug=slug, permission=comments.READ)
    answer = comments.comment_for_officer(survey=survey, pk=comment)
    themes = list(comments.themes_for_survey(survey=survey))
    flags = redaction.personal_data_find(answer.text_value)
    error = ""
    if request.method == "POST":
        _may_code(request, survey)
        action = request.POST.get("action", "")
        try:
            if action == "themes":
                ids = [int(v) for v in request.POST.getlist("theme") if v.isdigit()]
                comments.comment_code(comment=answer, user=request.user, theme_ids=ids)
                messages.success(request, "The comment's themes are saved.")
            elif action == "redact":
                kept = {i for i in range(len(flags)) if request.POST.get(f"flag_{i}") == "keep"}
                phrases = request.POST.get("phrases", "")[:2000].splitlines()
                coding = comments.comment_redact(
                    comment=answer, user=request.user, kept=kept, phrases=phrases
                )
                messages.success(
                    request,
                    "The comment is redacted: it may now be quoted and exported as shown."
                    if coding.redaction == CommentCoding.Redaction.MASKED
                    else "The comment is confirmed to hold no personal data.",
                )
            elif action in ("quote", "unquote"):
                comments.comment_quote(comment=answer, user=request.user, quoted=action == "quote")
                messages.success(
                    request,
                    "The comment is quoted on the public page once it is published."
                    if action == "quote"
                    else "The comment is no longer quoted on the public page.",
                )
            else:
                raise OfficerError("Choose what to save.")
        except OfficerError as e:
            error = str(e)
        else:
            return redirect(reverse("officers:comment", args=[slug, answer.pk]))
    else:
        comments.comments_read_log(
            survey=survey, user=request.user, page="comment", comments=[answer.pk]
        )
    coding = comments.coding_of(answer)
    chosen = {t.pk for t in coding.themes.all()} if coding else set()
    suggestions = comments.theme_suggestions(answer.text_value, themes)
    waiting = (
        comments.comments_for_survey(survey=survey, status=comments.PENDING)
        .exclude(pk=answer.pk)
        .values_list("pk", flat=True)
        .first()
    )
    return render(
        request,
        "officers/comments/comment.html",
        {
            "survey": survey,
            "section": "comments",
            "comment": answer,
            "coding": coding,
            "themes": [(t, t.pk in chosen, suggestions.get(t.pk)) for t in themes],
            "flags": list(enumerate(flags)),
            "preview": redaction.mask(answer.text_value, flags),
            "next_waiting": waiting,
            "may_code": user_can(request.user, survey.council_id, comments.CODE),
            "error": error,
            "error_action": request.POST.get("action", "") if error else "",
        },
        status=400 if error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def themes_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The coding frame: its themes, and a form to add one."""
    survey = survey_for_officer(user=request.user, slug=slug, permission=comments.READ)
    form = ThemeForm(request.POST or None)
    if request.method == "POST":
        _may_code(request, survey)
        if form.is_valid():
            try:
                theme = comments.theme_save(survey=survey, user=request.user, **form.cleaned_data)
            except OfficerError as e:
                form.add_error("name", str(e))
            else:
                messages.success(request, f"“{theme.name}” is added to the coding frame.")
                return redirect("officers:comment_themes", slug=slug)
    return render(
        request,
        "officers/comments/themes.html",
        {
            "survey": survey,
            "section": "comments",
            "themes": comments.theme_counts(survey=survey).rows,
            "form": form,
            "may_code": user_can(request.user, survey.council_id, comments.CODE),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def theme_edit(request: HttpRequest, slug: str, theme: int) -> HttpResponse:
    survey = survey_for_officer(user=request.user, slug=slug, permission=comments.READ)
    item = comments.theme_for_officer(survey=survey, pk=theme)
    initial = {"name": item.name, "description": item.description, "keywords": item.keywords}
    action = request.POST.get("action", "save")
    bound = request.method == "POST" and action == "save"
    form = ThemeForm(request.POST if bound else None, initial=initial)
    if request.method == "POST":
        _may_code(request, survey)
        if action == "delete":
            had = comments.theme_delete(theme=item, user=request.user)
            messages.success(
                request, f"“{item.name}” is taken out of the coding frame ({had} comments had it)."
            )
            return redirect("officers:comment_themes", slug=slug)
        if form.is_valid():
            try:
                comments.theme_save(
                    survey=survey, user=request.user, theme=item, **form.cleaned_data
                )
            except OfficerError as e:
                form.add_error("name", str(e))
            else:
                messages.success(request, "The theme is saved.")
                return redirect("officers:comment_themes", slug=slug)
    return render(
        request,
        "officers/comments/theme.html",
        {
            "survey": survey,
            "section": "comments",
            "theme": item,
            "form": form,
            "may_code": user_can(request.user, survey.council_id, comments.CODE),
        },
        status=400 if form.errors else 200,
    )


@login_required
def theme_counts(request: HttpRequest, slug: str) -> HttpResponse:
    """How many coded comments carry each theme, overall and by a group the report offers."""
    survey = survey_for_officer(user=request.user, slug=slug, permission=comments.READ)
    groups = demographic_choices(survey)
    group = request.GET.get("group", "")
    if group not in dict(groups):
        group = ""
    counts = comments.theme_counts(survey=survey)
    by_group = comments.theme_counts_by_group(survey=survey, question_code=group) if group else None
    return render(
        request,
        "officers/comments/counts.html",
        {
            "survey": survey,
            "section": "comments",
            "counts": counts,
            "groups": groups,
            "group": group,
            "by_group": by_group,
            "threshold": disclosure.threshold(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def comments_export(request: HttpRequest, slug: str) -> HttpResponse:
    """Export the redacted comments with their themes, as CSV or Excel."""
    survey = survey_for_officer(user=request.user, slug=slug, permission=comments.READ)
    kinds = [(Export.Kind.COMMENTS_CSV, "CSV"), (Export.Kind.COMMENTS_XLSX, "Excel")]
    error = ""
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        if kind not in dict(kinds):
            error = "Select a format"
        else:
            export = services.export_create(
                survey=survey, user=request.user, kind=kind, weighted=False
            )
            return redirect("officers:export", slug=slug, pk=export.pk)
    return render(
        request,
        "officers/comments/export.html",
        {
            "survey": survey,
            "section": "comments",
            "totals": comments.comment_totals(survey=survey),
            "kinds": kinds,
            "error": error,
        },
        status=400 if error else 200,
    )
