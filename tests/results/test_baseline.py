"""The national baseline: every figure maps onto the shipped questionnaire, and none is invented."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.core.management import call_command

from results.baseline import baseline_data
from results.models import NationalFigure
from surveys.models import Item, Option, Question
from tests.results.factories import QUESTIONNAIRE_SLUG, questionnaire_get

DATA = baseline_data()
FIGURES = DATA["figures"]


def _export() -> list[dict[str, str]]:
    out = io.StringIO()
    call_command("export_baseline", stdout=out)
    return list(csv.DictReader(io.StringIO(out.getvalue())))


@pytest.mark.django_db
def test_every_figure_names_codes_that_exist_in_the_shipped_questionnaire():
    questionnaire = questionnaire_get()
    for f in NationalFigure.objects.filter(questionnaire_slug=QUESTIONNAIRE_SLUG):
        question = Question.objects.get(questionnaire=questionnaire, code=f.question_code)
        if question.kind == Question.Kind.GRID:
            assert Item.objects.filter(question=question, code=f.item_code).exists(), f
        else:
            assert f.item_code == "", f
        options = set(Option.objects.filter(question=question).values_list("code", flat=True))
        assert f.net_option_codes and set(f.net_option_codes) <= options, f
        if f.subgroup_question_code:
            sub = Question.objects.get(questionnaire=questionnaire, code=f.subgroup_question_code)
            assert Option.objects.filter(question=sub, code=f.subgroup_option_code).exists(), f


@pytest.mark.django_db
def test_split_sample_figures_sit_on_split_items_with_a_base_of_500():
    for f in NationalFigure.objects.filter(split_sample=True):
        item = Item.objects.get(
            question__questionnaire=questionnaire_get(),
            question__code=f.question_code,
            code=f.item_code,
        )
        assert item.split_arm in ("A", "B")
        assert f.base == 500 and "c500" in f.base_note
    assert NationalFigure.objects.filter(split_sample=True).count() == 3


@pytest.mark.django_db
def test_migration_loads_every_figure_in_the_data_file():
    assert NationalFigure.objects.filter(questionnaire_slug=QUESTIONNAIRE_SLUG).count() == len(
        FIGURES
    )


def test_header_keeps_both_published_sample_sizes_and_says_which_is_used():
    assert DATA["chart_base"] == 989
    assert DATA["interviewed"] == 985
    assert DATA["base_used"] == 989
    assert "985" in DATA["base_note"] and "989" in DATA["base_note"]


@pytest.mark.parametrize("figure", FIGURES, ids=lambda f: f"{f['question']}-{f['item']}-{f['net']}")
def test_no_figure_is_invented(figure):
    source = figure["source"]
    if figure["exact"]:
        assert f"{figure['percent']:g}%" in source
        assert figure["approximate_wording"] == ""
    else:
        assert figure["approximate_wording"].lower() in source.lower()
    if figure["trend_2010"] is not None:
        assert f"{figure['trend_2010']:g}% in 2010" in source


@pytest.mark.parametrize("figure", FIGURES, ids=lambda f: f"{f['question']}-{f['item']}-{f['net']}")
def test_bases_follow_the_report(figure):
    if figure["subgroup"] != "all adults":
        assert figure["base"] is None
    elif figure["split_sample"]:
        assert figure["base"] == 500
    else:
        assert figure["base"] == 989


def test_figures_from_other_surveys_are_left_out():
    sources = " ".join(f["source"] for f in FIGURES)
    for other in ("14% of people", "25% locally", "over 80%", "60% of councils"):
        assert other not in sources


def test_verbal_figures_are_not_exact_and_carry_the_fraction_their_words_name():
    verbal = {(f["question"], f["item"], f["net"]): f for f in FIGURES if not f["exact"]}
    assert {k: (v["approximate_wording"], v["percent"]) for k, v in verbal.items()} == {
        ("Q2", "", "targeted at those most in need"): ("almost three in ten", 30),
        ("Q4", "decisions", "always or often"): ("one in seven", 14.3),
        ("Q8", "", "willing"): ("around one in three", 33.3),
        ("Q8", "", "unwilling or no time"): ("two-thirds", 66.7),
    }


def test_a_verbal_restatement_of_an_exact_figure_is_kept_once():
    needs = [
        f
        for f in FIGURES
        if (f["question"], f["item"], f["net"]) == ("Q4", "needs", "always or often")
    ]
    assert len(needs) == 1 and needs[0]["exact"] and "one in four" in needs[0]["source"]


@pytest.mark.django_db
def test_export_baseline_prints_the_agreed_columns_and_about_thirty_exact_figures():
    out = io.StringIO()
    call_command("export_baseline", stdout=out)
    header = out.getvalue().splitlines()[0]
    assert header == "question,item,net,percent,base,subgroup,exact,trend_2010,source"
    rows = _export()
    assert len(rows) == len(FIGURES) == 35
    assert sum(row["exact"] == "yes" for row in rows) == 31


@pytest.mark.django_db
def test_export_baseline_rows_carry_their_provenance():
    rows = {(r["question"], r["item"], r["net"], r["subgroup"]): r for r in _export()}
    equality = rows[("Q2", "", "equality of opportunity", "all adults")]
    assert (equality["percent"], equality["base"], equality["trend_2010"]) == ("40", "989", "50")
    no_internet = rows[("Q4", "needs", "hardly ever or never", "no internet access")]
    assert (no_internet["percent"], no_internet["base"]) == ("37", "")
    assert "37% vs 27% overall" in no_internet["source"]
    seventh = rows[("Q4", "decisions", "always or often", "all adults")]
    assert (seventh["percent"], seventh["exact"]) == ("14.3", "no")
    assert all(re.fullmatch(r"\d+(\.\d)?", r["percent"]) for r in rows.values())
