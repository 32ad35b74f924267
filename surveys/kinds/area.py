"""Area: one of the council's wards or postcode districts, or "Prefer not to say".

The answer row keeps the area code as text (areas belong to a council, not to the
questionnaire); the write path also sets Response.area for filtering.
"""

from __future__ import annotations

from typing import Any

from django import forms

from surveys.kinds import single
from surveys.kinds.base import AnswerRow, choice_field, option_code
from surveys.spec import QuestionSpec


def form_fields(q: QuestionSpec, arm: str) -> dict[str, forms.Field]:
    widget = forms.Select if uses_select(q) else forms.RadioSelect
    return {q.code: choice_field(q.text, q.hint, q.options, widget=widget)}


value_from_form = single.value_from_form
initial = single.initial
display = single.display


def validate(q: QuestionSpec, arm: str, value: Any) -> Any:
    return option_code(q, value, q.code)


def answer_rows(q: QuestionSpec, arm: str, value: Any) -> list[AnswerRow]:
    return [AnswerRow(question_id=q.id, text_value=value)] if value else []


def uses_select(q: QuestionSpec) -> bool:
    """A long list of wards reads better as a select than as radios."""
    return len(q.options) > 12
