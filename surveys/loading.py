"""Load a questionnaire from its data file.

The same function serves the data migration (with historical models) and the
admin's "load" command, so the shipped questionnaire has one loader.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

QUESTIONNAIRE_DIR = Path(__file__).resolve().parent / "questionnaires"
COLLABORATIVE_CITIZEN_2014 = QUESTIONNAIRE_DIR / "collaborative-citizen-2014.json"


def questionnaire_data(path: Path = COLLABORATIVE_CITIZEN_2014) -> dict[str, Any]:
    with path.open(encoding="utf-8") as f:
        return json.load(f)


def questionnaire_load(*, data: dict[str, Any], models: Any):
    """Create a questionnaire version from data; models is an app registry or module.

    Returns the existing version unchanged if that slug and version are already loaded.
    """
    questionnaire_model = models.get_model("surveys", "Questionnaire")
    page_model = models.get_model("surveys", "Page")
    question_model = models.get_model("surveys", "Question")
    item_model = models.get_model("surveys", "Item")
    option_model = models.get_model("surveys", "Option")

    existing = questionnaire_model.objects.filter(
        slug=data["slug"], version=data["version"]
    ).first()
    if existing:
        return existing

    questionnaire = questionnaire_model.objects.create(
        slug=data["slug"],
        version=data["version"],
        title=data["title"],
        description=data.get("description", ""),
        source=data.get("source", ""),
    )
    for page_position, page_data in enumerate(data["pages"], start=1):
        page = page_model.objects.create(
            questionnaire=questionnaire,
            position=page_position,
            title=page_data["title"],
            intro=page_data.get("intro", ""),
        )
        for position, q in enumerate(page_data["questions"], start=1):
            question = question_model.objects.create(
                questionnaire=questionnaire,
                page=page,
                position=position,
                code=q["code"],
                kind=q["kind"],
                text=q["text"],
                hint=q.get("hint", ""),
                required=q.get("required", True),
                is_demographic=q.get("demographic", False),
                min_choices=q.get("min_choices"),
                max_choices=q.get("max_choices"),
                min_value=q.get("min_value"),
                max_value=q.get("max_value"),
                max_length=q.get("max_length"),
                wording=q.get("wording", "report"),
            )
            item_model.objects.bulk_create(
                item_model(
                    question=question,
                    position=i,
                    code=it["code"],
                    text=it["text"],
                    split_arm=it.get("split_arm", ""),
                    wording=it.get("wording", "report"),
                )
                for i, it in enumerate(q.get("items", []), start=1)
            )
            option_model.objects.bulk_create(
                option_model(
                    question=question,
                    position=i,
                    code=o["code"],
                    label=o["label"],
                    exclusive=o.get("exclusive", False),
                    wording=o.get("wording", "report"),
                )
                for i, o in enumerate(q.get("options", []), start=1)
            )
    return questionnaire
