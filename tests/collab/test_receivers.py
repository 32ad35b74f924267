"""The write path points one way: surveys announces changes and the apps above receive them.
This is the whole list (documented in surveys/signals.py): a new receiver must be added here."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from results.signals import report_stale
from surveys.signals import receiver_names, responses_changed, responses_erasing
from tests.conftest import REPO
from tests.surveys.conftest import ANSWERS_A, ANSWERS_B, council, questionnaire, survey  # noqa: F401


def test_every_receiver_of_what_surveys_and_results_announce():
    assert receiver_names(responses_changed) == ["results.receivers.responses_changed"]
    assert receiver_names(report_stale) == ["officers.receivers.report_stale"]
    assert receiver_names(responses_erasing) == ["officers.apps._erase_exports"]


def _imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
    return names


@pytest.mark.parametrize(
    ("app", "above"),
    [("surveys", {"results", "officers"}), ("results", {"officers"})],
)
def test_the_write_path_never_imports_an_app_above_it(app, above):
    # The admin sets up results' population targets on a survey's page: it is the platform's
    # set-up screen, not the write path, and is the one exception.
    modules = [p for p in (REPO / app).glob("*.py") if p.name != "admin.py"]
    upward = {p.name: _imports_of(p) & above for p in modules}
    assert {name: found for name, found in upward.items() if found} == {}


@pytest.mark.django_db
def test_a_submission_is_announced_once_inside_its_transaction(survey, monkeypatch):  # noqa: F811
    calls = []
    monkeypatch.setattr("results.services.survey_responses_changed", lambda **kw: calls.append(kw))
    from surveys import services

    response = services.response_start(survey=survey)
    response.draft = ANSWERS_A if response.split_arm == "A" else ANSWERS_B
    response.save()
    services.response_submit(response_id=response.pk)

    assert calls == [{"survey_id": survey.pk}]
