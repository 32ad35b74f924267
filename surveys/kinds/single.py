"""Single choice: one option, e.g. "Which one of the following..."."""

from __future__ import annotations

from typing import Any

from django import forms

from surveys.kinds.base import AnswerRow, choice_field, option_code
from surveys.spec import QuestionSpec


def form_fields(q: QuestionSpec, arm: str) -> dict[str, forms.Field]:
    return {q.code: choice_field(q.text, q.hint, q.options)}


def value_from_form(q: QuestionSpec, arm: str, data: dict[str, Any]) -> Any:
    return data.get(q.code) or None


def initial(q: QuestionSpec, arm: str, value: Any) -> dict[str, Any]:
    return {q.code: value} if value else {}


def validate(q: QuestionSpec, arm: str, value: Any) -> Any:
    return option_code(q, value, q.code)


def answer_rows(q: QuestionSpec, arm: str, value: Any) -> list[AnswerRow]:
    option = q.option(value)
    return [AnswerRow(question_id=q.id, option_id=option.id)] if option else []


def display(q: QuestionSpec, arm: str, value: Any) -> list[tuple[str, str]]:
    option = q.option(value) if value else None
    return [(q.text, option.label if option else "Not answered")]
