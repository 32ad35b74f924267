"""A whole number within a range."""

from __future__ import annotations

from typing import Any

from django import forms

from surveys.kinds.base import AnswerError, AnswerRow
from surveys.spec import QuestionSpec


def form_fields(q: QuestionSpec, arm: str) -> dict[str, forms.Field]:
    # A text input with inputmode, as the GOV.UK Design System advises for numbers.
    return {
        q.code: forms.CharField(
            label=q.text,
            help_text=q.hint,
            required=False,
            widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
        )
    }


def value_from_form(q: QuestionSpec, arm: str, data: dict[str, Any]) -> Any:
    raw = (data.get(q.code) or "").strip()
    return raw or None


def initial(q: QuestionSpec, arm: str, value: Any) -> dict[str, Any]:
    return {q.code: str(value)} if value is not None else {}


def validate(q: QuestionSpec, arm: str, value: Any) -> Any:
    if value in (None, ""):
        if q.required:
            raise AnswerError([(q.code, f"Enter a number for ‘{q.text}’")])
        return None
    if isinstance(value, bool):
        raise AnswerError([(q.code, "Enter a whole number, like 3")])
    try:
        number = int(str(value).strip().replace(",", ""))
    except ValueError:
        raise AnswerError([(q.code, "Enter a whole number, like 3")]) from None
    low, high = q.min_value, q.max_value
    if low is not None and high is not None and not low <= number <= high:
        raise AnswerError([(q.code, f"Enter a number between {low} and {high}")])
    if low is not None and number < low:
        raise AnswerError([(q.code, f"Enter a number of {low} or more")])
    if high is not None and number > high:
        raise AnswerError([(q.code, f"Enter a number of {high} or less")])
    return number


def answer_rows(q: QuestionSpec, arm: str, value: Any) -> list[AnswerRow]:
    return [AnswerRow(question_id=q.id, number_value=value)] if value is not None else []


def display(q: QuestionSpec, arm: str, value: Any) -> list[tuple[str, str]]:
    return [(q.text, str(value) if value is not None else "Not answered")]
