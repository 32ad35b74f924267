"""Grid: several items answered on one scale (always ... never). Items tied to a
split-sample half are asked of that half only."""

from __future__ import annotations

from typing import Any

from django import forms

from surveys.kinds.base import AnswerError, AnswerRow, choice_field, option_code
from surveys.spec import ItemSpec, QuestionSpec

ELLIPSES = ("...", "\u2026")


def field_name(q: QuestionSpec, item_code: str) -> str:
    return f"{q.code}__{item_code}"


def row_prompt(q: QuestionSpec, item: ItemSpec) -> str:
    """A row's statement as a whole question, for the error summary and check your answers.

    A row that ends its question's stem ("How often ... public services..." and
    "...understand your needs?") is a fragment on its own, so the two are joined into one
    sentence; a row that is a statement in its own right is shown as it is.
    """
    stem, text = q.text.strip(), item.text.strip()
    if not (stem.endswith(ELLIPSES) and text.startswith(ELLIPSES)):
        return text
    for dots in ELLIPSES:
        stem = stem.removesuffix(dots)
        text = text.removeprefix(dots)
    return f"{stem.rstrip()} {text.lstrip()}"


def form_fields(q: QuestionSpec, arm: str) -> dict[str, forms.Field]:
    return {
        field_name(q, item.code): choice_field(item.text, "", q.options)
        for item in q.items_for(arm)
    }


def value_from_form(q: QuestionSpec, arm: str, data: dict[str, Any]) -> Any:
    value = {
        item.code: data[field_name(q, item.code)]
        for item in q.items_for(arm)
        if data.get(field_name(q, item.code))
    }
    return value or None


def initial(q: QuestionSpec, arm: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        return {}
    return {field_name(q, code): v for code, v in value.items()}


def validate(q: QuestionSpec, arm: str, value: Any) -> Any:
    if value in (None, ""):
        value = {}
    if not isinstance(value, dict):
        raise AnswerError([(q.code, "Select one of the answers listed")])
    asked = {item.code: item for item in q.items_for(arm)}
    unasked = set(value) - set(asked)
    if unasked:
        raise AnswerError([(q.code, "An answer was given to a statement you were not asked")])
    errors: list[tuple[str, str]] = []
    cleaned: dict[str, str] = {}
    for code, item in asked.items():
        try:
            chosen = option_code(q, value.get(code), field_name(q, code), label=row_prompt(q, item))
        except AnswerError as e:
            errors.extend(e.errors)
            continue
        if chosen:
            cleaned[code] = chosen
    if errors:
        raise AnswerError(errors)
    return cleaned or None


def answer_rows(q: QuestionSpec, arm: str, value: Any) -> list[AnswerRow]:
    items = {item.code: item for item in q.items}
    return [
        AnswerRow(question_id=q.id, item_id=items[code].id, option_id=q.option(opt).id)
        for code, opt in (value or {}).items()
    ]


def display(q: QuestionSpec, arm: str, value: Any) -> list[tuple[str, str]]:
    if not isinstance(value, dict):
        value = {}  # never written by the pages; shown as unanswered rather than failing
    rows = []
    for item in q.items_for(arm):
        option = q.option(value.get(item.code, ""))
        rows.append((row_prompt(q, item), option.label if option else "Not answered"))
    return rows
