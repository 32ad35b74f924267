"""Waves: a survey run again, year after year, as the next wave of the earlier one.

A council that repeats its residents' survey wants each figure beside the same figure last
time. ``survey_run_again`` makes the next wave (a draft with the earlier survey's settings,
linked to it); ``wave_link_check`` is the one rule of which surveys may be linked, used by the
admin form too; ``survey_earlier_waves`` walks back through the links. The comparison itself
is in results.waves.

Two surveys can be waves of one another only when they belong to the same council and ask the
same questions: the same questionnaire, or a version of it (a copy, or a copy of a copy, or
one with the same slug), whose questions are declared the same by keeping their codes. A
question whose wording changed between the versions is flagged by the comparison, not here.
"""

from __future__ import annotations

from django.db import transaction

from surveys.audit import audit_log
from surveys.errors import SurveyError
from surveys.models import Questionnaire, Survey

# The settings a new wave takes from the earlier one: everything about how it is run, and
# nothing about when or under which address (those are the new wave's own).
COPIED = (
    "council_id",
    "questionnaire_id",
    "public_link",
    "privacy_notice",
    "contact",
    "retention_days",
    "invitation_code_days",
    "multiple_comparisons",
    "min_test_base",
    "national_design_effect",
    "start_limit",
    "submit_limit",
    "burst_limit",
    "fast_page_seconds",
    "start_challenge",
    "in_progress_days",
)

# However long a chain of links, never walk more than this (a guard, not a limit anyone meets).
MAX_WAVES = 100


def _lineage(questionnaire: Questionnaire) -> set[int]:
    """The questionnaire and every version it was copied from, by id."""
    seen: set[int] = set()
    current: Questionnaire | None = questionnaire
    while current is not None and current.pk not in seen:
        seen.add(current.pk)
        current = current.based_on
    return seen


def questionnaires_comparable(first: Questionnaire, second: Questionnaire) -> bool:
    """Whether two questionnaires are versions of one: the same, the same slug, or one copied
    (perhaps through other copies) from the other or both from a common version."""
    if first.pk == second.pk or first.slug == second.slug:
        return True
    return bool(_lineage(first) & _lineage(second))


def wave_link_check(*, survey: Survey, previous: Survey | None) -> None:
    """Refuse a link to an earlier wave that would compare unlike with unlike: another
    council's survey, another questionnaire, the survey itself or a later wave of it, or a
    survey with no question code in common. Raises SurveyError."""
    if previous is None:
        return
    if previous.council_id != survey.council_id:
        raise SurveyError(
            "An earlier wave must be a survey of the same council; another council's survey "
            "cannot be linked."
        )
    if survey.pk is not None:
        current: Survey | None = previous
        for _ in range(MAX_WAVES):
            if current is None:
                break
            if current.pk == survey.pk:
                raise SurveyError(
                    f"“{previous.title}” is this survey or one of its later waves, so it cannot "
                    "be its earlier wave."
                )
            current = current.previous_wave
    if not questionnaires_comparable(survey.questionnaire, previous.questionnaire):
        raise SurveyError(
            f"“{previous.title}” uses another questionnaire ({previous.questionnaire}); an "
            "earlier wave must use the same questionnaire or a version of it."
        )
    codes_now = set(survey.questionnaire.questions.values_list("code", flat=True))
    codes_then = set(previous.questionnaire.questions.values_list("code", flat=True))
    if not codes_now & codes_then:
        raise SurveyError(
            f"“{previous.title}” has no question in common with this survey (by code), so "
            "nothing could be compared."
        )


def survey_earlier_waves(*, survey: Survey) -> list[Survey]:
    """Every earlier wave of a survey, the most recent first; only the survey's own council's
    (a link is checked on saving, and is checked again here)."""
    waves: list[Survey] = []
    seen = {survey.pk}
    current = survey.previous_wave
    while current is not None and len(waves) < MAX_WAVES:
        if current.pk in seen or current.council_id != survey.council_id:
            break
        waves.append(current)
        seen.add(current.pk)
        current = current.previous_wave
    return waves


def survey_run_again(
    *, survey: Survey, title: str, slug: str, wave_label: str = "", actor=None
) -> Survey:
    """Make the next wave of a survey: a draft with its settings, linked to it as its
    earlier wave, audited on both. Dates, status and address are the new wave's own.
    Raises SurveyError when the address is taken."""
    title, slug = title.strip(), slug.strip()
    if not title or not slug:
        raise SurveyError("The next wave needs a title and an address.")
    if Survey.objects.with_scopes_disabled().filter(slug=slug).exists():
        raise SurveyError(f"The address “{slug}” is already used by another survey.")
    with transaction.atomic():
        wave = Survey(
            title=title,
            slug=slug,
            wave_label=wave_label.strip(),
            status=Survey.Status.DRAFT,
            previous_wave=survey,
            **{field: getattr(survey, field) for field in COPIED},
        )
        wave_link_check(survey=wave, previous=survey)
        wave.save()
        audit_log(
            actor=actor,
            action="survey.run_again",
            survey=wave,
            previous_wave=survey.pk,
            previous_title=survey.title,
        )
        audit_log(actor=actor, action="survey.created", survey=wave, status=wave.status)
    return wave
