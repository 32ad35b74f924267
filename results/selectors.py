"""Reads for results: the baseline, and a survey's answers counted in the database.

Every count here is one GROUP BY (or one aggregate) in the database: answers are never loaded
into Python one by one, so a survey of 100,000 responses costs a few queries whatever its size.

A *cell* is the number of respondents, the sum of their weights and the sum of their squared
weights: enough for an unweighted percentage, a weighted one, and the Kish effective base.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import (
    Count,
    Exists,
    F,
    FilteredRelation,
    FloatField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from results.errors import ResultsError
from results.models import NationalFigure, PopulationTarget, WeightingRun
from surveys.models import Answer, Area, Item, NotAnswered, Option, Question, Response, Survey

# The responses every figure counts: sent and not voided. A response an officer voids (surveys
# /review.py) leaves status COMPLETE for VOIDED, so this one value leaves it out of every
# count, weighting, export and findings page that filters on it; restoring puts it back.
COMPLETE = COUNTED = Response.Status.COMPLETE


def counted_responses(*, survey: Survey):
    """The responses the figures count (complete, not voided)."""
    return Response.objects.filter(survey=survey, status=COUNTED)


@dataclass(frozen=True)
class ResponseFilters:
    """Which complete responses to count. Empty filters mean all of them.

    ``subgroups`` are (question code, option code) pairs, all of which must hold (e.g.
    ``(("AGE", "15_24"), ("INTERNET", "no"))``). Dates are inclusive, in UK time.
    """

    submitted_from: dt.date | None = None
    submitted_to: dt.date | None = None
    mode: str | None = None
    area: str | None = None
    subgroups: tuple[tuple[str, str], ...] = ()

    def with_subgroup(self, question_code: str, option_code: str) -> ResponseFilters:
        return ResponseFilters(
            submitted_from=self.submitted_from,
            submitted_to=self.submitted_to,
            mode=self.mode,
            area=self.area,
            subgroups=(*self.subgroups, (question_code, option_code)),
        )

    @property
    def narrows_to_group(self) -> bool:
        """Whether the responses are a group of residents small enough to need disclosure
        control (a mode, an area or a subgroup), not just a period of the whole survey."""
        return bool(self.mode or self.area or self.subgroups)


@dataclass(frozen=True)
class Cell:
    """Respondents, sum of weights and sum of squared weights of one count."""

    n: int = 0
    sum_w: float = 0.0
    sum_w2: float = 0.0

    def __add__(self, other: Cell) -> Cell:
        return Cell(self.n + other.n, self.sum_w + other.sum_w, self.sum_w2 + other.sum_w2)


# (question code, item code or "", option code) -> cell
Counts = dict[tuple[str, str, str], Cell]
# (question code, item code or "") -> cell of everyone who answered it
Bases = dict[tuple[str, str], Cell]


@dataclass(frozen=True)
class ResolvedFilters:
    """Filters with their codes turned into ids, checked against the survey."""

    survey: Survey
    start: dt.datetime | None
    end: dt.datetime | None
    mode: str | None
    area_id: int | None
    subgroup_option_ids: tuple[tuple[int, int], ...] = field(default=())


# ---------------------------------------------------------------------------------------------
# Surveys, baseline, targets


def survey_get_by_slug(*, slug: str) -> Survey:
    survey = Survey.objects.select_related("questionnaire", "council").filter(slug=slug).first()
    if survey is None:
        raise ResultsError(f"There is no survey called '{slug}'. Check the survey's web address.")
    return survey


def baseline_figures(*, questionnaire_slug: str) -> list[NationalFigure]:
    return list(NationalFigure.objects.filter(questionnaire_slug=questionnaire_slug))


def survey_targets(*, survey: Survey) -> dict[str, dict[str, float]]:
    """Population shares by margin and category, as fractions of 1."""
    targets: dict[str, dict[str, float]] = {}
    for margin, category, share in PopulationTarget.objects.filter(survey=survey).values_list(
        "margin", "category", "share"
    ):
        targets.setdefault(margin, {})[category] = float(share)
    return targets


def weighting_run_latest(*, survey: Survey) -> WeightingRun | None:
    return WeightingRun.objects.filter(survey=survey).first()


def survey_has_targets(*, survey: Survey) -> bool:
    return PopulationTarget.objects.filter(survey=survey).exists()


def area_name(*, survey: Survey, code: str) -> str:
    """The name of one of the survey's council's areas (the code if it has none)."""
    name = (
        Area.objects.filter(council_id=survey.council_id, code=code)
        .values_list("name", flat=True)
        .first()
    )
    return name or code


def questions_by_code(*, survey: Survey) -> dict[str, Question]:
    return {
        q.code: q
        for q in Question.objects.filter(questionnaire_id=survey.questionnaire_id).prefetch_related(
            "items", "options"
        )
    }


# ---------------------------------------------------------------------------------------------
# Filters


def filters_resolve(*, survey: Survey, filters: ResponseFilters) -> ResolvedFilters:
    """Check every code in the filters against the survey; raise ResultsError naming the bad
    one and what would be accepted."""
    if (
        filters.submitted_from
        and filters.submitted_to
        and filters.submitted_from > filters.submitted_to
    ):
        raise ResultsError(
            f"The start date ({filters.submitted_from:%d %B %Y}) is after the end date "
            f"({filters.submitted_to:%d %B %Y})."
        )
    tz = timezone.get_current_timezone()
    start = (
        dt.datetime.combine(filters.submitted_from, dt.time.min, tzinfo=tz)
        if filters.submitted_from
        else None
    )
    # Up to the end of the given day: the next midnight, exclusive.
    end = (
        dt.datetime.combine(filters.submitted_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        if filters.submitted_to
        else None
    )

    if filters.mode and filters.mode not in Response.Mode.values:
        raise ResultsError(
            f"'{filters.mode}' is not a way of responding. Use one of: "
            f"{', '.join(Response.Mode.values)}."
        )

    area_id = None
    if filters.area:
        area_id = (
            Area.objects.filter(council_id=survey.council_id, code=filters.area)
            .values_list("id", flat=True)
            .first()
        )
        if area_id is None:
            known = list(
                Area.objects.filter(council_id=survey.council_id).values_list("code", flat=True)
            )
            raise ResultsError(
                f"'{filters.area}' is not one of {survey.council}'s areas. "
                + (f"Use one of: {', '.join(known)}." if known else "The council has no areas.")
            )

    subgroup_ids: list[tuple[int, int]] = []
    for question_code, option_code in filters.subgroups:
        question_id, option_id = _option_ids(
            survey=survey, question_code=question_code, option_code=option_code
        )
        subgroup_ids.append((question_id, option_id))
    return ResolvedFilters(
        survey=survey,
        start=start,
        end=end,
        mode=filters.mode or None,
        area_id=area_id,
        subgroup_option_ids=tuple(subgroup_ids),
    )


def _option_ids(*, survey: Survey, question_code: str, option_code: str) -> tuple[int, int]:
    question = (
        Question.objects.filter(questionnaire_id=survey.questionnaire_id, code=question_code)
        .only("id", "kind")
        .first()
    )
    if question is None or question.kind not in (Question.Kind.SINGLE, Question.Kind.MULTI):
        raise ResultsError(
            f"'{question_code}' is not a question you can break results down by. Use a "
            "question code such as AGE, SEX, INTERNET, CHILDREN, WORK or NEWSPAPER."
        )
    options = dict(Option.objects.filter(question=question).values_list("code", "id"))
    if option_code not in options:
        raise ResultsError(
            f"'{option_code}' is not an answer to {question_code}. Use one of: "
            f"{', '.join(options)}."
        )
    return question.id, options[option_code]


def _response_condition(resolved: ResolvedFilters, *, prefix: str, outer: str) -> Q:
    """The filters as conditions on a response reached through ``prefix`` (``"response__"``
    from an answer, ``""`` from a response). Subgroups are EXISTS subqueries on the answer
    table, which its (response, question) index serves directly."""
    condition = Q(**{f"{prefix}status": COMPLETE})
    if resolved.start:
        condition &= Q(**{f"{prefix}submitted_at__gte": resolved.start})
    if resolved.end:
        condition &= Q(**{f"{prefix}submitted_at__lt": resolved.end})
    if resolved.mode:
        condition &= Q(**{f"{prefix}mode": resolved.mode})
    if resolved.area_id:
        condition &= Q(**{f"{prefix}area_id": resolved.area_id})
    for _question_id, option_id in resolved.subgroup_option_ids:
        # The option alone names the question. Adding question_id would make PostgreSQL
        # multiply the two selectivities as if independent, underestimate the subgroup a
        # hundredfold and pick a nested loop that is ten times slower than a hash join.
        condition &= Q(
            Exists(Answer.objects.filter(response_id=OuterRef(outer), option_id=option_id))
        )
    return condition


def _weight_sums() -> dict[str, Coalesce]:
    return {
        "sum_w": Coalesce(Sum("response__weight"), 0.0, output_field=FloatField()),
        "sum_w2": Coalesce(
            Sum(F("response__weight") * F("response__weight"), output_field=FloatField()),
            0.0,
            output_field=FloatField(),
        ),
    }


# ---------------------------------------------------------------------------------------------
# Counts


def survey_answer_counts(
    *,
    survey: Survey,
    filters: ResponseFilters | None = None,
    question_codes: Iterable[str] | None = None,
    item_codes: Iterable[str] | None = None,
) -> Counts:
    """Respondents (and their weights) per question, item and option, in one GROUP BY.

    An answer row is one chosen option, so counting rows counts respondents: a respondent
    chooses an option of a question (and item) at most once. A split-sample item only ever
    counts its own half: PostgreSQL refuses an answer to it from the other half
    (surveys/migrations/0010_answer_same_half.py), and on SQLite such rows are left out.
    """
    resolved = filters_resolve(survey=survey, filters=filters or ResponseFilters())
    return resolved_answer_counts(
        resolved=resolved, question_codes=question_codes, item_codes=item_codes
    )


@dataclass(frozen=True)
class _AnswerRows:
    """The answer rows to count, and the codes of the ids they group by."""

    answers: QuerySet
    question_code: dict[int, str]
    item_code: dict[int, str]
    option_code: dict[int, str]

    def key(self, row: dict) -> tuple[str, str, str]:
        return (
            self.question_code[row["question_id"]],
            self.item_code.get(row["item_id"], ""),
            self.option_code[row["option_id"]],
        )


def _answer_rows(
    resolved: ResolvedFilters,
    *,
    question_codes: Iterable[str] | None,
    item_codes: Iterable[str] | None,
    questions: Mapping[str, Question] | None = None,
) -> _AnswerRows:
    """The answer rows to count. ``questions`` (from questions_by_code, with items and options
    prefetched) saves looking up ids and codes again when the caller has them already."""
    survey = resolved.survey
    if questions is None:
        questions = questions_by_code(survey=survey)
    codes = None if question_codes is None else set(question_codes)
    wanted_questions = [q for code, q in questions.items() if codes is None or code in codes]
    question_code = {q.id: q.code for q in wanted_questions}
    item_rows = [(i.id, i.code, i.split_arm, q.id) for q in wanted_questions for i in q.items.all()]
    option_code = {o.id: o.code for q in wanted_questions for o in q.options.all()}
    if item_codes is None:
        where = Q(question_id__in=list(question_code))
    else:
        # A grid question counts only the items asked for; other questions count whole. Items
        # are named alone (an item names its question): PostgreSQL treats survey, question
        # and item as independent, so naming all three makes it expect a tenth of the rows
        # and choose a nested loop where a hash join is ten times faster.
        wanted = set(item_codes)
        grid_ids = {question_id for *_, question_id in item_rows}
        where = Q(item_id__in=[i for i, c, _, _ in item_rows if c in wanted])
        whole = [q for q in question_code if q not in grid_ids]
        if whole:
            where |= Q(question_id__in=whole)
    # The survey is named on both sides of the join to the responses: each side is then read
    # for this survey alone, however many other surveys (of other councils) share the table.
    answers = (
        Answer.objects.filter(survey=survey, response__survey=survey)
        .filter(where)
        .filter(_response_condition(resolved, prefix="response__", outer="response_id"))
    )
    if connection.vendor != "postgresql":
        answers = _same_arm_only(answers, [(i, a) for i, _, a, _ in item_rows])
    return _AnswerRows(
        answers=answers,
        question_code=question_code,
        item_code={i: c for i, c, _, _ in item_rows},
        option_code=option_code,
    )


def resolved_answer_counts(
    *,
    resolved: ResolvedFilters,
    question_codes: Iterable[str] | None,
    item_codes: Iterable[str] | None = None,
    questions: Mapping[str, Question] | None = None,
) -> Counts:
    """Counts for filters already checked; ``item_codes`` restricts grid questions to those
    items (other questions are counted whole)."""
    rows = _answer_rows(
        resolved, question_codes=question_codes, item_codes=item_codes, questions=questions
    )
    return _grouped_cells(rows)


def resolved_subgroup_counts(
    *,
    resolved: ResolvedFilters,
    subgroups: Iterable[tuple[str, str]],
    question_codes: Iterable[str],
    item_codes: Iterable[str] | None = None,
    questions: Mapping[str, Question] | None = None,
) -> dict[tuple[str, str], Counts]:
    """Counts within each of several subgroups (question code, option code), in one GROUP BY.

    A subgroup is the respondents who chose that option. The answers counted are joined to
    their respondent's answers that put them in a subgroup, and grouped by that option too:
    only members' answers are read into the sums, and a respondent in two subgroups counts in
    both. A respondent chooses an option at most once, so the join never repeats a row within
    a subgroup: the invariant that already lets a count of answer rows be a count of
    respondents.

    Only the questions and items that subgroup figures are published for belong here: the
    main GROUP BY over every question stays free of the join (docs/benchmarks.md).
    """
    if questions is None:
        questions = questions_by_code(survey=resolved.survey)
    subgroup_option = _subgroup_option_ids(resolved.survey, list(subgroups), questions=questions)
    if not subgroup_option:
        return {}
    rows = _answer_rows(
        resolved, question_codes=question_codes, item_codes=item_codes, questions=questions
    )
    subgroup_of = {option_id: key for key, option_id in subgroup_option.items()}
    members = (
        rows.answers.annotate(
            member=FilteredRelation(
                "response__answers",
                condition=Q(
                    response__answers__survey=resolved.survey,
                    response__answers__option_id__in=list(subgroup_of),
                ),
            )
        )
        .filter(member__option_id__isnull=False)
        .values("question_id", "item_id", "option_id", subgroup_option_id=F("member__option_id"))
        .annotate(n=Count("*"), **_weight_sums())
        .order_by()
    )
    by_subgroup: dict[tuple[str, str], Counts] = {key: {} for key in subgroup_option}
    with counting_transaction():
        results = list(members)
    for row in results:
        if row["option_id"] is None:
            continue  # text, number and area answers have no option to count here
        by_subgroup[subgroup_of[row["subgroup_option_id"]]][rows.key(row)] = Cell(
            row["n"], float(row["sum_w"]), float(row["sum_w2"])
        )
    return by_subgroup


# (question code, item code or "", option code) -> weighting cell number -> cell
CountsByCell = dict[tuple[str, str, str], dict[int | None, Cell]]


def resolved_answer_counts_by_cell(
    *,
    resolved: ResolvedFilters,
    question_codes: Iterable[str] | None,
    item_codes: Iterable[str] | None = None,
    questions: Mapping[str, Question] | None = None,
) -> CountsByCell:
    """The counts of :func:`resolved_answer_counts`, split by the weighting cell of each
    respondent (``Response.weight_cell``; None for one the last weighting did not see): the
    same GROUP BY with one more column, so that the design-based variance of a weighted figure
    needs no answer read one by one. Summing over the cells gives the plain counts."""
    rows = _answer_rows(
        resolved, question_codes=question_codes, item_codes=item_codes, questions=questions
    )
    grouped = rows.answers.values(
        "question_id", "item_id", "option_id", cell=F("response__weight_cell")
    ).annotate(n=Count("*"), **_weight_sums())
    counts: CountsByCell = {}
    with counting_transaction():
        results = list(grouped.order_by())
    for row in results:
        if row["option_id"] is None:
            continue
        counts.setdefault(rows.key(row), {})[row["cell"]] = Cell(
            row["n"], float(row["sum_w"]), float(row["sum_w2"])
        )
    return counts


def respondents_by_cell(
    *, survey: Survey, resolved: ResolvedFilters | None = None
) -> dict[int | None, Cell]:
    """Complete responses by weighting cell: all of the survey's (the sample the weighting
    calibrated), or those the filters select. One GROUP BY over the responses."""
    responses = Response.objects.filter(survey=survey)
    if resolved is None:
        responses = responses.filter(status=COMPLETE)
    else:
        responses = responses.filter(_response_condition(resolved, prefix="", outer="pk"))
    grouped = (
        responses.values(cell=F("weight_cell"))
        .annotate(
            n=Count("id"),
            sum_w=Coalesce(Sum("weight"), 0.0, output_field=FloatField()),
            sum_w2=Coalesce(
                Sum(F("weight") * F("weight"), output_field=FloatField()),
                0.0,
                output_field=FloatField(),
            ),
        )
        .order_by()
    )
    with counting_transaction():
        return {
            row["cell"]: Cell(row["n"], float(row["sum_w"]), float(row["sum_w2"]))
            for row in grouped
        }


def _grouped_cells(rows: _AnswerRows) -> Counts:
    """One GROUP BY of ``rows``: every respondent's cells."""
    grouped = rows.answers.values("question_id", "item_id", "option_id").annotate(
        n=Count("*"), **_weight_sums()
    )
    counts: Counts = {}
    with counting_transaction():
        results = list(grouped.order_by())
    for row in results:
        if row["option_id"] is None:
            continue  # text, number and area answers have no option to count here
        counts[rows.key(row)] = Cell(row["n"], float(row["sum_w"]), float(row["sum_w2"]))
    return counts


def _subgroup_option_ids(
    survey: Survey,
    subgroups: Sequence[tuple[str, str]],
    *,
    questions: Mapping[str, Question],
) -> dict[tuple[str, str], int]:
    """Option ids of subgroups, from the questions already loaded; a bad code gets
    _option_ids' clear message."""
    kinds = (Question.Kind.SINGLE, Question.Kind.MULTI)
    found = {
        (q.code, o.code): o.id
        for q in questions.values()
        if q.kind in kinds
        for o in q.options.all()
    }
    ids: dict[tuple[str, str], int] = {}
    for key in subgroups:
        if key not in found:
            _option_ids(survey=survey, question_code=key[0], option_code=key[1])  # raises
        ids[key] = found[key]
    return ids


@contextmanager
def counting_transaction() -> Iterator[None]:
    """Run the counting statements with PostgreSQL's JIT compiler off.

    They are a few scans with many aggregate expressions, and their estimated cost crosses the
    JIT thresholds: compiling then took longer than executing (EXPLAIN ANALYZE on 100,000
    responses: 2 to 6 s of LLVM optimisation for a 2 s statement). The benchmark runs its raw
    SQL inside this too, so that it compares like with like. SET LOCAL ends with the
    transaction; inside a caller's transaction it is put back on the way out. Nested, it adds
    nothing: a caller running several counting statements wraps them all in one.
    """
    if _counting.get():
        yield
        return
    postgres = connection.vendor == "postgresql"
    token = _counting.set(True)
    try:
        with transaction.atomic():
            if postgres:
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL jit = off")
            yield
            if postgres:
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL jit TO DEFAULT")
    finally:
        _counting.reset(token)


_counting: ContextVar[bool] = ContextVar("counting", default=False)


def _same_arm_only(answers: QuerySet, item_arms: Sequence[tuple[int, str]]) -> QuerySet:
    """Leave out answers to a split-sample item from the other half.

    PostgreSQL refuses such a row (surveys/migrations/0010_answer_same_half.py), so counting
    there trusts every row. SQLite, the newcomer's default, has no such trigger (it made bulk
    imports twice as slow), so there every counted row is tested instead.
    """
    for arm in ("A", "B"):
        ids = [item_id for item_id, split_arm in item_arms if split_arm == arm]
        if ids:
            answers = answers.exclude(Q(item_id__in=ids) & ~Q(response__split_arm=arm))
    return answers


def survey_not_answered(
    *,
    survey: Survey,
    filters: ResponseFilters | None = None,
    question_codes: Iterable[str] | None = None,
) -> dict[tuple[str, str], int]:
    """Respondents who were asked each question (and grid statement) and left it unanswered,
    such as a question left blank on a paper form: (question code, item code or "") -> count.

    One GROUP BY on the table of gaps (surveys.models.NotAnswered), with the same conditions
    on the responses as every other count. These respondents are in no answer row, so they
    are already outside the question's base; this is how many they are.
    """
    resolved = filters_resolve(survey=survey, filters=filters or ResponseFilters())
    return resolved_not_answered(resolved=resolved, question_codes=question_codes)


def resolved_not_answered(
    *, resolved: ResolvedFilters, question_codes: Iterable[str] | None = None
) -> dict[tuple[str, str], int]:
    survey = resolved.survey
    questions = Question.objects.filter(questionnaire_id=survey.questionnaire_id)
    if question_codes is not None:
        questions = questions.filter(code__in=list(question_codes))
    question_code = dict(questions.values_list("id", "code"))
    item_code = dict(
        Item.objects.filter(question_id__in=list(question_code)).values_list("id", "code")
    )
    rows = (
        NotAnswered.objects.filter(survey=survey, response__survey=survey)
        .filter(question_id__in=list(question_code))
        .filter(_response_condition(resolved, prefix="response__", outer="response_id"))
        .values("question_id", "item_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {
        (question_code[row["question_id"]], item_code.get(row["item_id"], "")): row["n"]
        for row in rows
    }


def questions_not_always_answered(*, survey: Survey) -> set[str]:
    """Codes of the questions some response of the survey left unanswered (a paper form, say):
    a question residents must answer online is answered by every response only if it is not
    one of these. One small query on the table of gaps."""
    return set(
        NotAnswered.objects.filter(survey=survey)
        .values_list("question__code", flat=True)
        .distinct()
        .order_by()
    )


def survey_bases(
    *,
    survey: Survey,
    filters: ResponseFilters | None = None,
    question_codes: Iterable[str] | None = None,
    counts: Counts | None = None,
) -> Bases:
    """Everyone who answered each question (and grid item), "don't know" included.

    For single-choice questions and grid items a respondent has exactly one answer row, so the
    base is the sum of the option counts (no second scan). A multiple-choice question needs its
    respondents counted once each: one aggregate per such question over the responses.
    """
    filters = filters or ResponseFilters()
    resolved = filters_resolve(survey=survey, filters=filters)
    codes = None if question_codes is None else list(question_codes)
    if counts is None:
        counts = resolved_answer_counts(resolved=resolved, question_codes=codes)
    return resolved_bases(resolved=resolved, counts=counts, question_codes=codes)


def resolved_bases(
    *, resolved: ResolvedFilters, counts: Counts, question_codes: list[str] | None
) -> Bases:
    survey = resolved.survey
    questions = Question.objects.filter(
        questionnaire_id=survey.questionnaire_id,
        kind__in=[Question.Kind.SINGLE, Question.Kind.GRID, Question.Kind.MULTI],
    )
    if question_codes is not None:
        questions = questions.filter(code__in=question_codes)
    kinds = dict(questions.values_list("code", "kind"))

    bases: Bases = {}
    for (question, item, _option), cell in counts.items():
        if kinds.get(question) in (Question.Kind.SINGLE, Question.Kind.GRID):
            bases[(question, item)] = bases.get((question, item), Cell()) + cell
    for question, kind in kinds.items():
        if kind == Question.Kind.MULTI:
            bases[(question, "")] = _respondents_choosing(resolved, question_code=question)
    return bases


def _respondents_choosing(
    resolved: ResolvedFilters, *, question_code: str, option_codes: Sequence[str] | None = None
) -> Cell:
    """Respondents who chose any of ``option_codes`` (any option if None) of a question, each
    counted once: the base, or a net of several options, of a multiple-choice question."""
    question = Question.objects.get(
        questionnaire_id=resolved.survey.questionnaire_id, code=question_code
    )
    if option_codes is None:
        chose = Answer.objects.filter(response_id=OuterRef("pk"), question_id=question.id)
    else:
        # Option ids alone, for the same reason as in _response_condition.
        option_ids = list(
            Option.objects.filter(question=question, code__in=list(option_codes)).values_list(
                "id", flat=True
            )
        )
        chose = Answer.objects.filter(response_id=OuterRef("pk"), option_id__in=option_ids)
    result = (
        Response.objects.filter(survey=resolved.survey)
        .filter(_response_condition(resolved, prefix="", outer="pk"))
        .filter(Exists(chose))
        .aggregate(
            n=Count("id"),
            sum_w=Coalesce(Sum("weight"), 0.0, output_field=FloatField()),
            sum_w2=Coalesce(
                Sum(F("weight") * F("weight"), output_field=FloatField()),
                0.0,
                output_field=FloatField(),
            ),
        )
    )
    return Cell(result["n"], float(result["sum_w"]), float(result["sum_w2"]))


def survey_net_cell(
    *,
    survey: Survey,
    question_code: str,
    item_code: str,
    option_codes: Sequence[str],
    counts: Counts,
    filters: ResponseFilters | None = None,
    kind: str | None = None,
) -> Cell:
    """The cell of a net (e.g. always + often) from the counts.

    Options of a single-choice question or a grid item exclude each other, so their cells add
    up. A multiple-choice respondent may choose two options of one net, so a net of several
    options of such a question is counted in the database instead.
    """
    if kind == Question.Kind.MULTI and len(option_codes) > 1:
        resolved = filters_resolve(survey=survey, filters=filters or ResponseFilters())
        return _respondents_choosing(
            resolved, question_code=question_code, option_codes=option_codes
        )
    total = Cell()
    for code in option_codes:
        total = total + counts.get((question_code, item_code, code), Cell())
    return total


@dataclass(frozen=True)
class RespondentSummary:
    """The selected responses: how many, by mode, and their cell (weights summed)."""

    respondents: int
    by_mode: dict[str, int]
    latest_submitted_at: dt.datetime | None
    cell: Cell = Cell()


@dataclass(frozen=True)
class RespondentSet:
    """Respondents counted once each, however many answer rows they have: those who answered
    ``question_id`` (the base of an optional multiple-choice question) or chose any of
    ``option_ids`` (a net of several of its options), among those who chose
    ``subgroup_option_id`` if given. With neither, every member of the subgroup."""

    question_id: int | None = None
    option_ids: tuple[int, ...] = ()
    subgroup_option_id: int | None = None


def survey_respondent_summary(
    *, survey: Survey, filters: ResponseFilters | None = None
) -> RespondentSummary:
    """How many complete responses the filters select, by mode, in one GROUP BY."""
    resolved = filters_resolve(survey=survey, filters=filters or ResponseFilters())
    summary, _ = resolved_respondents(resolved=resolved, sets=[])
    return summary


def resolved_respondents(
    *, resolved: ResolvedFilters, sets: Sequence[RespondentSet]
) -> tuple[RespondentSummary, list[Cell]]:
    """The selected responses by mode, and the cell of each respondent set, in one statement.

    One branch of a UNION ALL per set, each a semi-join (EXISTS) from the responses to the
    answers that put a respondent in the set: a respondent counts once however many options
    they chose, and no answer row reaches Python.
    """
    responses = Response.objects.filter(survey=resolved.survey).filter(
        _response_condition(resolved, prefix="", outer="pk")
    )
    sums = {
        "n": Count("id"),
        "latest": Max("submitted_at"),
        "sum_w": Coalesce(Sum("weight"), 0.0, output_field=FloatField()),
        "sum_w2": Coalesce(
            Sum(F("weight") * F("weight"), output_field=FloatField()),
            0.0,
            output_field=FloatField(),
        ),
    }
    columns = ("part", "by_mode", "n", "latest", "sum_w", "sum_w2")
    branches = [
        responses.annotate(part=Value(-1), by_mode=F("mode"))
        .values("part", "by_mode")
        .annotate(**sums)
        .order_by()
    ]
    for index, respondent_set in enumerate(sets):
        members = responses
        if respondent_set.question_id is not None:
            members = members.filter(
                Exists(
                    Answer.objects.filter(
                        response_id=OuterRef("pk"), question_id=respondent_set.question_id
                    )
                )
            )
        if respondent_set.option_ids:
            # Option ids alone, for the same reason as in _response_condition.
            members = members.filter(
                Exists(
                    Answer.objects.filter(
                        response_id=OuterRef("pk"), option_id__in=respondent_set.option_ids
                    )
                )
            )
        if respondent_set.subgroup_option_id is not None:
            members = members.filter(
                Exists(
                    Answer.objects.filter(
                        response_id=OuterRef("pk"), option_id=respondent_set.subgroup_option_id
                    )
                )
            )
        branches.append(
            members.annotate(part=Value(index), by_mode=Value(""))
            .values("part", "by_mode")
            .annotate(**sums)
            .order_by()
        )
    parts = [branch.values_list(*columns).query.sql_with_params() for branch in branches]
    sql = " UNION ALL ".join(
        f"SELECT * FROM ({part_sql}) AS p{i}" for i, (part_sql, _) in enumerate(parts)
    )
    params = [param for _, part_params in parts for param in part_params]
    with counting_transaction(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()

    by_mode: dict[str, int] = {}
    latest: dt.datetime | None = None
    selected = Cell()
    cells = [Cell() for _ in sets]
    for part, mode, n, last, sum_w, sum_w2 in rows:
        if part == -1:
            by_mode[mode] = n
            selected = selected + Cell(n, float(sum_w), float(sum_w2))
            last = _as_datetime(last)
            if last and (latest is None or last > latest):
                latest = last
        else:
            cells[part] = Cell(n, float(sum_w), float(sum_w2))
    summary = RespondentSummary(
        respondents=sum(by_mode.values()),
        by_mode=by_mode,
        latest_submitted_at=latest,
        cell=selected,
    )
    return summary, cells


def _as_datetime(value: dt.datetime | str | None) -> dt.datetime | None:
    """A datetime from a raw cursor: SQLite gives back the stored text, in UTC."""
    if value is None or isinstance(value, dt.datetime):
        return value
    parsed = parse_datetime(value)
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, dt.UTC)
    return parsed


# ---------------------------------------------------------------------------------------------
# Disclosure control of a selection (the rules are in results.disclosure)


class SelectionTooSmall(ResultsError):
    """The filters select too few respondents, or a group whose figures would give away a
    smaller one, so no figure may be shown."""


def _without(filters: ResponseFilters, **changes) -> ResponseFilters:
    values = {
        "submitted_from": filters.submitted_from,
        "submitted_to": filters.submitted_to,
        "mode": filters.mode,
        "area": filters.area,
        "subgroups": filters.subgroups,
    }
    values.update(changes)
    return ResponseFilters(**values)


def selection_disclosure_check(*, survey: Survey, filters: ResponseFilters) -> int:
    """The selection's respondents, if its figures may be shown; SelectionTooSmall if not.

    A selection needs at least the threshold of respondents (dates count as narrowing too).
    A narrowing filter (a mode, an area, a subgroup) is also checked against its siblings,
    the other modes, areas or answers under the same other filters, as one table whose total
    the wider selection shows: the selection is refused when secondary suppression would hide
    it there. Dates must be on the boundaries of the selection's periods (results.periods),
    or two overlapping ranges would differ by a few people; and a date range is refused when
    the responses outside it are 1 to threshold - 1, since the whole survey's figures minus
    the range's would give those few back.
    """
    from results import disclosure
    from results.periods import periods_safe

    limit = disclosure.threshold()
    chosen = filters_words(survey=survey, filters=filters)
    too_small = SelectionTooSmall(
        f"Fewer than {limit} complete responses match ({chosen}), or so few "
        "would be left out that they could be worked out, so no figures are shown: so few "
        "people could be recognised from their answers. Choose a wider selection."
    )
    respondents = survey_respondent_summary(survey=survey, filters=filters).respondents
    if not disclosure.selection_shown(respondents, limit):
        raise too_small
    if filters.mode:
        wider = survey_respondent_summary(survey=survey, filters=_without(filters, mode=None))
        modes = {m: wider.by_mode.get(m, 0) for m in Response.Mode.values}
        if disclosure.suppress(modes, limit)[filters.mode] is None:
            raise too_small
    if filters.area:
        areas = {
            code: survey_respondent_summary(
                survey=survey, filters=_without(filters, area=code)
            ).respondents
            for code in Area.objects.filter(council_id=survey.council_id).values_list(
                "code", flat=True
            )
        }
        if disclosure.suppress(areas, limit)[filters.area] is None:
            raise too_small
    for question_code, option_code in filters.subgroups:
        others = tuple(s for s in filters.subgroups if s != (question_code, option_code))
        options = Option.objects.filter(
            question__questionnaire_id=survey.questionnaire_id, question__code=question_code
        ).values_list("code", flat=True)
        siblings = {
            code: survey_respondent_summary(
                survey=survey,
                filters=_without(filters, subgroups=(*others, (question_code, code))),
            ).respondents
            for code in options
        }
        if disclosure.suppress(siblings, limit).get(option_code) is None:
            raise too_small
    if not periods_safe(survey=survey, filters=filters):
        raise SelectionTooSmall(
            "Dates can only be chosen in whole periods, so that two overlapping selections "
            "never differ by a few people. Choose a from and a to period."
        )
    if filters.submitted_from or filters.submitted_to:
        whole = survey_respondent_summary(
            survey=survey, filters=_without(filters, submitted_from=None, submitted_to=None)
        ).respondents
        if not disclosure.complement_safe(respondents, whole, limit):
            raise too_small
    return respondents


def filters_lines(*, survey: Survey, filters: ResponseFilters) -> list[str]:
    """The filters in words, with labels, never codes: "Area: Brookside", "Age: 15-24"."""
    from results.labels import selection_lines
    from surveys.services import spec_for

    if filters == ResponseFilters():
        return selection_lines()
    spec = spec_for(survey)
    area = spec.questions.get("AREA")
    return selection_lines(
        submitted_from=filters.submitted_from,
        submitted_to=filters.submitted_to,
        mode=filters.mode,
        area=filters.area,
        subgroups=filters.subgroups,
        modes=dict(Response.Mode.choices),
        areas={o.code: o.label for o in area.options} if area else {},
        questions={
            q.code: (q.text, {o.code: o.label for o in q.options}) for q in spec.questions.values()
        },
    )


def filters_words(*, survey: Survey, filters: ResponseFilters) -> str:
    """The filters on one line: "Way of answering: Online; Age: 15-24"."""
    return "; ".join(filters_lines(survey=survey, filters=filters))
