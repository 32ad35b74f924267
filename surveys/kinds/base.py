from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms

from surveys.spec import OptionSpec, QuestionSpec

# Large enough for any real answer, small enough that a draft can never bloat.
TEXT_HARD_LIMIT = 10_000


class AnswerError(Exception):
    """One or more problems with an answer, each tied to the form field it belongs to."""

    def __init__(self, errors: list[tuple[str, str]]):
        self.errors = errors
        super().__init__("; ".join(message for _, message in errors))


@dataclass(frozen=True)
class AnswerRow:
    question_id: int
    item_id: int | None = None
    option_id: int | None = None
    text_value: str = ""
    number_value: int | None = None


def choices(options: tuple[OptionSpec, ...]) -> list[tuple[str, str]]:
    return [(o.code, o.label) for o in options]


def choice_field(
    label: str, hint: str, options: tuple[OptionSpec, ...], *, widget=forms.RadioSelect
) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        help_text=hint,
        required=False,
        widget=widget,
        choices=choices(options),
        error_messages={"invalid_choice": "Select one of the answers listed"},
    )


def option_code(q: QuestionSpec, value: Any, field: str, *, label: str = "") -> str | None:
    """A single chosen option code, checked against the question's options."""
    if value in (None, ""):
        if q.required:
            raise AnswerError([(field, f"Select an answer for ‘{label or q.text}’")])
        return None
    if not isinstance(value, str) or q.option(value) is None:
        raise AnswerError([(field, "Select one of the answers listed")])
    return value


def clean_text(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise AnswerError([("", "Enter text")])
    return value.strip()[:TEXT_HARD_LIMIT]
