"""Complete responses and their answers, written straight to the database.

The resident write path (surveys.services) validates what residents type; these tests are
about counting, so they build exactly the rows they need. Answers are given by code, as in
the questionnaire: ``{"Q2": "equality_opportunity", "Q4": {"needs": "often"},
"Q7": ["transparency", "local"], "AREA": "north"}``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from surveys.models import Answer, Area, Council, Item, Option, Question, Questionnaire, Survey
from surveys.models import Response as SurveyResponse

QUESTIONNAIRE_SLUG = "collaborative-citizen-2014"


def questionnaire_get() -> Questionnaire:
    return Questionnaire.objects.get(slug=QUESTIONNAIRE_SLUG, version=1)


def council_make(
    *, slug: str = "riverside", areas: tuple[str, ...] = ("north", "south")
) -> Council:
    council = Council.objects.create(name=f"{slug.title()} Borough Council", slug=slug)
    for position, code in enumerate(areas):
        Area.objects.create(
            council=council, code=code, name=f"{code.title()} ward", position=position
        )
    return council


def survey_make(*, slug: str = "riverside-2026", council: Council | None = None) -> Survey:
    return Survey.objects.create(
        council=council or council_make(slug=slug.split("-")[0]),
        questionnaire=questionnaire_get(),
        title="Your views of public services",
        slug=slug,
        status=Survey.Status.LIVE,
        privacy_notice="We use your answers to improve services.",
        contact="surveys@example.org",
    )


class _Codes:
    """Ids of a questionnaire's questions, items and options by code, looked up once."""

    def __init__(self, questionnaire_id: int) -> None:
        self.questions = {
            q.code: q for q in Question.objects.filter(questionnaire_id=questionnaire_id)
        }
        self.items = {
            (i.question.code, i.code): i.id
            for i in Item.objects.filter(
                question__questionnaire_id=questionnaire_id
            ).select_related("question")
        }
        self.options = {
            (o.question.code, o.code): o.id
            for o in Option.objects.filter(
                question__questionnaire_id=questionnaire_id
            ).select_related("question")
        }


def _answer(
    response: SurveyResponse,
    codes: _Codes,
    question: Question,
    option: str | None = None,
    item: str | None = None,
    **extra: Any,
) -> Answer:
    return Answer(
        response=response,
        survey_id=response.survey_id,
        question=question,
        item_id=codes.items[(question.code, item)] if item else None,
        option_id=codes.options[(question.code, option)] if option else None,
        **extra,
    )


def response_make(
    *,
    survey: Survey,
    answers: dict[str, Any],
    arm: str = "A",
    mode: str = SurveyResponse.Mode.ONLINE,
    submitted_at: dt.datetime | None = None,
    weight: float = 1.0,
) -> SurveyResponse:
    """A complete response with one Answer row per chosen option."""
    codes = _Codes(survey.questionnaire_id)
    area_code = answers.get("AREA")
    area = (
        Area.objects.filter(council_id=survey.council_id, code=area_code).first()
        if area_code
        else None
    )
    response = SurveyResponse.objects.create(
        survey=survey,
        split_arm=arm,
        mode=mode,
        status=SurveyResponse.Status.COMPLETE,
        submitted_at=submitted_at or timezone.now(),
        weight=weight,
        area=area,
    )
    rows: list[Answer] = []
    for code, value in answers.items():
        question = codes.questions[code]
        if question.kind == Question.Kind.AREA:
            rows.append(_answer(response, codes, question, text_value=value))
        elif question.kind == Question.Kind.GRID:
            rows.extend(_answer(response, codes, question, o, i) for i, o in value.items())
        elif question.kind == Question.Kind.MULTI:
            rows.extend(_answer(response, codes, question, o) for o in value)
        elif question.kind == Question.Kind.NUMBER:
            rows.append(_answer(response, codes, question, number_value=value))
        elif question.kind == Question.Kind.TEXT:
            rows.append(_answer(response, codes, question, text_value=value))
        else:
            rows.append(_answer(response, codes, question, value))
    Answer.objects.bulk_create(rows)
    return response


def responses_make(count: int, **kwargs: Any) -> list[SurveyResponse]:
    return [response_make(**kwargs) for _ in range(count)]
