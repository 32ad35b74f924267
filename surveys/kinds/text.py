"""Free text, with a maximum length."""

from __future__ import annotations

from typing import Any

from django import forms

from surveys.kinds.base import TEXT_HARD_LIMIT, AnswerError, AnswerRow
from surveys.spec import QuestionSpec


def limit(q: QuestionSpec) -> int:
    return min(q.max_length or TEXT_HARD_LIMIT, TEXT_HARD_LIMIT)


def form_fields(q: QuestionSpec, arm: str) -> dict[str, forms.Field]:
    # No max_length on the field: the browser would cut a pasted answer silently,
    # whereas our own check tells the resident how much to shorten it. Django's Textarea
    # gives 10 rows, room for a few sentences.
    return {
        q.code: forms.CharField(
            label=q.text, help_text=q.hint, required=False, widget=forms.Textarea
        )
    }


def value_from_form(q: QuestionSpec, arm: str, data: dict[str, Any]) -> Any:
    return data.get(q.code) or None


def initial(q: QuestionSpec, arm: str, value: Any) -> dict[str, Any]:
    return {q.code: value} if value else {}


def validate(q: QuestionSpec, arm: str, value: Any) -> Any:
    if value is not None and not isinstance(value, str):
        raise AnswerError([(q.code, "Enter your answer as text")])
    value = (value or "").strip()
    if not value:
        if q.required:
            raise AnswerError([(q.code, f"Enter an answer for ‘{q.text}’")])
        return None
    if len(value) > limit(q):
        raise AnswerError(
            [
                (
                    q.code,
                    f"Your answer must be {limit(q):,} characters or fewer (it is {len(value):,})",
                )
            ]
        )
    return value


def answer_rows(q: QuestionSpec, arm: str, value: Any) -> list[AnswerRow]:
    return [AnswerRow(question_id=q.id, text_value=value)] if value else []


def display(q: QuestionSpec, arm: str, value: Any) -> list[tuple[str, str]]:
    return [(q.text, value or "Not answered")]
