"""Question kinds: each module knows its form fields, its validation and its answer rows.

Adding a kind is one module here plus one line in KINDS (see CONTRIBUTING.md).
"""

from __future__ import annotations

from types import ModuleType

from surveys.kinds import area, grid, multi, number, single, text
from surveys.kinds.base import AnswerError, AnswerRow

KINDS: dict[str, ModuleType] = {
    "single": single,
    "multi": multi,
    "grid": grid,
    "text": text,
    "number": number,
    "area": area,
}

__all__ = ["KINDS", "AnswerError", "AnswerRow", "kind_of"]


def kind_of(kind: str) -> ModuleType:
    return KINDS[kind]
