"""Multiple choice with an optional maximum ("one or two") and exclusive options
("None of these", "Don't know") that cannot be combined with others."""

from __future__ import annotations

from typing import Any

from django import forms

from surveys.kinds.base import AnswerError, AnswerRow, choices
from surveys.spec import QuestionSpec

NUMBERS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}


def form_fields(q: QuestionSpec, arm: str) -> dict[str, forms.Field]:
    return {
        q.code: forms.MultipleChoiceField(
            label=q.text,
            help_text=q.hint,
            required=False,
            widget=forms.CheckboxSelectMultiple,
            choices=choices(q.options),
            error_messages={"invalid_choice": "Select only the answers listed"},
        )
    }


def value_from_form(q: QuestionSpec, arm: str, data: dict[str, Any]) -> Any:
    return list(data.get(q.code) or []) or None


def initial(q: QuestionSpec, arm: str, value: Any) -> dict[str, Any]:
    return {q.code: value} if value else {}


def validate(q: QuestionSpec, arm: str, value: Any) -> Any:
    field = q.code
    if value in (None, "", []):
        if q.required:
            raise AnswerError([(field, f"Select at least one answer for ‘{q.text}’")])
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise AnswerError([(field, "Select only the answers listed")])
    chosen = list(dict.fromkeys(value))  # a repeated code counts once
    options = [q.option(code) for code in chosen]
    if any(o is None for o in options):
        raise AnswerError([(field, "Select only the answers listed")])
    exclusive = [o for o in options if o.exclusive]
    if exclusive and len(chosen) > 1:
        raise AnswerError(
            [(field, f"Select ‘{exclusive[0].label}’ on its own, or choose other answers")]
        )
    if q.max_choices and len(chosen) > q.max_choices:
        most = NUMBERS.get(q.max_choices, str(q.max_choices))
        raise AnswerError([(field, f"Select no more than {most} answers")])
    if q.min_choices and len(chosen) < q.min_choices:
        least = NUMBERS.get(q.min_choices, str(q.min_choices))
        raise AnswerError([(field, f"Select at least {least} answers")])
    return chosen


def answer_rows(q: QuestionSpec, arm: str, value: Any) -> list[AnswerRow]:
    return [AnswerRow(question_id=q.id, option_id=q.option(code).id) for code in value or []]


def display(q: QuestionSpec, arm: str, value: Any) -> list[tuple[str, str]]:
    codes = value if isinstance(value, list) else []
    labels = [q.option(code).label for code in codes if isinstance(code, str) and q.option(code)]
    return [(q.text, "; ".join(labels) if labels else "Not answered")]
