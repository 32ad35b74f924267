"""Local results beside the 2014 national figures: one row per published figure.

The database counts (``results.selectors``), ``results.stats`` does the arithmetic, and this
module decides what may honestly be said about each figure: whether it can be tested, whether
its base is too small to trust or too small to show, and how the way the answers were collected
bears on the comparison.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from results import disclosure, stats
from results.errors import ResultsError
from results.models import NationalFigure, WeightingRun
from results.periods import dates_snap
from results.selectors import (
    Bases,
    Cell,
    Counts,
    RespondentSet,
    RespondentSummary,
    ResponseFilters,
    area_name,
    baseline_figures,
    counting_transaction,
    filters_resolve,
    questions_by_code,
    questions_not_always_answered,
    resolved_answer_counts,
    resolved_answer_counts_by_cell,
    resolved_respondents,
    resolved_subgroup_counts,
    respondents_by_cell,
    selection_disclosure_check,
    survey_has_targets,
    weighting_run_latest,
)
from surveys.models import Question, Response, Survey

DONT_KNOW = "dont_know"
NO_FIGURE = "No national figure published"
SELF_COMPLETION = (Response.Mode.ONLINE, Response.Mode.PAPER)


@dataclass(frozen=True)
class ComparisonRow:
    """One published figure (or one question without any) beside the local result.

    Percentages and the difference are in points (0..100); ``p_value`` is None where no test
    was done, and the reason is in ``notes``.
    """

    question: str
    item: str
    net: str
    subgroup: str
    local_percent: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    base: int | None = None
    effective_base: float | None = None
    national_percent: float | None = None
    national_base: int | None = None
    national_exact: bool | None = None
    national_wording: str = ""
    difference: float | None = None
    p_value: float | None = None
    verdict: str = ""
    size: str = ""
    tested: bool = False
    low_base: bool = False
    suppressed: bool = False
    notes: tuple[str, ...] = ()
    # What the row compares, in words ("15-24 year olds here compared with all adults
    # nationally").
    compared: str = ""
    # The p-value after the survey's multiple-comparison adjustment, which ``verdict`` uses;
    # ``p_value`` and ``unadjusted_verdict`` are the figure tested on its own.
    p_adjusted: float | None = None
    unadjusted_verdict: str = ""
    test_method: str = ""
    variance_method: str = ""
    national_design_effect: float | None = None
    # For a significant verdict: the largest national design effect at which it still holds.
    design_effect_tolerance: float | None = None


@dataclass(frozen=True)
class Comparison:
    survey: Survey
    weighted: bool
    filters: ResponseFilters
    respondents: int
    by_mode: dict[str, int]
    rows: list[ComparisonRow]
    mode_note: str
    notes: list[str] = field(default_factory=list)
    dont_know_only: list[str] = field(default_factory=list)
    # The multiple-comparison adjustment of the verdicts (stats.Adjustment), the number of
    # figures tested and how many of them chance alone would make significant at 5%.
    adjustment: str = stats.Adjustment.NONE
    tests: int = 0
    expected_by_chance: float = 0.0
    significant: int = 0
    significant_unadjusted: int = 0
    min_test_base: float = stats.MIN_TEST_BASE
    national_design_effect: float = 1.0
    # "weighted", "weighted, stale", "unweighted", or "unweighted: weighting failed" and the
    # like; ``weighting_problem`` says in words what went wrong ("" when nothing did).
    weighting_state: str = "unweighted"
    weighting_problem: str = ""
    capped: int | None = None
    # The local group the filters select, in words ("" for all responses).
    group: str = ""
    # Said when dates asked for were widened to whole periods (results.periods).
    dates_notice: str = ""

    @property
    def adjustment_words(self) -> str:
        return stats.Adjustment.WORDS[self.adjustment]

    @property
    def multiple_comparisons_note(self) -> str:
        return multiple_comparisons_note(
            tests=self.tests,
            adjustment=self.adjustment,
            significant=self.significant,
            significant_unadjusted=self.significant_unadjusted,
        )


TEST_METHOD = "Newcombe hybrid score (1998, method 10)"


def multiple_comparisons_note(
    *, tests: int, adjustment: str, significant: int, significant_unadjusted: int
) -> str:
    """How many figures were tested, how many significant results chance alone would give, and
    how the verdicts allow for it."""
    if tests == 0:
        return "No figure was tested, so no verdict is given."
    expected = stats.expected_by_chance(tests)
    text = (
        f"{tests} figure{'s were' if tests != 1 else ' was'} tested at the 5% level: even with "
        f"no real difference anywhere, about {expected:.1f} would look significant by chance "
        f"alone. {significant_unadjusted} {'are' if significant_unadjusted != 1 else 'is'} "
        "significant tested one by one"
    )
    if adjustment == stats.Adjustment.NONE:
        return text + "; the verdicts make no adjustment for the number of tests."
    return (
        text + f"; {significant} after the {stats.Adjustment.WORDS[adjustment]}, which the "
        "verdicts use (each figure's unadjusted p-value is shown beside it)."
    )


def survey_compare(
    *, survey: Survey, weighted: bool, filters: ResponseFilters | None = None
) -> Comparison:
    """Compare a survey's complete responses (those the filters select) with the baseline.

    Raises ResultsError when there is nothing to compare: no responses selected, unknown
    filter codes, or weighted results asked for when the survey has no weights.
    """
    # One transaction, with JIT off, for all three counting statements.
    with counting_transaction():
        return _survey_compare(survey=survey, weighted=weighted, filters=filters)


def _survey_compare(
    *, survey: Survey, weighted: bool, filters: ResponseFilters | None
) -> Comparison:
    # Dates only ever on period boundaries, whoever asks (results.periods): two overlapping
    # ranges differ by whole periods of at least the threshold, never by a few people.
    snapped = dates_snap(survey=survey, filters=filters or ResponseFilters())
    filters = snapped.filters
    resolved = filters_resolve(survey=survey, filters=filters)
    figures = baseline_figures(questionnaire_slug=survey.questionnaire.slug)
    questions = questions_by_code(survey=survey)
    subgroup_keys = sorted(
        {(f.subgroup_question_code, f.subgroup_option_code) for f in figures if f.has_subgroup}
    )
    subgroup_option = {key: _option_id(questions, *key) for key in subgroup_keys}

    # Three statements count everything. The first counts respondents once each: the selection
    # by mode, and what multiple-choice figures need beyond their option cells. A required
    # question is answered by every response online (response_submit refuses one without it),
    # so unless an officer's entry or an import left it unanswered somewhere (item
    # non-response), its base is the selection itself, or the subgroup: any other needs its
    # respondents counted once each. Nets of several options of a multiple-choice question
    # always do (none is published yet).
    always_answered = _always_answered(survey=survey, questions=questions)
    sets: dict[tuple[tuple[str, str] | None, str, tuple[str, ...]], RespondentSet] = {}
    answered_by_all: set[str] = set()
    for f in figures:
        question = questions.get(f.question_code)
        if question is None or question.kind != Question.Kind.MULTI:
            continue
        group = (f.subgroup_question_code, f.subgroup_option_code) if f.has_subgroup else None
        subgroup_id = subgroup_option[group] if group else None
        if question.code not in always_answered:
            sets[(group, f.question_code, ())] = RespondentSet(
                question_id=question.id, subgroup_option_id=subgroup_id
            )
        elif group is not None:
            sets[(group, f.question_code, ())] = RespondentSet(subgroup_option_id=subgroup_id)
        else:
            answered_by_all.add(f.question_code)
        if len(f.net_option_codes) > 1:
            sets[(group, f.question_code, tuple(f.net_option_codes))] = RespondentSet(
                option_ids=tuple(
                    _option_id(questions, f.question_code, c) for c in f.net_option_codes
                ),
                subgroup_option_id=subgroup_id,
            )
    summary, set_cells = resolved_respondents(resolved=resolved, sets=list(sets.values()))
    if summary.respondents == 0 and filters == ResponseFilters():
        raise ResultsError(
            f"'{survey.title}' has no complete responses yet, so there is nothing to compare."
        )
    # A selection with no responses at all is refused in the same words as one with a few
    # (below): an empty group must read the same as a small one.
    # The one disclosure policy (results.disclosure): too small a selection shows nothing.
    selection_disclosure_check(survey=survey, filters=filters)
    respondents = dict(zip(sets, set_cells, strict=True))
    for question_code in answered_by_all:
        respondents[(None, question_code, ())] = summary.cell
    notes: list[str] = []
    run = weighting_run_latest(survey=survey)
    state, problem = _weighting_state(survey=survey, run=run, summary=summary, weighted=weighted)
    if weighted:
        notes.append(_weighting_note(run=run, summary=summary))
    else:
        notes.append("Unweighted: every response counts once.")
    capped = run.capped if weighted and run is not None else None
    if capped:
        notes.append(
            f"{capped} respondent{'s' if capped != 1 else ''}' weight{'s' if capped != 1 else ''}"
            f" reached the cap of {run.cap:g} times the average and "
            f"{'were' if capped != 1 else 'was'} held there, so the targets are met by raising "
            "the others."
        )
    group = _group_words(survey=survey, filters=filters, questions=questions, figures=figures)
    own_figures = {
        (f.question_code, f.item_code, f.net_label): f.subgroup_label
        for f in figures
        if f.has_subgroup
        and (f.subgroup_question_code, f.subgroup_option_code) in filters.subgroups
    }
    national_deff = (
        float(survey.national_design_effect) if survey.national_design_effect is not None else None
    )
    min_base = float(survey.min_test_base)

    # Then one GROUP BY over the answers to every question (and grid item) with an all-adults
    # figure, and one more over the few items with subgroup figures, that counts every
    # published subgroup's members at once.
    overall = [f for f in figures if not f.has_subgroup]
    by_subgroup = [f for f in figures if f.has_subgroup]
    design = _design_sample(survey=survey, run=run, weighted=weighted, stale=bool(problem))
    if design is not None:
        # The same GROUP BY split by weighting cell: the plain counts are its sums.
        by_cell = resolved_answer_counts_by_cell(
            resolved=resolved,
            question_codes=sorted({f.question_code for f in overall}),
            item_codes=sorted({f.item_code for f in overall if f.item_code}),
            questions=questions,
        )
        counts = {key: sum(cells.values(), Cell()) for key, cells in by_cell.items()}
        design = dataclasses.replace(
            design,
            by_cell=by_cell,
            selected=respondents_by_cell(survey=survey, resolved=resolved),
            always_answered=frozenset(always_answered),
        )
    else:
        counts = resolved_answer_counts(
            resolved=resolved,
            question_codes=sorted({f.question_code for f in overall}),
            item_codes=sorted({f.item_code for f in overall if f.item_code}),
            questions=questions,
        )
    sub_counts = resolved_subgroup_counts(
        resolved=resolved,
        subgroups=subgroup_keys,
        question_codes=sorted({f.question_code for f in by_subgroup}),
        item_codes=sorted({f.item_code for f in by_subgroup if f.item_code}),
        questions=questions,
    )
    groups: dict[tuple[str, str] | None, _Group] = {
        None: _Group(filters, counts, _bases(counts, questions, respondents, None))
    }
    for key in subgroup_keys:
        groups[key] = _Group(
            filters.with_subgroup(*key),
            sub_counts[key],
            _bases(sub_counts[key], questions, respondents, key),
        )

    mode_note = _mode_note(summary)
    rows: list[ComparisonRow] = []
    dont_know_only: list[str] = []
    figures_at = defaultdict(list)
    for f in figures:
        figures_at[(f.question_code, f.item_code)].append(f)

    group_words = group

    def add_rows(question: Question, item_code: str) -> None:
        found = figures_at.pop((question.code, item_code), [])
        if not found:
            rows.append(
                ComparisonRow(
                    question=question.code,
                    item=item_code,
                    net="",
                    subgroup="",
                    verdict="",
                    notes=(NO_FIGURE,),
                )
            )
            return
        for figure in found:
            key = (
                (figure.subgroup_question_code, figure.subgroup_option_code)
                if figure.has_subgroup
                else None
            )
            group = groups[key]
            net = tuple(figure.net_option_codes)
            if question.kind == Question.Kind.MULTI and len(net) > 1:
                # A respondent may choose two options of the net: counted once, above.
                yes = respondents[(key, question.code, net)]
            else:
                # Options of a single-choice question or grid item exclude each other, and a
                # multiple-choice option is chosen at most once: their cells add up.
                yes = sum(
                    (group.counts.get((question.code, item_code, c), Cell()) for c in net), Cell()
                )
            cells = (
                design.cells_of(figure=figure, question=question, item_code=item_code)
                if design is not None and key is None
                else None
            )
            row, all_dont_know = _figure_row(
                design_cells=cells,
                figure=figure,
                question=question,
                counts=group.counts,
                bases=group.bases,
                yes=yes,
                filters=group.filters,
                weighted=weighted,
                mode_note=mode_note,
                compared=_compared_words(figure, group_words),
                own_figure=None
                if figure.has_subgroup
                else own_figures.get((figure.question_code, figure.item_code, figure.net_label)),
                min_base=min_base,
                national_design_effect=national_deff,
                whole=groups[None].bases.get((question.code, item_code), Cell()).n,
            )
            rows.append(row)
            label = f"{question.code} {item_code}".strip()
            if all_dont_know and label not in dont_know_only:
                dont_know_only.append(label)

    for question in questions.values():
        if question.is_demographic or question.kind not in (
            Question.Kind.SINGLE,
            Question.Kind.MULTI,
            Question.Kind.GRID,
        ):
            continue
        items = list(question.items.all()) if question.kind == Question.Kind.GRID else []
        if items and not any((question.code, item.code) in figures_at for item in items):
            add_rows(question, "")  # a grid with no figure at all: one row says so
            continue
        for item_code in [item.code for item in items] or [""]:
            add_rows(question, item_code)
    if figures_at:
        # Only if the baseline names a question the questionnaire lacks; a test rules it out.
        missing = ", ".join(" ".join(k).strip() for k in figures_at)
        raise ResultsError(f"The national baseline names questions this survey lacks: {missing}.")

    adjustment = survey.multiple_comparisons
    rows, tests, significant, significant_unadjusted = _adjust(rows, adjustment)
    notes.append(
        multiple_comparisons_note(
            tests=tests,
            adjustment=adjustment,
            significant=significant,
            significant_unadjusted=significant_unadjusted,
        )
    )
    notes.append(mode_note)
    deffs = (
        {national_deff} if national_deff is not None else {float(f.design_effect) for f in figures}
    ) or {1.0}  # no national figure loaded for this questionnaire: nothing is tested anyway
    notes.append(
        "National design effect: "
        + ", ".join(f"{d:g}" for d in sorted(deffs))
        + (
            " (the report publishes none, so each national figure is tested as if from a "
            "simple random sample of its base)"
            if national_deff is None
            else " (set for this survey; the report publishes none)"
        )
        + ". A larger design effect would widen every test: each significant verdict says the "
        "largest national design effect at which it still holds."
    )
    if group:
        notes.append(
            f"These figures are for {group} here, compared with the national figures for all "
            "adults unless a row names the report's own figure for a group."
        )
    notes.append(
        "National base: 989 GB adults 15+ as printed on the report's charts (the report's "
        "acknowledgements say 985 were interviewed); c500 for each split-sample statement."
    )
    if problem:
        notes.insert(0, problem)
    return Comparison(
        survey=survey,
        weighted=weighted,
        filters=filters,
        respondents=summary.respondents,
        by_mode=summary.by_mode,
        rows=rows,
        mode_note=mode_note,
        notes=notes,
        dont_know_only=dont_know_only,
        adjustment=adjustment,
        tests=tests,
        expected_by_chance=stats.expected_by_chance(tests),
        significant=significant,
        significant_unadjusted=significant_unadjusted,
        min_test_base=min_base,
        national_design_effect=min(deffs) if len(deffs) == 1 else max(deffs),
        weighting_state=state,
        weighting_problem=problem,
        capped=capped,
        group=group,
        dates_notice=snapped.notice,
    )


def _figure_row(
    *,
    figure: NationalFigure,
    question: Question,
    counts: Counts,
    bases: Bases,
    yes: Cell,
    filters: ResponseFilters,
    weighted: bool,
    mode_note: str,
    compared: str = "",
    own_figure: str | None = None,
    min_base: float = stats.MIN_TEST_BASE,
    national_design_effect: float | None = None,
    design_cells: list[stats.WeightingCell] | None = None,
    whole: int = 0,
) -> tuple[ComparisonRow, bool]:
    """The row of one figure, and whether everyone in its base answered "don't know"."""
    national = float(figure.percent)
    common = {
        "compared": compared,
        "question": figure.question_code,
        "item": figure.item_code,
        "net": figure.net_label,
        "subgroup": figure.subgroup_label,
        "national_percent": national,
        "national_base": figure.base,
        "national_exact": figure.exact,
        "national_wording": figure.approximate_wording,
    }
    notes: list[str] = []
    if not figure.exact:
        notes.append(
            f"The report gives this only in words ('{figure.approximate_wording}'), so it is "
            "shown for context and not tested."
        )
    if figure.split_sample:
        notes.append(
            "Asked of half the sample in 2014 (the report says c500 respondents; 500 is used)."
        )
    if figure.trend_2010 is not None:
        notes.append(f"2010 national figure: {float(figure.trend_2010):g}%.")

    base = bases.get((figure.question_code, figure.item_code), Cell())
    # An empty base looks like a small one, and a published subgroup is hidden when the rest
    # of the selection is small, since the all-adults row minus it would give the rest back.
    limit = disclosure.threshold()
    if disclosure.is_hidden(base.n, limit) or (
        figure.has_subgroup and not disclosure.complement_safe(base.n, whole, limit)
    ):
        notes.append(
            f"Fewer than {limit} respondents in this group, or so few outside it that they "
            "could be worked out, so the result is not shown: so few people could be "
            "recognised from their answers."
        )
        return (
            ComparisonRow(**common, verdict="suppressed", suppressed=True, notes=tuple(notes)),
            False,
        )

    dont_know = counts.get((figure.question_code, figure.item_code, DONT_KNOW), Cell())
    if question.kind != Question.Kind.MULTI and dont_know.n == base.n:
        notes.append(
            'Everyone in this selection answered "Don\'t know", so there is no local view to '
            "compare."
        )
        return (
            ComparisonRow(**common, base=base.n, verdict="not tested", notes=tuple(notes)),
            True,
        )

    if weighted:
        if not base.sum_w > 0:
            notes.append("These respondents all have a weight of 0 under the current targets.")
            return (
                ComparisonRow(**common, base=base.n, verdict="not tested", notes=tuple(notes)),
                False,
            )
        local = stats.weighted_proportion(sum_w_yes=yes.sum_w, sum_w=base.sum_w, sum_w2=base.sum_w2)
        variance_method = "Kish effective base"
        if design_cells is not None and 0 < local.p < 1:
            local = stats.raked_proportion(design_cells)
            variance_method = "design-based (raking residuals)"
    else:
        local = stats.proportion(yes.n, base.n)
        variance_method = "simple random sample of the respondents"

    low_base = stats.is_low_base(base.n)
    if low_base:
        notes.append(f"Low base (fewer than {stats.LOW_BASE} respondents): treat with caution.")

    local_points = local.p * 100
    difference = local_points - national
    p_value = None
    tested = False
    size = ""
    design_effect = (
        national_design_effect
        if national_design_effect is not None
        else float(figure.design_effect)
    )
    if not figure.exact:
        verdict, difference = "not tested", None
    elif own_figure is not None:
        verdict = "not tested"
        notes.append(
            f"The report publishes its own figure for {own_figure}: these local answers are "
            "compared with that one instead of with all adults."
        )
    elif figure.base is None:
        verdict = "not tested"
        notes.append(
            f"The report does not publish how many {figure.subgroup_label} it interviewed, so no "
            "significance test is possible; the difference is shown for context."
        )
    elif not stats.can_test(local.base_effective, minimum=min_base):
        verdict = stats.TOO_FEW_TO_TEST
        size = stats.size_label(difference)
        notes.append(
            f"Effective base {local.base_effective:.0f}, below the {min_base:g} needed for a "
            "test: too few responses to test. The interval is shown for context."
        )
    else:
        test = stats.difference_test(
            p_local=local.p,
            n_local=local.base_effective,
            p_national=national / 100,
            n_national=figure.base,
            national_design_effect=design_effect,
        )
        p_value = test.p_value
        verdict = stats.verdict(test.p_value, test.difference)
        size = stats.size_label(difference)
        tested = True
        notes.append(f"Size of gap: {size}. National design effect {design_effect:g}.")
    notes.append(mode_note)
    return (
        ComparisonRow(
            **common,
            local_percent=local_points,
            ci_low=local.ci_low * 100,
            ci_high=local.ci_high * 100,
            base=base.n,
            effective_base=local.base_effective,
            difference=difference,
            p_value=p_value,
            verdict=verdict,
            unadjusted_verdict=verdict,
            size=size,
            tested=tested,
            low_base=low_base,
            notes=tuple(notes),
            test_method=TEST_METHOD if tested else "",
            variance_method=variance_method,
            national_design_effect=design_effect,
        ),
        False,
    )


def _adjust(
    rows: list[ComparisonRow], adjustment: str
) -> tuple[list[ComparisonRow], int, int, int]:
    """The verdicts after the survey's multiple-comparison adjustment, over every tested row,
    with each significant verdict's design-effect tolerance; and how many were tested, and
    significant after and before adjusting."""
    tested = [i for i, r in enumerate(rows) if r.tested]
    inputs = [
        stats.TestInput(
            p_local=rows[i].local_percent / 100,
            n_local=rows[i].effective_base,
            p_national=rows[i].national_percent / 100,
            n_national=rows[i].national_base,
            national_design_effect=rows[i].national_design_effect,
        )
        for i in tested
    ]
    adjusted = stats.p_adjust([rows[i].p_value for i in tested], adjustment)
    tolerances = stats.design_effect_tolerances(inputs, method=adjustment)
    result = list(rows)
    significant = 0
    for i, p_adjusted, tolerance in zip(tested, adjusted, tolerances, strict=True):
        row = rows[i]
        verdict = stats.verdict(p_adjusted, row.difference / 100)
        notes = list(row.notes)
        if tolerance is not None:
            significant += 1
            notes.append(
                "Holds unless the 2014 design effect exceeds "
                f"{tolerance:.1f}"
                + (" (or more)." if tolerance >= 99.9 * row.national_design_effect else ".")
            )
        result[i] = dataclasses.replace(
            row,
            p_adjusted=p_adjusted,
            verdict=verdict,
            design_effect_tolerance=tolerance,
            notes=tuple(notes),
        )
    unadjusted = sum(1 for i in tested if rows[i].unadjusted_verdict in SIGNIFICANT)
    return result, len(tested), significant, unadjusted


SIGNIFICANT = ("significantly higher", "significantly lower")


@dataclass(frozen=True)
class _DesignSample:
    """What the design-based variance of the weighted figures needs: the weighted sample by
    weighting cell (everyone the weighting calibrated), the selection by cell, and the answer
    counts by cell; all from GROUP BYs, with each cell's categories from the weighting run."""

    categories: list[tuple[str, ...]]
    sample: dict[int | None, Cell]
    selected: dict[int | None, Cell] = field(default_factory=dict)
    by_cell: dict[tuple[str, str, str], dict[int | None, Cell]] = field(default_factory=dict)
    # Questions every response answered (see _always_answered): their base is the selection.
    always_answered: frozenset[str] = frozenset()

    def cells_of(
        self, *, figure: NationalFigure, question: Question, item_code: str
    ) -> list[stats.WeightingCell] | None:
        """The figure's sums by weighting cell; None where they cannot come from the counts
        (a net of several options of a multiple-choice question, or an optional one's base)."""
        codes = list(figure.net_option_codes)
        if question.kind == Question.Kind.MULTI:
            if len(codes) > 1 or question.code not in self.always_answered:
                return None
            base = self.selected
        else:
            base = {}
            for (q, i, _option), cells in self.by_cell.items():
                if q == figure.question_code and i == item_code:
                    for cell, value in cells.items():
                        base[cell] = base.get(cell, Cell()) + value
        yes: dict[int | None, Cell] = {}
        for code in codes:
            for cell, value in self.by_cell.get(
                (figure.question_code, item_code, code), {}
            ).items():
                yes[cell] = yes.get(cell, Cell()) + value
        if None in base or None in yes:
            return None
        return [
            stats.WeightingCell(
                categories=self.categories[cell],
                n=everyone.n,
                sum_w=everyone.sum_w,
                sum_w2=everyone.sum_w2,
                n_d=base.get(cell, Cell()).n,
                y_d=yes.get(cell, Cell()).n,
                sum_w_d=base.get(cell, Cell()).sum_w,
                sum_wy_d=yes.get(cell, Cell()).sum_w,
                sum_w2_d=base.get(cell, Cell()).sum_w2,
                sum_w2y_d=yes.get(cell, Cell()).sum_w2,
            )
            for cell, everyone in self.sample.items()
        ]


def _design_sample(
    *, survey: Survey, run: WeightingRun | None, weighted: bool, stale: bool
) -> _DesignSample | None:
    """The weighted sample by cell, when the weights are current raking weights whose cells
    every response carries; None otherwise (the Kish effective base is used instead)."""
    if not weighted or stale or run is None or run.status != WeightingRun.Status.OK:
        return None
    if not run.cells:
        return None
    sample = respondents_by_cell(survey=survey)
    if None in sample or any(cell is None or cell >= len(run.cells) for cell in sample):
        return None
    return _DesignSample(categories=[tuple(c) for c in run.cells], sample=sample)


@dataclass(frozen=True)
class _Group:
    """The respondents one figure is about (all selected, or a published subgroup of them)."""

    filters: ResponseFilters
    counts: Counts
    bases: Bases


def _always_answered(*, survey: Survey, questions: dict[str, Question]) -> set[str]:
    """Questions answered by every complete response: required online and left unanswered by
    no paper or telephone form (item non-response is kept in surveys.models.NotAnswered)."""
    gaps = questions_not_always_answered(survey=survey)
    return {code for code, q in questions.items() if q.required and code not in gaps}


def _bases(
    counts: Counts,
    questions: dict[str, Question],
    respondents: dict[tuple[tuple[str, str] | None, str, tuple[str, ...]], Cell],
    group: tuple[str, str] | None,
) -> Bases:
    """Everyone who answered each question (and grid item), "don't know" included.

    A respondent gives a single-choice question or a grid item exactly one answer, so its base
    is the sum of its option cells, counted already. A multiple-choice base counts each
    respondent once: it comes from the respondent sets."""
    bases: Bases = {}
    for (question_code, item_code, _option), cell in counts.items():
        if questions[question_code].kind in (Question.Kind.SINGLE, Question.Kind.GRID):
            key = (question_code, item_code)
            bases[key] = bases.get(key, Cell()) + cell
    for (set_group, question_code, net), cell in respondents.items():
        if set_group == group and not net:
            bases[(question_code, "")] = cell
    return bases


def _option_id(questions: dict[str, Question], question_code: str, option_code: str) -> int:
    for option in questions[question_code].options.all():
        if option.code == option_code:
            return option.id
    # Only if the baseline names an option the questionnaire lacks; a test rules it out.
    raise ResultsError(
        f"The national baseline names an unknown answer: {question_code} {option_code}."
    )


def _mode_note(summary: RespondentSummary) -> str:
    total = summary.respondents
    self_completed = sum(summary.by_mode.get(m, 0) for m in SELF_COMPLETION)
    base = "The 2014 figures come from face-to-face interviews"
    if self_completed:
        share = round(100 * self_completed / total)
        return (
            f"{base}; {share}% of these local answers were given online or on paper, with no "
            "interviewer, and people answer some questions differently on their own, so part of "
            "any difference may come from how the survey was done rather than from opinion."
        )
    return (
        f"{base}; these local answers were given by telephone, also to an interviewer, but the "
        "mode of a survey still changes some answers."
    )


def _group_words(
    *,
    survey: Survey,
    filters: ResponseFilters,
    questions: dict[str, Question],
    figures: list[NationalFigure],
) -> str:
    """The local group the filters select, in words ("15-24 year olds answering by
    telephone"); "" when they select every response."""
    published = {
        (f.subgroup_question_code, f.subgroup_option_code): f.subgroup_label
        for f in figures
        if f.has_subgroup
    }
    parts: list[str] = []
    for question_code, option_code in filters.subgroups:
        question = questions.get(question_code)
        label = (
            next((o.label for o in question.options.all() if o.code == option_code), option_code)
            if question
            else option_code
        )
        if question_code == "AGE":
            parts.append(
                f"{label.replace(' to ', '-')} year olds"
                if " to " in label
                else f"people aged {label}"
            )
        elif question_code == "SEX" and option_code in ("female", "male"):
            parts.append("women" if option_code == "female" else "men")
        elif (question_code, option_code) in published:
            parts.append(
                f"people with {published[(question_code, option_code)]}"
                if published[(question_code, option_code)].startswith("no ")
                else published[(question_code, option_code)]
            )
        else:
            parts.append(f"people answering “{label}” to {question_code}")
    if not parts and (
        filters.mode or filters.area or filters.submitted_from or filters.submitted_to
    ):
        parts.append("respondents")
    if filters.mode:
        parts.append(f"answering {Response.Mode(filters.mode).label.lower()}")
    if filters.area:
        parts.append(f"in {area_name(survey=survey, code=filters.area)}")
    if filters.submitted_from:
        parts.append(f"from {filters.submitted_from.day} {filters.submitted_from:%B %Y}")
    if filters.submitted_to:
        parts.append(f"to {filters.submitted_to.day} {filters.submitted_to:%B %Y}")
    return " ".join(parts)


def _compared_words(figure: NationalFigure, group: str) -> str:
    local = group or "all respondents"
    if figure.has_subgroup:
        local = f"{figure.subgroup_label} among {local}" if group else figure.subgroup_label
    return f"{local} here compared with {figure.subgroup_label} nationally"


def _weighting_state(
    *, survey: Survey, run: WeightingRun | None, summary: RespondentSummary, weighted: bool
) -> tuple[str, str]:
    """Whether the figures are weighted, and what went wrong with the weighting if anything:
    a failed, missing or out-of-date weighting is said, never passed over."""
    if not survey_has_targets(survey=survey):
        return ("weighted" if weighted else "unweighted"), ""
    if run is None:
        return (
            "unweighted: not weighted yet",
            "This survey has population targets but has not been weighted yet, so these "
            "figures are unweighted.",
        )
    if run.status != WeightingRun.Status.OK:
        return (
            "unweighted: weighting failed",
            f"Weighting failed ({run.created_at:%d %B %Y %H:%M}): {run.message} These figures "
            "are unweighted until the population targets are fixed.",
        )
    latest = summary.latest_submitted_at
    if not weighted:
        return "unweighted", ""
    if latest and latest > run.created_at:
        return (
            "weighted: out of date",
            f"Weighting is out of date: some responses arrived after the weighting of "
            f"{run.created_at:%d %B %Y %H:%M} and count with weight 1 until the weights are "
            "recalculated, which happens automatically within minutes.",
        )
    return "weighted", ""


def _weighting_note(*, run: WeightingRun | None, summary: RespondentSummary) -> str:
    if run is None:
        raise ResultsError(
            "This survey has not been weighted yet: set its population targets first, or ask "
            "for unweighted results."
        )
    if run.status != WeightingRun.Status.OK:
        raise ResultsError(
            f"The last attempt to weight this survey failed: {run.message} Fix the population "
            "targets, or ask for unweighted results."
        )
    note = (
        f"Weighted to the population targets (weighting of {run.created_at:%d %B %Y %H:%M}, "
        f"efficiency {run.efficiency:.0%}); confidence intervals use the effective base."
        if run.efficiency is not None
        else "Weighted: every response counts once, as the survey has no population targets."
    )
    latest: dt.datetime | None = summary.latest_submitted_at
    if latest and latest > run.created_at:
        note += (
            " Some responses arrived after that weighting; they count with weight 1 until the "
            "weights are recalculated, which happens automatically."
        )
    return note
