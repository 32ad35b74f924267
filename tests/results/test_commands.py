"""compare and its bad input: a clear message, a non-zero exit and nothing on stdout."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.results.factories import responses_make

REPO = Path(__file__).resolve().parents[2]
COLUMNS = (
    "question,item,net,subgroup,local_percent,ci_low,ci_high,base,effective_base,"
    "national_percent,national_base,difference,p_value,verdict,note"
)


def _compare(*args: str) -> str:
    out = io.StringIO()
    call_command("compare", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def answered(survey):
    responses_make(60, survey=survey, answers={"Q2": "equality_opportunity", "AGE": "15_24"})
    responses_make(40, survey=survey, answers={"Q2": "same_for_everyone", "AGE": "45_54"})
    return survey


def test_compare_csv_has_the_agreed_columns_and_one_row_per_figure(answered):
    text = _compare("riverside-2026", "--format", "csv")
    assert text.splitlines()[0] == COLUMNS
    rows = list(csv.DictReader(io.StringIO(text)))
    equality = next(r for r in rows if r["net"] == "equality of opportunity")
    assert (equality["local_percent"], equality["base"], equality["national_percent"]) == (
        "60.0",
        "100",
        "40.0",
    )
    assert equality["verdict"] == "significantly higher"
    assert "face-to-face" in equality["note"]
    assert any(r["question"] == "Q1" and "No national figure" in r["note"] for r in rows)
    assert len([r for r in rows if r["net"]]) == 35


def test_compare_filters_by_subgroup(answered):
    rows = list(
        csv.DictReader(
            io.StringIO(_compare("riverside-2026", "--format", "csv", "--subgroup", "AGE=15_24"))
        )
    )
    equality = next(r for r in rows if r["net"] == "equality of opportunity")
    assert (equality["local_percent"], equality["base"]) == ("100.0", "60")


def test_compare_table_is_the_default(answered):
    text = _compare("riverside-2026", "--unweighted")
    assert "No national figure published" in text
    assert "equality of opportunity" in text and "unweighted" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nowhere-2026"], "There is no survey called 'nowhere-2026'"),
        (["riverside-2026", "--mode", "fax"], "'fax' is not a way of responding"),
        (["riverside-2026", "--area", "west"], "'west' is not one of"),
        (["riverside-2026", "--subgroup", "AGE=99"], "'99' is not an answer to AGE"),
        (["riverside-2026", "--subgroup", "AGE"], "Write a subgroup as QUESTION=OPTION"),
        (["riverside-2026", "--from", "2026-13-01"], "is not a date"),
        (["riverside-2026", "--weighted"], "has not been weighted"),
        (["riverside-2026", "--mode", "paper"], "no complete responses that match"),
    ],
)
def test_bad_input_is_a_clear_command_error(answered, args, message):
    out = io.StringIO()
    with pytest.raises(CommandError, match=message):
        call_command("compare", *args, stdout=out)
    assert out.getvalue() == ""


def test_a_survey_without_responses_is_a_clear_command_error(survey):
    with pytest.raises(CommandError, match="no complete responses"):
        _compare("riverside-2026")


def test_a_question_answered_only_dont_know_is_a_clear_command_error(survey):
    responses_make(20, survey=survey, answers={"Q2": "equality_opportunity", "Q8": "dont_know"})
    out = io.StringIO()
    with pytest.raises(
        CommandError, match='Everyone in this selection answered "Don\'t know" to Q8'
    ):
        call_command("compare", "riverside-2026", stdout=out)
    assert out.getvalue() == ""


def test_bad_input_exits_non_zero_without_a_traceback(tmp_path):
    # A real process, as an officer would run it: the message on stderr, no traceback.
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "PATH": ""}
    manage = [sys.executable, str(REPO / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, cwd=REPO, check=True)
    result = subprocess.run(
        [*manage, "compare", "no-such-survey"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        check=False,
    )
    assert result.returncode != 0
    assert "There is no survey called 'no-such-survey'" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
