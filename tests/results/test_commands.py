"""compare: the comparison as CSV or a table; bad input gets a clear message, a non-zero exit
and nothing on stdout; a question answered only "Don't know" gets a warning, not a failure."""

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
    "national_percent,national_base,difference,p_value,p_adjusted,verdict,unadjusted_verdict,"
    "size,compared,weighted,weighting,national_exact,national_design_effect,"
    "design_effect_tolerance,test_method,variance,adjustment,tests_run,expected_by_chance,note"
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
        (["riverside-2026", "--mode", "paper"], "Fewer than 10 complete responses match"),
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


def test_a_question_answered_only_dont_know_prints_everything_and_warns(survey):
    responses_make(40, survey=survey, answers={"Q2": "equality_opportunity", "Q8": "dont_know"})
    out, err = io.StringIO(), io.StringIO()
    call_command("compare", "riverside-2026", "--format", "csv", stdout=out, stderr=err)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert len([r for r in rows if r["net"]]) == 35
    equality = next(r for r in rows if r["net"] == "equality of opportunity")
    assert (equality["local_percent"], equality["verdict"]) == ("100.0", "significantly higher")
    for row in (r for r in rows if r["question"] == "Q8" and r["net"]):
        assert row["verdict"] == "not tested" and row["local_percent"] == ""
        assert 'answered "Don\'t know"' in row["note"]
    assert 'Warning: everyone in this selection answered "Don\'t know" to Q8' in err.getvalue()


def test_dont_know_only_exits_zero_but_no_responses_exits_non_zero(tmp_path):
    # DEBUG=1: a developer's machine (production settings would refuse its SQLite and cache).
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "PATH": "", "DEBUG": "1"}
    manage = [sys.executable, str(REPO / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, cwd=REPO, check=True)
    setup = (
        "from tests.results.factories import responses_make, survey_make\n"
        "survey = survey_make()\n"
        "survey_make(slug='empty-2026')\n"
        "responses_make(20, survey=survey, answers={'Q2': 'same_for_everyone', "
        "'Q8': 'dont_know'})\n"
    )
    subprocess.run([*manage, "shell", "-c", setup], env=env, cwd=REPO, check=True)

    def compare(slug: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*manage, "compare", slug, "--unweighted"],
            capture_output=True, text=True, env=env, cwd=REPO, check=False,
        )  # fmt: skip

    warned = compare("riverside-2026")
    assert warned.returncode == 0
    assert "universal provision" in warned.stdout and "Q8" in warned.stdout
    assert "Q8" in warned.stderr and "Traceback" not in warned.stderr
    empty = compare("empty-2026")
    assert empty.returncode != 0
    assert "has no complete responses" in empty.stderr and "Traceback" not in empty.stderr
    assert empty.stdout == ""


def test_bad_input_exits_non_zero_without_a_traceback(tmp_path):
    # A real process, as an officer would run it: the message on stderr, no traceback.
    # DEBUG=1: a developer's machine (production settings would refuse its SQLite and cache).
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "PATH": "", "DEBUG": "1"}
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
