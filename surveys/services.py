"""Writes for the resident's journey: start, save a page, save for later, submit.

response_submit is the one write path for a complete response, whether it was
typed by a resident, keyed from paper by an officer or imported from a file.
"""

from __future__ import annotations

import random
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from surveys import integrity
from surveys.codes import code_generate, code_hash, erasure_hash
from surveys.erasure import erased_code_message, invitation_is_erased
from surveys.errors import (
    CodeRejected,
    RefTaken,
    ResponseInvalid,
    ResponsesInvalid,
    SurveyError,
    SurveyUnavailable,
)
from surveys.integrity import Client
from surveys.kinds import KINDS, AnswerError
from surveys.models import (
    Answer,
    Area,
    Council,
    Invitation,
    Invitee,
    Item,
    NotAnswered,
    Option,
    Page,
    Questionnaire,
    Response,
    Survey,
    used_day,
)
from surveys.signals import responses_changed_announce
from surveys.spec import SurveySpec, survey_spec

# SystemRandom: the half a resident is given must not be predictable from earlier starts.
# Tests swap in a seeded random.Random to make the split-sample check exact.
_rng: random.Random = random.SystemRandom()

UNAVAILABLE_MESSAGES = {
    "not_yet_open": "This survey is not open yet.",
    "closed": "This survey has closed. Thank you for your interest.",
}


# Specs of frozen questionnaires, per process: every resident's page needs one, and building
# it takes four queries and a few thousand objects. Keyed by what can change the spec: the
# questionnaire (frozen once its survey leaves draft) and the council's areas, read each time.
_SPEC_CACHE: dict[tuple, SurveySpec] = {}
_SPEC_CACHE_SIZE = 64


def spec_for(survey: Survey) -> SurveySpec:
    if survey.status == Survey.Status.DRAFT:
        # A draft's questionnaire can still be edited in the admin: always build afresh.
        return survey_spec(questionnaire=survey.questionnaire, council_id=survey.council_id)
    areas = tuple(Area.objects.filter(council_id=survey.council_id).values_list("code", "name"))
    questionnaire = survey.questionnaire
    key = (questionnaire.pk, questionnaire.created_at, survey.council_id, areas)
    spec = _SPEC_CACHE.get(key)
    if spec is None:
        spec = survey_spec(questionnaire=questionnaire, council_id=survey.council_id)
        if len(_SPEC_CACHE) >= _SPEC_CACHE_SIZE:
            _SPEC_CACHE.clear()
        _SPEC_CACHE[key] = spec
    return spec


def split_arm_choose() -> str:
    return "A" if _rng.random() < 0.5 else "B"


def survey_check_open(*, survey: Survey, mode: str = Response.Mode.ONLINE) -> None:
    """Residents answer only while a survey is open; officers may key in paper
    and telephone answers until it closes and after, but never into a draft."""
    availability = survey.availability()
    if mode != Response.Mode.ONLINE and survey.status != Survey.Status.DRAFT:
        return
    if availability != "open":
        raise SurveyUnavailable(UNAVAILABLE_MESSAGES[availability])


def response_start(
    *,
    survey: Survey,
    invitation: Invitation | None = None,
    mode: str = Response.Mode.ONLINE,
    entered_by=None,
    client: Client | None = None,
    split_arm: str = "",
    ref: str = "",
    received_on=None,
) -> Response:
    """A new response; client (the resident's browser) is recorded apart from the answers.

    An officer entering a paper form gives its version (split_arm, the half of the sample the
    form was printed for), its REF and the day it came back; otherwise the half is chosen at
    random. A REF the survey holds already is refused with RefTaken."""
    survey_check_open(survey=survey, mode=mode)
    if invitation is None and mode == Response.Mode.ONLINE and not survey.public_link:
        raise SurveyUnavailable(
            "This survey is by invitation only. Enter the code from your letter or e-mail."
        )
    if split_arm and (mode == Response.Mode.ONLINE or split_arm not in ("A", "B")):
        raise SurveyError("The version of a form entered by an officer is A or B.")
    ref = ref.strip()
    if ref:
        ref_check_free(survey=survey, ref=ref)
    try:
        with transaction.atomic():
            response = Response.objects.create(
                survey=survey,
                invitation=invitation,
                split_arm=split_arm or split_arm_choose(),
                mode=mode,
                entered_by=entered_by,
                ref=ref,
                received_on=received_on,
            )
            if client is not None:
                integrity.source_record_start(response=response, client=client)
    except IntegrityError:
        if ref and Response.objects.filter(survey=survey, ref=ref).exists():
            # Two officers typed the same form at once: the database let one through.
            ref_check_free(survey=survey, ref=ref)
        raise
    return response


def received_on_check(*, survey: Survey, day) -> None:
    """The day a paper form came back: not in the future, not before the survey opened."""
    today = timezone.localdate()
    if day > today:
        raise SurveyError("The date received cannot be in the future")
    if survey.opens_at and day < timezone.localdate(survey.opens_at):
        raise SurveyError(
            "The date received cannot be before the survey opened on "
            f"{timezone.localdate(survey.opens_at):%-d %B %Y}"
        )


def ref_check_free(*, survey: Survey, ref: str) -> None:
    """Refuse a REF that one of the survey's responses holds already, naming it."""
    held = Response.objects.filter(survey=survey, ref=ref).values_list("status", flat=True).first()
    if held is None:
        return
    if held == Response.Status.IN_PROGRESS:
        raise RefTaken(
            f"REF {ref} is being entered already and is not stored yet. Continue that entry, "
            "or ask whoever started it to discard it."
        )
    raise RefTaken(
        f"REF {ref} is already stored for this survey: this form has been entered or "
        "imported before."
    )


def invitation_redeem(*, code: str, client: Client | None = None) -> Response:
    """The response an invitation code opens: a new one, or the one already begun."""
    invitation = (
        Invitation.objects.select_related("survey").filter(code_hash=code_hash(code)).first()
    )
    if invitation is None:
        raise CodeRejected("We do not recognise that code. Check it and try again.")
    # Once a survey closes, its responses no longer point to their invitations; the keyed
    # hash of the code still finds them.
    existing = Response.objects.filter(
        Q(invitation=invitation) | Q(erasure_code_hash=erasure_hash(code))
    ).first()
    if existing and existing.is_complete:
        raise CodeRejected("That code has already been used to answer this survey.")
    if invitation_is_erased(invitation=invitation, response=existing):
        raise CodeRejected(erased_code_message(survey=invitation.survey))
    if invitation.expires_at and invitation.expires_at <= timezone.now():
        raise CodeRejected("That code has expired.")
    if existing:
        survey_check_open(survey=invitation.survey)
        return _erasure_hash_keep(existing, code)
    try:
        with transaction.atomic():
            response = response_start(
                survey=invitation.survey, invitation=invitation, client=client
            )
    except IntegrityError:
        # The same code was entered twice at once: both get the one response.
        response = Response.objects.get(invitation=invitation)
    return _erasure_hash_keep(response, code)


def _erasure_hash_keep(response: Response, code: str) -> Response:
    """Keep the last invitation code the response was opened with (a reminder's code replaces
    the letter's), for erasure once the link to the invitation is cut."""
    digest = erasure_hash(code)
    if response.erasure_code_hash != digest:
        response.erasure_code_hash = digest
        Response.objects.filter(pk=response.pk).update(erasure_code_hash=digest)
    return response


def response_resume(*, code: str) -> Response:
    response = (
        Response.objects.select_related("survey")
        .filter(resume_code_hash=code_hash(code))
        .exclude(resume_code_hash="")
        .first()
    )
    if response is None:
        raise CodeRejected("We do not recognise that code. Check it and try again.")
    if response.is_complete:
        raise CodeRejected("Those answers have already been sent. Thank you.")
    survey_check_open(survey=response.survey, mode=response.mode)
    return response


def response_save_page(
    *, response: Response, values: dict[str, Any], reached_page: int | None = None
) -> None:
    """Keep a page's answers in the draft; reached_page moves the resident on."""
    if response.is_complete:
        return
    draft = dict(response.draft)
    for code, value in values.items():
        if value is None:
            draft.pop(code, None)
        else:
            draft[code] = value
    response.draft = draft
    response.updated_at = timezone.now()
    fields = ["draft", "updated_at"]
    if reached_page:
        # The time on this page, for the check on implausibly fast responses.
        integrity.source_record_page(
            response=response, page=reached_page - 1, now=response.updated_at
        )
    if reached_page and reached_page > response.furthest_page:
        response.furthest_page = reached_page
        fields.append("furthest_page")
    response.save(update_fields=fields)


def response_save_for_later(*, response: Response) -> str:
    """A new resume code each time; only its hash is kept, so it is shown once."""
    code = code_generate()
    response.resume_code_hash = code_hash(code)
    response.save(update_fields=["resume_code_hash"])
    return code


def answers_validate(
    *, spec: SurveySpec, arm: str, answers: dict[str, Any], required: bool = True
) -> dict[str, Any]:
    """Every question of the questionnaire checked, with every problem collected.

    required=False is an officer's entry of a paper form or a call (and the import): any
    question may be left unanswered, as a resident may leave it blank on paper; whatever is
    answered is checked as strictly as online."""
    errors: dict[str, list[tuple[str, str]]] = {}
    unknown = sorted(set(answers) - set(spec.questions))
    for code in unknown:
        errors[code] = [(code, f"‘{code}’ is not a question in this survey")]
    cleaned: dict[str, Any] = {}
    questions = spec.questions if required else spec.optional_questions
    for code, q in questions.items():
        try:
            value = KINDS[q.kind].validate(q, arm, answers.get(code))
        except AnswerError as e:
            errors[code] = e.errors
            continue
        if value is not None:
            cleaned[code] = value
    if errors:
        raise ResponseInvalid(errors)
    return cleaned


def response_submit(*, response_id: int) -> Response:
    """Validate the draft and store the answers, once.

    A double click, a refresh or a replayed POST finds the response complete and
    returns it unchanged: the conditional UPDATE claims the response, so of two
    concurrent submissions only one writes answers.
    """
    with transaction.atomic():
        response = Response.objects.select_related("survey__council").get(pk=response_id)
        if response.is_complete:
            return response
        survey_check_open(survey=response.survey, mode=response.mode)
        now = timezone.now()
        claimed = Response.objects.filter(
            pk=response_id, status=Response.Status.IN_PROGRESS
        ).update(status=Response.Status.COMPLETE, submitted_at=now, updated_at=now)
        if not claimed:
            return Response.objects.get(pk=response_id)
        response.refresh_from_db()
        spec = spec_for(response.survey)
        cleaned = answers_validate(
            spec=spec,
            arm=response.split_arm,
            answers=response.draft,
            required=response.mode == Response.Mode.ONLINE,
        )
        rows = _answer_objects(
            spec=spec, response=response, arm=response.split_arm, cleaned=cleaned
        )
        Answer.objects.bulk_create(rows, batch_size=500)
        NotAnswered.objects.bulk_create(
            [
                NotAnswered(
                    response=response,
                    survey_id=response.survey_id,
                    question_id=question_id,
                    item_id=item_id,
                )
                for question_id, item_id in not_answered(
                    spec=spec, arm=response.split_arm, cleaned=cleaned
                )
            ],
            batch_size=500,
        )
        area_code = cleaned.get("AREA")
        if area_code:
            response.area = Area.objects.filter(
                council_id=response.survey.council_id, code=area_code
            ).first()
        response.draft = cleaned
        # The resume code is kept: once the answers are sent it is the code that can erase them.
        response.save(update_fields=["area", "draft"])
        if response.mode == Response.Mode.ONLINE:
            # Flagged for an officer to look at, never refused: the answers are stored.
            integrity.flags_for_submission(response=response, spec=spec, answers=cleaned, now=now)
        if response.invitation_id:
            # Only the day: a time to the second would join the invitation (and the invitee's
            # name) to the response by its submission time.
            Invitation.objects.filter(pk=response.invitation_id, used_at__isnull=True).update(
                used_at=used_day(now)
            )
            Invitee.objects.filter(invitation_id=response.invitation_id).update(
                status=Invitee.Status.RESPONDED
            )
        # Weights and report figures follow the new response once it is committed.
        responses_changed_announce(survey_id=response.survey_id)
    return response


def not_answered(
    *, spec: SurveySpec, arm: str, cleaned: dict[str, Any]
) -> list[tuple[int, int | None]]:
    """(question id, item id or None) of every question and grid statement this half of the
    sample was asked and left unanswered. A statement for the other half was not asked: it is
    not listed."""
    gaps: list[tuple[int, int | None]] = []
    for code, q in spec.questions.items():
        value = cleaned.get(code)
        if q.kind == "grid":
            answered = value if isinstance(value, dict) else {}
            gaps += [(q.id, item.id) for item in q.items_for(arm) if item.code not in answered]
        elif value is None:
            gaps.append((q.id, None))
    return gaps


def _answer_objects(
    *, spec: SurveySpec, response: Response, arm: str, cleaned: dict[str, Any]
) -> list[Answer]:
    return [
        Answer(
            response=response,
            survey_id=response.survey_id,
            question_id=row.question_id,
            item_id=row.item_id,
            option_id=row.option_id,
            text_value=row.text_value,
            number_value=row.number_value,
        )
        for code, value in cleaned.items()
        for row in KINDS[spec.questions[code].kind].answer_rows(spec.questions[code], arm, value)
    ]


def response_record(
    *,
    survey: Survey,
    answers: dict[str, Any],
    mode: str,
    entered_by=None,
    split_arm: str | None = None,
) -> Response:
    """A complete response in one step (paper, telephone, import): all or nothing."""
    with transaction.atomic():
        response = response_start(survey=survey, mode=mode, entered_by=entered_by)
        if split_arm:
            response.split_arm = split_arm
        response.draft = answers
        response.save(update_fields=["split_arm", "draft"])
        return response_submit(response_id=response.pk)


def responses_record_bulk(
    *,
    survey: Survey,
    drafts: list[tuple[str, str, dict[str, Any]]],
    entered_by=None,
    refs: list[str] | None = None,
    received: list | None = None,
    batch=None,
    progress=None,
) -> int:
    """Many complete responses (a file of paper questionnaires) in one transaction.

    drafts are (mode, split arm, answers by question code). Every draft is validated with the
    question kinds (the same answers_validate as response_submit) before anything is
    written; if any fails, ResponsesInvalid lists them all by index and nothing is stored.
    Rows are then inserted in bulk: there is no resident to race with, so no claim is needed.
    refs are the forms' numbers (unique per survey: the database refuses one stored already),
    received the days the forms came back (None where not known), batch the import they belong
    to, and progress(n) is told as each draft is checked. Any question may be left unanswered,
    as on paper: it is stored as not answered (NotAnswered), never refused.
    """
    errors: dict[int, dict[str, list[tuple[str, str]]]] = {}
    for mode in {mode for mode, _, _ in drafts}:
        if mode not in (Response.Mode.PAPER, Response.Mode.TELEPHONE):
            raise SurveyUnavailable("Responses entered by an officer are paper or telephone.")
        survey_check_open(survey=survey, mode=mode)
    spec = spec_for(survey)
    cleaned_all: list[tuple[str, str, dict[str, Any]]] = []
    for index, (mode, arm, answers) in enumerate(drafts):
        if arm not in ("A", "B"):
            errors[index] = {"SPLIT_ARM": [("SPLIT_ARM", "The half of the sample must be A or B")]}
            continue
        try:
            cleaned_all.append(
                (mode, arm, answers_validate(spec=spec, arm=arm, answers=answers, required=False))
            )
        except ResponseInvalid as e:
            errors[index] = e.errors
        if progress is not None:
            progress(index + 1)
    if errors:
        raise ResponsesInvalid(errors)
    areas = dict(Area.objects.filter(council_id=survey.council_id).values_list("code", "id"))
    now = timezone.now()
    with transaction.atomic():
        responses = Response.objects.bulk_create(
            [
                Response(
                    survey=survey,
                    split_arm=arm,
                    mode=mode,
                    status=Response.Status.COMPLETE,
                    draft=cleaned,
                    furthest_page=spec.page_count + 1,
                    area_id=areas.get(cleaned.get("AREA")),
                    entered_by=entered_by,
                    started_at=now,
                    submitted_at=now,
                    updated_at=now,
                    ref=ref,
                    received_on=received_on,
                    import_batch=batch,
                )
                for (mode, arm, cleaned), ref, received_on in zip(
                    cleaned_all,
                    refs or [""] * len(cleaned_all),
                    received or [None] * len(cleaned_all),
                    strict=True,
                )
            ],
            batch_size=1000,
        )
        _answers_insert(
            (response.pk, survey.pk, row)
            for response, (_, arm, cleaned) in zip(responses, cleaned_all, strict=True)
            for code, value in cleaned.items()
            for row in KINDS[spec.questions[code].kind].answer_rows(
                spec.questions[code], arm, value
            )
        )
        NotAnswered.objects.bulk_create(
            [
                NotAnswered(
                    response_id=response.pk,
                    survey_id=survey.pk,
                    question_id=question_id,
                    item_id=item_id,
                )
                for response, (_, arm, cleaned) in zip(responses, cleaned_all, strict=True)
                for question_id, item_id in not_answered(spec=spec, arm=arm, cleaned=cleaned)
            ],
            batch_size=2000,
        )
        # Weights and report figures follow the new responses once they are committed.
        responses_changed_announce(survey_id=survey.pk)
    return len(responses)


ANSWER_INSERT_CHUNK = 5000


def _answers_insert(rows) -> None:
    """INSERT the kinds' answer rows with executemany, in chunks.

    The same rows bulk_create would write, without building a model instance per row: for an
    import of 10,000 questionnaires (over 300,000 rows) that is most of the time.
    """
    table = connection.ops.quote_name(Answer._meta.db_table)
    names = ["response", "survey", "question", "item", "option", "text_value", "number_value"]
    columns = ", ".join(connection.ops.quote_name(Answer._meta.get_field(n).column) for n in names)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(names))})"
    chunk: list[tuple] = []
    with connection.cursor() as cursor:
        for response_id, survey_id, row in rows:
            chunk.append(
                (
                    response_id,
                    survey_id,
                    row.question_id,
                    row.item_id,
                    row.option_id,
                    row.text_value,
                    row.number_value,
                )
            )
            if len(chunk) >= ANSWER_INSERT_CHUNK:
                cursor.executemany(sql, chunk)
                chunk = []
        if chunk:
            cursor.executemany(sql, chunk)


def code_open(*, code: str, client: Client | None = None) -> Response:
    """A code from a letter or e-mail opens an invitation; a code noted down to
    continue later opens that response. Residents need not know which is which."""
    try:
        return invitation_redeem(code=code, client=client)
    except CodeRejected as invitation_error:
        if Invitation.objects.filter(code_hash=code_hash(code)).exists():
            raise
        try:
            return response_resume(code=code)
        except CodeRejected:
            raise invitation_error from None


def questionnaire_copy(
    *, questionnaire: Questionnaire, council: Council | None = None
) -> Questionnaire:
    """A new, editable version with the same pages, questions, items and options.

    A questionnaire that a live or closed survey uses is frozen, so that every
    response of that survey was given to the same wording; changes go into a copy.
    """
    with transaction.atomic():
        latest = (
            Questionnaire.objects.filter(slug=questionnaire.slug)
            .select_for_update()
            .order_by("-version")
            .first()
        )
        copy = Questionnaire.objects.create(
            slug=questionnaire.slug,
            version=latest.version + 1,
            title=questionnaire.title,
            description=questionnaire.description,
            source=questionnaire.source,
            based_on=questionnaire,
            council=council if council is not None else questionnaire.council,
        )
        pages = {}
        for page in questionnaire.pages.all():
            pages[page.pk] = Page.objects.create(
                questionnaire=copy, position=page.position, title=page.title, intro=page.intro
            )
        for question in questionnaire.questions.prefetch_related("items", "options"):
            items, options = list(question.items.all()), list(question.options.all())
            question.pk = None
            question.questionnaire = copy
            question.page = pages[question.page_id]
            question.save()
            for row in (*items, *options):
                row.pk = None
                row.question = question
            Item.objects.bulk_create(items)
            Option.objects.bulk_create(options)
    return copy
