"""The 2014 national baseline as data: the figures the report publishes, with provenance.

The JSON file next to this module is the single source; a data migration loads it with
:func:`baseline_load`, and a later migration can call the same function again after a correction
(it updates figures in place and removes any that left the file).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

BASELINE_DIR = Path(__file__).resolve().parent
COLLABORATIVE_CITIZEN_2014 = BASELINE_DIR / "collaborative-citizen-2014.json"


def baseline_data(path: Path = COLLABORATIVE_CITIZEN_2014) -> dict[str, Any]:
    with path.open(encoding="utf-8") as f:
        return json.load(f)


def _decimal(value: float | int | None) -> Decimal | None:
    # Through str so that 14.3 is stored as 14.3, not as the nearest binary fraction.
    return None if value is None else Decimal(str(value))


def baseline_load(*, data: dict[str, Any], models: Any) -> int:
    """Create or update the figures of one questionnaire's baseline; returns how many.

    ``models`` is an app registry (``apps`` in a migration, ``django.apps.apps`` otherwise).
    """
    figure_model = models.get_model("results", "NationalFigure")
    slug = data["questionnaire"]
    kept: list[int] = []
    for position, f in enumerate(data["figures"], start=1):
        figure, _ = figure_model.objects.update_or_create(
            questionnaire_slug=slug,
            question_code=f["question"],
            item_code=f["item"],
            net_label=f["net"],
            subgroup_label=f["subgroup"],
            defaults={
                "position": position,
                "net_option_codes": list(f["option_codes"]),
                "percent": _decimal(f["percent"]),
                "base": f["base"],
                "base_note": f["base_note"],
                "subgroup_question_code": f["subgroup_question"],
                "subgroup_option_code": f["subgroup_option"],
                "exact": f["exact"],
                "approximate_wording": f["approximate_wording"],
                "trend_2010": _decimal(f["trend_2010"]),
                "source": f["source"],
                "design_effect": _decimal(f["design_effect"]),
                "split_sample": f["split_sample"],
            },
        )
        kept.append(figure.pk)
    figure_model.objects.filter(questionnaire_slug=slug).exclude(pk__in=kept).delete()
    return len(kept)
