"""Officers' pages for running a survey: invitations and letters, paper and telephone entry,
the paper responses import, and the co-production panel.

Views only route: the rules are in surveys.invitations, surveys.imports, surveys.panel and
surveys.services. Every view takes its survey through ``survey_for_officer``, so another
council's officer gets a 404 (tests/officers/test_scoping.py walks these URLs too).
"""

from __future__ import annotations

import csv

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from officers.selectors import survey_for_officer
from surveys import invitations, panel, services
from surveys.audit import audit_log
from surveys.errors import RefTaken, ResponseInvalid, SurveyError
from surveys.forms import PageForm
from surveys.imports import (
    INVITEES_MAX_BYTES,
    RESPONSES_MAX_BYTES,
    UploadRejected,
    csv_rows,
    csv_safe,
    import_problems,
    import_queue,
    import_undo,
    responses_codes_csv,
    responses_template_csv,
    size_check,
    upload_read,
)
from surveys.models import Response, ResponseImport, Survey
from surveys.spec import SurveySpec
from surveys.views import check_answers_context

PAPER_SESSION_KEY = "collab_paper_entries"
# The letter's reference or code an entry came with, by response id, kept until it is stored.
PAPER_REFERENCE_KEY = "collab_paper_references"
# Room for the multipart envelope around a file of the largest size accepted.
MULTIPART_SLACK = 64 * 1024


class UploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        # An empty file is reported by surveys.imports, in the same words as any bad file.
        allow_empty_file=True,
        error_messages={"required": "Choose a CSV file to upload"},
    )


class LettersForm(forms.Form):
    which = forms.ChoiceField(
        label="Which letters",
        choices=list(invitations.LETTER_CHOICES.items()),
        widget=forms.RadioSelect,
        error_messages={"required": "Choose which letters to print"},
    )
    format = forms.ChoiceField(
        label="Format",
        choices=[("pdf", "PDF (for a print room or mail house)"), ("html", "Web page to print")],
        widget=forms.RadioSelect,
        initial="pdf",
        error_messages={"required": "Choose a format"},
    )


class ReminderScheduleForm(forms.Form):
    send_at = forms.DateTimeField(
        label="Send reminder e-mails on",
        help_text="Day and time, UK time. Reminders go to everyone e-mailed who has not "
        "responded by then.",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
        widget=forms.DateTimeInput(
            attrs={
                "type": "datetime-local",
                "class": "govuk-input govuk-input--width-20",
                "aria-describedby": "id_send_at-hint",  # the hint officers/_field.html writes
            },
            format="%Y-%m-%dT%H:%M",
        ),
        error_messages={
            "required": "Enter the day and time to send the reminders",
            "invalid": "Enter the day and time like 2026-03-14 09:30",
        },
    )


class PaperStartForm(forms.Form):
    """What is known of a form before its answers: how it came, which version it is, its REF
    and the day it came back. The version decides the statements the pages show."""

    mode = forms.ChoiceField(
        label="How did this resident answer?",
        choices=[
            (Response.Mode.PAPER, "On a paper questionnaire"),
            (Response.Mode.TELEPHONE, "On the telephone"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose paper or telephone"},
    )
    split_arm = forms.ChoiceField(
        label="Which version of the questionnaire?",
        help_text="A paper form says “Version A” or “Version B” on its first page. On the "
        "telephone, leave this unanswered: the interviewer reads what the screen shows, and "
        "the version is then chosen at random, as it is for residents online.",
        choices=[("A", "Version A"), ("B", "Version B")],
        widget=forms.RadioSelect,
        required=False,
    )
    reference = forms.CharField(
        label="REF (or the code from the letter)",
        help_text="The REF printed on the form, such as R000123: strongly advised for paper, "
        "as it stops the same form being entered twice. The invitee is then marked as "
        "responded and sent no reminders. Optional on the telephone.",
        required=False,
        max_length=40,
        widget=forms.TextInput(
            attrs={
                "class": "govuk-input govuk-input--width-20",
                "aria-describedby": "id_reference-hint",  # the hint officers/_field.html writes
            }
        ),
    )
    received_on = forms.DateField(
        label="Date received (paper only)",
        help_text="The day the form came back, for example 14/03/2026. Today if left as it is.",
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(
            attrs={
                "type": "date",
                "class": "govuk-input govuk-input--width-10",
                "aria-describedby": "id_received_on-hint",
            },
            format="%Y-%m-%d",
        ),
        error_messages={"invalid": "Enter the date received like 14/03/2026"},
    )

    def __init__(self, *args, survey: Survey, has_split: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.survey = survey
        self.has_split = has_split
        self.fields["received_on"].initial = timezone.localdate()
        if not has_split:
            # Every resident is asked the same statements: there is only one version.
            del self.fields["split_arm"]

    def clean_reference(self) -> str:
        reference = self.cleaned_data["reference"].strip()
        if not reference:
            return reference
        by_code = _is_letter_code(reference)
        try:
            if not by_code:
                services.ref_check_free(survey=self.survey, ref=reference)
            # One invitee, one response: a letter's code or reference already answered with
            # (online, or on a form entered before) is refused.
            invitations.paper_return_check(
                survey=self.survey,
                reference="" if by_code else reference,
                code=reference if by_code else "",
            )
        except (RefTaken, SurveyError) as error:
            raise forms.ValidationError(str(error)) from None
        return reference

    def clean(self) -> dict:
        cleaned = super().clean()
        mode = cleaned.get("mode")
        if mode == Response.Mode.PAPER:
            if self.has_split and not cleaned.get("split_arm"):
                self.add_error(
                    "split_arm", "Choose the version printed on the form: Version A or Version B"
                )
            day = cleaned.get("received_on")
            if "received_on" not in self.errors:
                day = day or timezone.localdate()
                try:
                    services.received_on_check(survey=self.survey, day=day)
                except SurveyError as error:
                    self.add_error("received_on", str(error))
                cleaned["received_on"] = day
        else:
            # A call has no day of its own to record: it is the day it is entered.
            cleaned["received_on"] = None
        return cleaned


def _is_letter_code(reference: str) -> bool:
    """A letter's code looks like XXXX-XXXX-XXXX; anything else is taken as the form's REF.
    A code is never stored with the response (it would open the resident's answers)."""
    return len(reference.replace("-", "").replace(" ", "")) >= 12


def _upload(request: HttpRequest, *, max_bytes: int) -> tuple[UploadForm, str | None]:
    """The bound upload form and the file's text, refusing a body that is too big before
    Django reads it (the declared length is checked first)."""
    declared = request.META.get("CONTENT_LENGTH") or ""
    form = UploadForm()
    try:
        if declared.isdigit() and int(declared) > max_bytes + MULTIPART_SLACK:
            size_check(int(declared), max_bytes=max_bytes)
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return form, None
        return form, upload_read(form.cleaned_data["file"], max_bytes=max_bytes)
    except UploadRejected as error:
        form.rejected = error  # type: ignore[attr-defined]
        return form, None


def _upload_page(request, template: str, context: dict, form: UploadForm) -> HttpResponse:
    rejected = getattr(form, "rejected", None)
    status = 200
    if rejected is not None:
        too_big = "largest file accepted" in str(rejected)
        status = 413 if too_big else 400
    elif form.errors:
        status = 400
    return render(request, template, {**context, "form": form, "rejected": rejected}, status=status)


# ---------------------------------------------------------------------------------------------
# Invitations


@login_required
@require_http_methods(["GET", "POST"])
def invitations_page(request: HttpRequest, slug: str) -> HttpResponse:
    survey = survey_for_officer(user=request.user, slug=slug, permission="fieldwork.run")
    schedule = ReminderScheduleForm()
    problems: list[tuple[str, str]] = []
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action in ("send", "remind"):
                count = invitations.invitations_queue(
                    survey=survey, actor=request.user, reminders=action == "remind"
                )
                what = "reminders" if action == "remind" else "invitations"
                messages.success(request, f"{count} e-mail {what} queued to be sent.")
                return redirect("officers:invitations", slug=slug)
            if action == "schedule":
                schedule = ReminderScheduleForm(request.POST)
                if schedule.is_valid():
                    reminder = invitations.reminder_schedule(
                        survey=survey, send_at=schedule.cleaned_data["send_at"], actor=request.user
                    )
                    messages.success(
                        request,
                        "Reminder e-mails will be sent on "
                        f"{timezone.localtime(reminder.send_at):%d %B %Y at %H:%M}.",
                    )
                    return redirect("officers:invitations", slug=slug)
            if action == "cancel":
                chosen = request.POST.get("reminder", "")
                reminder = (
                    survey.scheduled_reminders.filter(pk=int(chosen)).first()
                    if chosen.isdigit()
                    else None
                )
                if reminder is not None and invitations.reminder_cancel(
                    reminder=reminder, actor=request.user
                ):
                    messages.success(request, "Those scheduled reminders were cancelled.")
                else:
                    messages.error(request, "Those reminders were already sent or cancelled.")
                return redirect("officers:invitations", slug=slug)
        except SurveyError as error:
            if action == "schedule":
                schedule.add_error("send_at", str(error))
            else:
                problems.append(("main-content", str(error)))
    return render(
        request,
        "officers/running/invitations.html",
        {
            "survey": survey,
            "section": "invitations",
            "counts": invitations.invitee_counts(survey=survey),
            "rates": invitations.response_rates_by_area(survey=survey),
            "closed": survey.availability() == "closed",
            "schedule": schedule,
            "scheduled": survey.scheduled_reminders.order_by("-send_at")[:20],
            "problems": problems,
        },
        status=400 if problems or schedule.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def invitations_upload(request: HttpRequest, slug: str) -> HttpResponse:
    survey = survey_for_officer(user=request.user, slug=slug, permission="fieldwork.run")
    context = {"survey": survey, "section": "invitations", "max_mb": INVITEES_MAX_BYTES // 2**20}
    if request.method != "POST":
        return _upload_page(request, "officers/running/invitees_upload.html", context, UploadForm())
    form, text = _upload(request, max_bytes=INVITEES_MAX_BYTES)
    if text is not None:
        try:
            count = invitations.invitees_import(survey=survey, text=text, actor=request.user)
        except UploadRejected as error:
            form.rejected = error  # type: ignore[attr-defined]
        except SurveyError as error:
            form.rejected = UploadRejected([])  # type: ignore[attr-defined]
            form.add_error("file", str(error))
        else:
            messages.success(request, f"{count} invitees added. Nothing has been sent yet.")
            return redirect("officers:invitations", slug=slug)
    return _upload_page(request, "officers/running/invitees_upload.html", context, form)


@login_required
@require_http_methods(["GET", "POST"])
def letters(request: HttpRequest, slug: str) -> HttpResponse:
    """Printing letters gives each invitee's one code (the same on every letter and e-mail),
    so a batch can be printed again at any time."""
    survey = survey_for_officer(user=request.user, slug=slug, permission="fieldwork.run")
    form = LettersForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        which, fmt = form.cleaned_data["which"], form.cleaned_data["format"]
        try:
            issued = invitations.letters_issue(survey=survey, which=which, actor=request.user)
        except SurveyError as error:
            form.add_error("which", str(error))
        else:
            if fmt == "pdf":
                content = invitations.letters_pdf(survey=survey, letters=issued)
                response = HttpResponse(content, content_type="application/pdf")
                response["Content-Disposition"] = (
                    f'attachment; filename="{survey.slug}-letters-{which}.pdf"'
                )
                response["Cache-Control"] = "no-store"
                return response
            response = render(
                request,
                "officers/running/letters_print.html",
                {
                    "survey": survey,
                    "letters": invitations.letters_lines_for_html(survey=survey, letters=issued),
                },
            )
            response["Cache-Control"] = "no-store"
            return response
    return render(
        request,
        "officers/running/letters.html",
        {
            "survey": survey,
            "section": "invitations",
            "form": form,
            "counts": invitations.invitee_counts(survey=survey),
        },
        status=400 if form.errors else 200,
    )


# ---------------------------------------------------------------------------------------------
# Paper and telephone entry


def _entry(request: HttpRequest, survey: Survey) -> Response | None:
    response_id = request.session.get(PAPER_SESSION_KEY, {}).get(survey.slug)
    if response_id is None:
        return None
    return Response.objects.filter(
        pk=response_id,
        survey=survey,
        entered_by=request.user,
        status=Response.Status.IN_PROGRESS,
    ).first()


def _entry_remember(request: HttpRequest, survey: Survey, response: Response | None) -> None:
    entries = dict(request.session.get(PAPER_SESSION_KEY, {}))
    if response is None:
        entries.pop(survey.slug, None)
    else:
        entries[survey.slug] = response.pk
    request.session[PAPER_SESSION_KEY] = entries


@login_required
@require_http_methods(["GET", "POST"])
def paper_entry(request: HttpRequest, slug: str) -> HttpResponse:
    """An officer types in a paper or telephone questionnaire on the residents' own page
    forms, page by page, then checks the answers (?page=check) before storing them; the
    response records the mode and who entered it."""
    survey = survey_for_officer(user=request.user, slug=slug, permission="responses.enter")
    response = _entry(request, survey)
    url = reverse("officers:paper", args=[slug])
    action = request.POST.get("action", "")

    spec = services.spec_for(survey)
    if response is None or action == "start":
        start = PaperStartForm(
            request.POST if action == "start" else None, survey=survey, has_split=spec.has_split
        )
        if action == "start" and start.is_valid():
            data = start.cleaned_data
            reference = data["reference"]
            try:
                response = services.response_start(
                    survey=survey,
                    mode=data["mode"],
                    entered_by=request.user,
                    split_arm=data.get("split_arm") or "",
                    ref="" if _is_letter_code(reference) else reference,
                    received_on=data["received_on"],
                )
            except RefTaken as error:
                start.add_error("reference", str(error))
            except SurveyError as error:
                start.add_error(None, str(error))
            else:
                _entry_remember(request, survey, response)
                references = dict(request.session.get(PAPER_REFERENCE_KEY, {}))
                references[str(response.pk)] = start.cleaned_data["reference"].strip()
                request.session[PAPER_REFERENCE_KEY] = references
                return redirect(f"{url}?page=1")
        return render(
            request,
            "officers/running/paper_start.html",
            {"survey": survey, "section": "paper", "form": start},
            status=400 if start.errors else 200,
        )

    if action == "cancel":
        # Discarding loses what was typed: ask first, on a page of its own.
        back = request.GET.get("page", "")
        return render(
            request,
            "officers/running/paper_discard.html",
            {
                "survey": survey,
                "section": "paper",
                "response": response,
                "back": f"{url}?page={back}" if back else url,
            },
        )
    if action == "discard":
        response.delete()
        _entry_remember(request, survey, None)
        audit_log(actor=request.user, action="paper_entry_discarded", survey=survey)
        messages.success(request, "That entry was discarded; nothing was stored.")
        return redirect(url)

    if request.GET.get("page") == "check":
        return _paper_check(request, survey=survey, response=response, spec=spec, url=url)
    returning = "check" in (request.GET.get("return"), request.POST.get("return"))
    number = request.GET.get("page", "")
    number = int(number) if number.isdigit() else response.furthest_page
    number = max(1, min(number, response.furthest_page, spec.page_count))
    page = spec.page(number)
    # Any question may be left blank, as on the form: it is stored as not answered.
    form = PageForm(
        request.POST or None,
        page=page,
        arm=response.split_arm,
        draft=response.draft,
        required=False,
    )
    if request.method == "POST":
        if action == "previous":
            form.is_valid()
            services.response_save_page(response=response, values=form.values(valid_only=True))
            return redirect(f"{url}?page={max(number - 1, 1)}")
        if form.is_valid():
            services.response_save_page(
                response=response, values=form.values(), reached_page=number + 1
            )
            if returning or number == spec.page_count:
                return redirect(f"{url}?page=check")
            return redirect(f"{url}?page={number + 1}")
    return render(
        request,
        "officers/running/paper_page.html",
        {
            "survey": survey,
            "section": "paper",
            "response": response,
            "page": page,
            "number": number,
            "page_count": spec.page_count,
            "form": form,
            "returning": returning,
        },
        status=400 if form.errors else 200,
    )


def _paper_check(
    request: HttpRequest, *, survey: Survey, response: Response, spec: SurveySpec, url: str
) -> HttpResponse:
    """Check the answers before storing them: the resident's “Check your answers”, with
    change links back into the entry. Storing is response_submit, as for a resident."""
    if response.furthest_page <= spec.page_count:
        return redirect(f"{url}?page={response.furthest_page}")
    errors: dict[str, list[tuple[str, str]]] = {}
    problems: list[tuple[str, str]] = []
    if request.method == "POST" and request.POST.get("action") == "store":
        try:
            services.response_submit(response_id=response.pk)
        except ResponseInvalid as error:
            errors = error.errors
            # A problem with no page to change it on (a draft gone wrong) is still listed.
            problems = [
                ("main-content", message)
                for code, messages_ in errors.items()
                if code not in spec.questions
                for _, message in messages_
            ]
        except SurveyError as error:
            problems = [("main-content", str(error))]
        else:
            audit_log(
                actor=request.user,
                action="response_entered",
                survey=survey,
                mode=response.mode,
                response=str(response.public_id),
            )
            _entry_remember(request, survey, None)
            references = dict(request.session.get(PAPER_REFERENCE_KEY, {}))
            reference = references.pop(str(response.pk), "")
            request.session[PAPER_REFERENCE_KEY] = references
            stored = f"The {response.get_mode_display().lower()} response was stored."
            if reference:
                by_code = _is_letter_code(reference)
                found = invitations.paper_return_record(
                    survey=survey,
                    reference="" if by_code else reference,
                    code=reference if by_code else "",
                    response=response,
                )
                if found is None:
                    messages.warning(
                        request,
                        f"{stored} No invitee has the reference or code ‘{reference}’, so "
                        "nobody was marked as responded.",
                    )
                    return redirect(url)
                stored += " Its invitee is marked as responded."
            messages.success(request, f"{stored} Enter the next one below.")
            return redirect(url)
    context = check_answers_context(
        spec=spec,
        response=response,
        errors=errors,
        page_url=lambda n: f"{url}?page={n}&return=check",
    )
    return render(
        request,
        "officers/running/paper_check.html",
        {
            "survey": survey,
            "section": "paper",
            "response": response,
            **context,
            "error_links": context["error_links"] + problems,
        },
        status=400 if errors or problems else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def responses_upload(request: HttpRequest, slug: str) -> HttpResponse:
    survey = survey_for_officer(user=request.user, slug=slug, permission="responses.enter")
    spec = services.spec_for(survey)
    from surveys.imports import MODE, RECEIVED, REF, SPLIT_ARM, response_columns

    context = {
        "survey": survey,
        "section": "paper",
        "max_mb": RESPONSES_MAX_BYTES // 2**20,
        "columns": [SPLIT_ARM, *response_columns(spec)],
        "optional_columns": [MODE, REF, RECEIVED],
    }
    template = "officers/running/responses_upload.html"
    if request.method != "POST":
        return _upload_page(request, template, context, UploadForm())
    form, text = _upload(request, max_bytes=RESPONSES_MAX_BYTES)
    if text is not None:
        try:
            csv_rows(text)  # a file that is not a table at all is refused here and now
        except UploadRejected as error:
            form.rejected = error  # type: ignore[attr-defined]
            return _upload_page(request, template, context, form)
        # Its rows are checked and stored in the background (surveys.tasks.import_responses):
        # a file of 10,000 rows takes longer than a browser or a proxy waits.
        upload = form.cleaned_data["file"]
        batch = import_queue(
            survey=survey, text=text, filename=getattr(upload, "name", ""), actor=request.user
        )
        return redirect("officers:responses_import", slug=slug, pk=batch.pk)
    return _upload_page(request, template, context, form)


@login_required
def responses_import_status(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """One import: its progress while it runs (the page refreshes itself), then what it stored
    or every problem that refused it."""
    survey = survey_for_officer(user=request.user, slug=slug, permission="responses.enter")
    batch = get_object_or_404(ResponseImport, survey=survey, pk=pk)
    return render(
        request,
        "officers/running/responses_import.html",
        {
            "survey": survey,
            "section": "paper",
            "batch": batch,
            "rejected": import_problems(batch),
            "form": UploadForm(),
            "can_undo": batch.status == ResponseImport.Status.DONE,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def responses_import_undo(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Undo a whole import, after the officer confirms: every response it stored is deleted."""
    survey = survey_for_officer(user=request.user, slug=slug, permission="responses.enter")
    batch = get_object_or_404(ResponseImport, survey=survey, pk=pk)
    error = ""
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            error = "Confirm that every response of this import should be deleted."
        else:
            try:
                count = import_undo(batch=batch, actor=request.user)
            except SurveyError as e:
                error = str(e)
            else:
                messages.success(request, f"Import undone: {count} responses deleted.")
                return redirect("officers:responses_import", slug=slug, pk=pk)
    return render(
        request,
        "officers/running/responses_import_undo.html",
        {"survey": survey, "section": "paper", "batch": batch, "error": error},
        status=400 if error else 200,
    )


def _csv_download(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # Excel opens UTF-8 correctly only with the byte order mark
    response.write(text)
    return response


@login_required
def responses_template(request: HttpRequest, slug: str) -> HttpResponse:
    """The blank responses file: its header row, for officers to fill in a spreadsheet."""
    survey = survey_for_officer(user=request.user, slug=slug, permission="responses.enter")
    text = responses_template_csv(spec=services.spec_for(survey))
    return _csv_download(text, f"{survey.slug}-paper-responses-template.csv")


@login_required
def responses_codes(request: HttpRequest, slug: str) -> HttpResponse:
    """What each column of the template accepts: every code with its label."""
    survey = survey_for_officer(user=request.user, slug=slug, permission="responses.enter")
    text = responses_codes_csv(spec=services.spec_for(survey))
    return _csv_download(text, f"{survey.slug}-paper-responses-codes.csv")


# ---------------------------------------------------------------------------------------------
# The co-production panel


@login_required
def panel_page(request: HttpRequest, slug: str) -> HttpResponse:
    survey = survey_for_officer(user=request.user, slug=slug, permission="fieldwork.run")
    return render(
        request,
        "officers/running/panel.html",
        {
            "survey": survey,
            "section": "panel",
            "members": panel.panel_for_survey(survey=survey),
            "topics": dict(panel.TOPICS),
        },
    )


@login_required
def panel_export(request: HttpRequest, slug: str) -> HttpResponse:
    survey = survey_for_officer(user=request.user, slug=slug, permission="fieldwork.run")
    members = panel.panel_for_survey(survey=survey)
    audit_log(actor=request.user, action="panel_exported", survey=survey, count=len(members))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{survey.slug}-panel.csv"'
    response["Cache-Control"] = "no-store"
    response.write("\ufeff")  # Excel opens UTF-8 correctly only with the byte order mark
    writer = csv.writer(response)
    writer.writerow(["name", "email", "phone", "topics", "other_topics", "joined"])
    topics = dict(panel.TOPICS)
    for m in members:
        writer.writerow(
            [
                csv_safe(m.name),
                csv_safe(m.email),
                csv_safe(m.phone),
                "; ".join(topics.get(t, t) for t in m.topics),
                csv_safe(m.other_topics),
                m.consented_at.date().isoformat(),
            ]
        )
    return response
