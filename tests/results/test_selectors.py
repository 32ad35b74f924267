"""Counting in the database: counts, weighted sums, bases and nets equal hand counts."""

from __future__ import annotations

import datetime as dt

import pytest

from results.errors import ResultsError
from results.selectors import (
    Cell,
    ResponseFilters,
    survey_answer_counts,
    survey_bases,
    survey_net_cell,
    survey_respondent_summary,
)
from surveys.models import Answer, Item, Option, Response
from tests.results.factories import response_make, survey_make

UTC = dt.UTC


def _day(day: int) -> dt.datetime:
    return dt.datetime(2026, 3, day, 12, 0, tzinfo=UTC)


@pytest.fixture
def dataset(survey):
    """Four complete responses with different weights, one in progress, one elsewhere."""
    r1 = response_make(
        survey=survey, arm="A", mode="online", weight=2.0, submitted_at=_day(1),
        answers={"AGE": "15_24", "INTERNET": "yes", "AREA": "north",
                 "Q2": "equality_opportunity", "Q3": {"dignity": "strongly_agree"},
                 "Q4": {"needs": "often", "decisions": "never"},
                 "Q7": ["transparency", "accountability"]},
    )  # fmt: skip
    r2 = response_make(
        survey=survey, arm="B", mode="paper", weight=0.5, submitted_at=_day(2),
        answers={"AGE": "25_34", "INTERNET": "no", "AREA": "south",
                 "Q2": "same_for_everyone", "Q3": {"outcome": "tend_disagree"},
                 "Q4": {"needs": "never", "decisions": "hardly_ever"},
                 "Q7": ["transparency"]},
    )  # fmt: skip
    r3 = response_make(
        survey=survey, arm="A", mode="online", weight=1.0, submitted_at=_day(3),
        answers={"AGE": "15_24", "INTERNET": "no", "AREA": "south",
                 "Q2": "equality_opportunity", "Q3": {"dignity": "tend_disagree"},
                 "Q4": {"needs": "always", "decisions": "dont_know"},
                 "Q7": ["local", "accessibility"]},
    )  # fmt: skip
    r4 = response_make(
        survey=survey, arm="B", mode="telephone", weight=1.5, submitted_at=_day(4),
        answers={"AGE": "65_74", "INTERNET": "prefer_not", "AREA": "north",
                 "Q2": "dont_know", "Q3": {"outcome": "strongly_agree"},
                 "Q4": {"needs": "hardly_ever", "decisions": "never"},
                 "Q7": ["transparency", "strategic_planning", "local"]},
    )  # fmt: skip
    unfinished = response_make(survey=survey, answers={"Q2": "equality_opportunity"})
    Response.objects.filter(pk=unfinished.pk).update(status=Response.Status.IN_PROGRESS)
    other = survey_make(slug="elsewhere-2026")
    response_make(survey=other, answers={"Q2": "equality_opportunity"})
    return r1, r2, r3, r4


def test_counts_are_respondents_and_their_weight_sums(survey, dataset):
    counts = survey_answer_counts(survey=survey, question_codes=["Q2", "Q4", "Q7"])
    assert counts[("Q2", "", "equality_opportunity")] == Cell(2, 3.0, 5.0)
    assert counts[("Q2", "", "same_for_everyone")] == Cell(1, 0.5, 0.25)
    assert counts[("Q2", "", "dont_know")] == Cell(1, 1.5, 2.25)
    assert counts[("Q4", "needs", "often")] == Cell(1, 2.0, 4.0)
    assert counts[("Q4", "decisions", "never")] == Cell(2, 3.5, 6.25)
    assert counts[("Q7", "", "transparency")] == Cell(3, 4.0, 6.5)
    assert ("Q2", "", "most_in_need") not in counts  # nobody chose it
    assert {key[0] for key in counts} == {"Q2", "Q4", "Q7"}


def test_bases_count_everyone_who_answered_once(survey, dataset):
    bases = survey_bases(survey=survey, question_codes=["Q2", "Q3", "Q4", "Q7"])
    assert bases[("Q2", "")] == Cell(4, 5.0, 7.5)
    assert bases[("Q4", "needs")] == Cell(4, 5.0, 7.5)
    # A multiple-choice question counts each respondent once, not once per option chosen.
    assert bases[("Q7", "")] == Cell(4, 5.0, 7.5)
    # Split-sample statements: only the half that was asked.
    assert bases[("Q3", "dignity")] == Cell(2, 3.0, 5.0)
    assert bases[("Q3", "outcome")] == Cell(2, 2.0, 2.5)


def test_an_answer_from_the_wrong_half_is_never_counted(survey, dataset):
    """PostgreSQL refuses the row; SQLite stores it and the count leaves it out."""
    from django.db import IntegrityError, connection, transaction

    r2 = dataset[1]  # half B
    dignity = Item.objects.get(question__questionnaire=survey.questionnaire, code="dignity")
    try:
        with transaction.atomic():
            Answer.objects.create(
                response=r2,
                survey=survey,
                question=dignity.question,
                item=dignity,
                option=Option.objects.get(question=dignity.question, code="strongly_agree"),
            )
        stored = True
    except IntegrityError:
        stored = False
    assert stored == (connection.vendor != "postgresql")
    counts = survey_answer_counts(survey=survey, question_codes=["Q3"])
    assert counts[("Q3", "dignity", "strongly_agree")].n == 1
    assert survey_bases(survey=survey, question_codes=["Q3"])[("Q3", "dignity")].n == 2


def test_nets_add_exclusive_options_and_count_multi_choice_respondents_once(survey, dataset):
    counts = survey_answer_counts(survey=survey, question_codes=["Q4", "Q7"])
    always_often = survey_net_cell(
        survey=survey, question_code="Q4", item_code="needs",
        option_codes=["always", "often"], counts=counts,
    )  # fmt: skip
    assert always_often == Cell(2, 3.0, 5.0)
    transparency_or_local = survey_net_cell(
        survey=survey, question_code="Q7", item_code="",
        option_codes=["transparency", "local"], counts=counts, kind="multi",
    )  # fmt: skip
    assert transparency_or_local == Cell(4, 5.0, 7.5)  # not 3 + 2


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (ResponseFilters(mode="online"), Cell(2, 3.0, 5.0)),
        (ResponseFilters(mode="paper"), None),
        (ResponseFilters(area="south"), Cell(1, 1.0, 1.0)),
        (ResponseFilters(submitted_from=dt.date(2026, 3, 2)), Cell(1, 1.0, 1.0)),
        (ResponseFilters(submitted_to=dt.date(2026, 3, 2)), Cell(1, 2.0, 4.0)),
        (
            ResponseFilters(submitted_from=dt.date(2026, 3, 3), submitted_to=dt.date(2026, 3, 3)),
            Cell(1, 1.0, 1.0),
        ),
        (ResponseFilters(subgroups=(("AGE", "15_24"),)), Cell(2, 3.0, 5.0)),
        (ResponseFilters(subgroups=(("AGE", "15_24"), ("INTERNET", "no"))), Cell(1, 1.0, 1.0)),
        (ResponseFilters(subgroups=(("INTERNET", "prefer_not"),)), None),
    ],
)
def test_filters_select_the_responses_they_name(survey, dataset, filters, expected):
    counts = survey_answer_counts(survey=survey, filters=filters, question_codes=["Q2"])
    assert counts.get(("Q2", "", "equality_opportunity")) == expected


def test_filtered_bases(survey, dataset):
    bases = survey_bases(
        survey=survey,
        filters=ResponseFilters(subgroups=(("INTERNET", "no"),)),
        question_codes=["Q4", "Q7"],
    )
    assert bases[("Q4", "needs")] == Cell(2, 1.5, 1.25)
    assert bases[("Q7", "")] == Cell(2, 1.5, 1.25)


def test_respondent_summary_counts_complete_responses_by_mode(survey, dataset):
    summary = survey_respondent_summary(survey=survey)
    assert summary.respondents == 4
    assert summary.by_mode == {"online": 2, "paper": 1, "telephone": 1}
    assert summary.latest_submitted_at == _day(4)


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        (ResponseFilters(mode="fax"), "'fax' is not a way of responding"),
        (ResponseFilters(area="west"), "'west' is not one of"),
        (ResponseFilters(subgroups=(("SHOE", "big"),)), "'SHOE' is not a question"),
        (ResponseFilters(subgroups=(("AGE", "99"),)), "'99' is not an answer to AGE"),
        (ResponseFilters(subgroups=(("Q4", "often"),)), "'Q4' is not a question"),
        (
            ResponseFilters(submitted_from=dt.date(2026, 3, 5), submitted_to=dt.date(2026, 3, 1)),
            "is after the end date",
        ),
    ],
)
def test_unknown_filter_codes_are_refused_with_a_clear_message(survey, filters, message):
    with pytest.raises(ResultsError, match=message):
        survey_answer_counts(survey=survey, filters=filters)


@pytest.mark.parametrize("codes_given", [False, True], ids=["codes looked up", "codes given"])
def test_subgroup_counts_come_from_one_pass_and_match_filtered_counts(survey, dataset, codes_given):
    from results.selectors import filters_resolve, questions_by_code, resolved_subgroup_counts

    resolved = filters_resolve(survey=survey, filters=ResponseFilters())
    by_group = resolved_subgroup_counts(
        resolved=resolved,
        subgroups=[("AGE", "15_24"), ("INTERNET", "no")],
        question_codes=["Q2", "Q4"],
        item_codes=["needs"],
        questions=questions_by_code(survey=survey) if codes_given else None,
    )
    for subgroup, counts in by_group.items():
        expected = survey_answer_counts(
            survey=survey,
            filters=ResponseFilters(subgroups=(subgroup,)),
            question_codes=["Q2", "Q4"],
            item_codes=["needs"],
        )
        assert counts == expected
    # r3 is both aged 15-24 and offline: counted in both groups.
    assert by_group[("AGE", "15_24")][("Q4", "needs", "always")] == Cell(1, 1.0, 1.0)
    assert by_group[("INTERNET", "no")][("Q4", "needs", "always")] == Cell(1, 1.0, 1.0)
    assert ("Q4", "decisions", "never") not in by_group[("AGE", "15_24")]


def test_answer_counts_are_the_same_with_the_codes_given(survey, dataset):
    from results.selectors import filters_resolve, questions_by_code, resolved_answer_counts

    resolved = filters_resolve(survey=survey, filters=ResponseFilters())
    looked_up = resolved_answer_counts(
        resolved=resolved, question_codes=["Q2", "Q3", "Q4"], item_codes=["needs", "dignity"]
    )
    given = resolved_answer_counts(
        resolved=resolved,
        question_codes=["Q2", "Q3", "Q4"],
        item_codes=["needs", "dignity"],
        questions=questions_by_code(survey=survey),
    )
    assert given == looked_up
    assert ("Q4", "decisions", "never") not in given  # an item not asked for stays out


def test_nested_counting_transactions_set_the_session_once_and_put_it_back(db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from results.selectors import counting_transaction

    with (
        CaptureQueriesContext(connection) as queries,
        counting_transaction(),
        counting_transaction(),  # nested: adds nothing
        connection.cursor() as cursor,
    ):
        cursor.execute("SELECT 1")
    statements = [q["sql"] for q in queries.captured_queries]
    if connection.vendor == "postgresql":
        assert statements.count("SET LOCAL jit = off") == 1
        assert statements.count("SET LOCAL jit TO DEFAULT") == 1
        with connection.cursor() as cursor:
            cursor.execute("SHOW jit")
            after = cursor.fetchone()[0]
            cursor.execute("SELECT reset_val FROM pg_settings WHERE name = 'jit'")
            assert after == cursor.fetchone()[0]
    else:
        assert "SELECT 1" in statements
        assert not [s for s in statements if "jit" in s]  # a PostgreSQL setting only
