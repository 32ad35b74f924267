"""The comparison report as officers read it: the engine's rows (``results.comparison``)
grouped by question, with the question wording, plain-words verdicts, charts, a headline and
an optional breakdown by a demographic. Nothing here recomputes a figure: every number on the
page is one the comparison engine returned, so the page and the engine cannot disagree."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from django.utils.safestring import SafeString

from officers.cache import DataVersion, cache_key, cached, survey_data_version
from officers.charts import ChartBar, TrendPoint, comparison_chart, trend_chart
from results import disclosure, stats
from results.comparison import DONT_KNOW, Comparison, ComparisonRow, survey_compare
from results.errors import ResultsError
from results.labels import breakdown_heading, group_name
from results.models import NationalFigure, WeightingRun
from results.numbers import p_words, percent_text
from results.periods import periods_safe
from results.selectors import (
    Cell,
    Counts,
    ResponseFilters,
    baseline_figures,
    filters_resolve,
    questions_by_code,
    resolved_answer_counts,
    resolved_bases,
    resolved_subgroup_counts,
    survey_answer_counts,
    survey_net_cell,
    survey_respondent_summary,
    weighting_run_latest,
)
from results.topline import ToplineQuestion, survey_topline
from results.waves import WaveChange, WaveComparison, survey_compare_waves
from surveys.models import Area, Option, Question, Survey
from surveys.waves import survey_earlier_waves

ALL_ADULTS = "all adults"
REST = "(in no group)"
SUPPRESSED_TEXT = f"fewer than {stats.SUPPRESS_BELOW}"
VERDICT_WORDS = {
    "significantly higher": "Significantly higher than nationally",
    "significantly lower": "Significantly lower than nationally",
    "no significant difference": "No significant difference from nationally",
    "not tested": "Not tested",
    "suppressed": f"Not shown: {SUPPRESSED_TEXT} respondents",
    "no local answers": "No local answers",
    stats.TOO_FEW_TO_TEST: "Too few responses to test",
}
SIGNIFICANT = ("significantly higher", "significantly lower")


@dataclass(frozen=True)
class ReportRow:
    row: ComparisonRow
    label: str
    trend_2010: float | None

    @property
    def verdict_kind_words(self) -> str:
        """The verdict alone, without its gap: what the headline counts figures by."""
        if not self.row.net:
            return "No national figure published"
        return VERDICT_WORDS.get(self.row.verdict, self.row.verdict.capitalize())

    @property
    def verdict_words(self) -> str:
        """The verdict in one wording, with the gap it is about, that never contradicts
        itself: "Significantly higher than nationally, by 12 points"; a gap of 10 points or
        more that is not significant says it could be chance rather than calling it higher."""
        r = self.row
        words = self.verdict_kind_words
        if not r.net:
            return words
        gap = round(abs(r.difference)) if r.difference is not None else None
        if gap is None:
            return words
        points = "point" if gap == 1 else "points"
        if r.verdict in SIGNIFICANT:
            return f"{words}, by {gap} {points}"
        if r.verdict == "no significant difference" and gap >= 10:
            way = "higher" if r.difference > 0 else "lower"
            return f"{words}: {gap} {points} {way} here, which could be chance"
        return words

    @property
    def is_significant(self) -> bool:
        return self.row.verdict in SIGNIFICANT

    @property
    def p_words(self) -> str:
        """The p-values beside the verdict: the figure on its own, and after adjustment."""
        return p_words(self.row.p_value, self.row.p_adjusted)

    @property
    def holds_words(self) -> str:
        tolerance = self.row.design_effect_tolerance
        if tolerance is None:
            return ""
        if tolerance >= 99.9 * (self.row.national_design_effect or 1):
            return "Holds whatever the 2014 design effect."
        return f"Holds unless the 2014 design effect exceeds {tolerance:.1f}."

    def sentence(self) -> str:
        """The row in words, for the chart's description and the headline."""
        r = self.row
        if not r.net:
            return f"{self.label}: no national figure published."
        if r.suppressed:
            return f"{self.label}: {SUPPRESSED_TEXT} local respondents, so not shown."
        if r.local_percent is None:
            return f"{self.label}: national {r.national_percent:g}%; no local figure."
        low_base = f", low base: fewer than {stats.LOW_BASE}" if r.low_base else ""
        text = (
            f"{self.label}: local {r.local_percent:.0f}% (95% interval {r.ci_low:.0f}% to "
            f"{r.ci_high:.0f}%, base {r.base}{low_base})"
        )
        if r.national_percent is not None:
            text += f", national {r.national_percent:g}%"
        if r.compared and not r.compared.startswith("all respondents here"):
            text += f" ({r.compared})"
        return f"{text}; {self.verdict_words.lower()}."


@dataclass(frozen=True)
class Section:
    code: str
    text: str
    rows: list[ReportRow]
    chart: SafeString | None


# The marks beside a breakdown cell that differs from the rest of the selection; the words are
# there for screen readers (and the table's key says what the marks mean).
MARKERS = {"significantly higher": "▲", "significantly lower": "▼"}


@dataclass(frozen=True)
class BreakdownCell:
    """One group's (or the whole selection's) figure in the breakdown: the percentage with its
    95% interval, base and low-base flag, and the test against the rest of the selection."""

    text: str
    suppressed: bool = False
    percent: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    base: int | None = None
    effective_base: float | None = None
    low_base: bool = False
    rest_percent: float | None = None
    rest_effective_base: float | None = None
    p_value: float | None = None
    p_adjusted: float | None = None
    # "" (no test: hidden, no local view, or no one else to compare with), "too few responses
    # to test", or a verdict after the survey's adjustment for multiple tests.
    verdict: str = ""
    unadjusted_verdict: str = ""
    tested: bool = False
    verdict_words: str = ""

    @property
    def ci_text(self) -> str:
        if self.ci_low is None or self.ci_high is None:
            return ""
        return f"{percent_text(self.ci_low)} to {percent_text(self.ci_high)}"

    @property
    def marker(self) -> str:
        return MARKERS.get(self.verdict, "")


@dataclass(frozen=True)
class BreakdownRow:
    """One all-adults national figure across the groups: each group's cell, the whole
    selection's ("All") and the 2014 national figure where the report prints it exactly."""

    row: ReportRow
    cells: list[BreakdownCell]
    all: BreakdownCell
    national_percent: float | None
    national_text: str
    split_sample: bool = False


@dataclass(frozen=True)
class Breakdown:
    question: str
    text: str
    categories: list[tuple[str, str, str]]  # code, label, respondents (or "fewer than 10")
    rows: list[BreakdownRow]
    heading: str = ""  # "Broken down by age"
    name: str = ""  # "age"
    respondents: str = ""  # the whole selection's, for the "All" column
    rest_words: str = "the rest of the council"
    adjustment: str = stats.Adjustment.NONE
    tests: int = 0
    significant: int = 0
    significant_unadjusted: int = 0

    @property
    def adjustment_words(self) -> str:
        return stats.Adjustment.WORDS[self.adjustment]

    @property
    def adjustment_phrase(self) -> str:
        """ "after the Holm's adjustment (...)", or "with no adjustment for the number of
        tests"."""
        if self.adjustment == stats.Adjustment.NONE:
            return "with no adjustment for the number of tests"
        return f"after the {self.adjustment_words}"

    @property
    def low_base(self) -> int:
        return stats.LOW_BASE

    @property
    def tests_note(self) -> str:
        """How many group-against-the-rest tests the breakdown ran, and what they found."""
        if not self.tests:
            return (
                f"The breakdown by {self.name} tested no group against {self.rest_words}: "
                "too few responses in each."
            )
        expected = stats.expected_by_chance(self.tests)
        s = self.significant_unadjusted
        text = (
            f"The breakdown by {self.name} ran {self.tests} more "
            f"test{'s' if self.tests != 1 else ''}, each group against {self.rest_words} "
            f"(about {expected:.1f} would look significant by chance alone): {s} "
            f"{'are' if s != 1 else 'is'} significant tested one by one"
        )
        if self.adjustment == stats.Adjustment.NONE:
            return text + "; the marks make no adjustment for the number of tests."
        return (
            text + f"; {self.significant} after the {self.adjustment_words} over these "
            f"{self.tests} tests, which the marks use."
        )


@dataclass(frozen=True)
class WaveFigure:
    """One figure of the report beside the same figure in each earlier wave: the changes, in
    words and numbers, and its trend over the waves as a chart."""

    row: ReportRow
    changes: list[WaveChange]
    chart: SafeString | None

    @property
    def words(self) -> str:
        """ "Up 6 points since 2025, a significant change; down 2 points since 2024, which
        could be chance"."""
        return "; ".join(c.words for c in self.changes).capitalize()


@dataclass(frozen=True)
class WaveSection:
    comparison: WaveComparison
    figures: list[WaveFigure]

    @property
    def earlier_words(self) -> str:
        return ", ".join(w.wave_name for w in self.comparison.earlier)


@dataclass(frozen=True)
class Report:
    comparison: Comparison
    sections: list[Section]
    significant: list[ReportRow]
    others: dict[str, int]
    breakdown: Breakdown | None = None
    weighting: WeightingRun | None = None
    notes: list[str] = field(default_factory=list)
    topline: list[ToplineQuestion] = field(default_factory=list)
    order: str = "questionnaire"
    waves: WaveSection | None = None
    # Why the survey's earlier waves could not be compared, when it has some ("" otherwise).
    waves_problem: str = ""


def default_weighted(*, survey: Survey) -> bool:
    """Weighted when the survey has been weighted to targets; unweighted otherwise."""
    run = weighting_run_latest(survey=survey)
    return bool(run and run.status == WeightingRun.Status.OK and run.efficiency is not None)


def _item_texts(questions: dict[str, Question]) -> dict[tuple[str, str], str]:
    return {(q.code, i.code): i.text for q in questions.values() for i in q.items.all()}


def _label(row: ComparisonRow, items: dict[tuple[str, str], str]) -> str:
    """Item, net and subgroup, e.g. "Living expenses: at least some (15-24 year olds)"."""
    label = ": ".join(
        part for part in (items.get((row.question, row.item), row.item), row.net) if part
    )
    if row.subgroup and row.subgroup != ALL_ADULTS:
        label += f" ({row.subgroup})"
    return label or "All answers"


def report_rows(
    *, survey: Survey, comparison: Comparison, questions: dict[str, Question] | None = None
) -> list[ReportRow]:
    questions = questions or questions_by_code(survey=survey)
    items = _item_texts(questions)
    trends = {
        (f.question_code, f.item_code, f.net_label, f.subgroup_label): float(f.trend_2010)
        for f in baseline_figures(questionnaire_slug=survey.questionnaire.slug)
        if f.trend_2010 is not None
    }
    return [
        ReportRow(
            row=r,
            label=_label(r, items),
            trend_2010=trends.get((r.question, r.item, r.net, r.subgroup)),
        )
        for r in comparison.rows
    ]


def report_build(
    *,
    survey: Survey,
    filters: ResponseFilters,
    weighted: bool,
    breakdown: str | None = None,
    order: str = "questionnaire",
) -> Report:
    """Raises ResultsError (from the engine) when there is nothing to compare."""
    comparison = survey_compare(survey=survey, weighted=weighted, filters=filters)
    # Its dates widened to whole periods (results.periods): the topline and the breakdown
    # count the same responses as the comparison.
    filters = comparison.filters
    questions = questions_by_code(survey=survey)
    rows = report_rows(survey=survey, comparison=comparison, questions=questions)
    sections: list[Section] = []
    for code in dict.fromkeys(r.row.question for r in rows):
        q_rows = [r for r in rows if r.row.question == code]
        question = questions[code]
        bars = [
            ChartBar(
                label=r.label[:1].upper() + r.label[1:],
                local=r.row.local_percent,
                ci_low=r.row.ci_low,
                ci_high=r.row.ci_high,
                national=r.row.national_percent,
                description=r.sentence(),
            )
            for r in q_rows
            if r.row.national_percent is not None and r.row.local_percent is not None
        ]
        chart = (
            comparison_chart(
                chart_id=f"chart-{code}",
                title=f"{code}: local and national percentages",
                bars=bars,
            )
            if bars
            else None
        )
        sections.append(Section(code=code, text=question.text, rows=q_rows, chart=chart))

    waves, waves_problem = None, ""
    if survey.previous_wave_id:
        try:
            waves = report_waves(survey=survey, comparison=comparison, rows=rows)
        except ResultsError as error:
            waves_problem = str(error)
    significant = sorted(
        (r for r in rows if r.is_significant), key=lambda r: -abs(r.row.difference or 0)
    )
    others: dict[str, int] = {}
    for r in rows:
        if not r.is_significant:
            words = r.verdict_kind_words
            others[words] = others.get(words, 0) + 1
    return Report(
        comparison=comparison,
        sections=sections,
        significant=significant,
        others=others,
        breakdown=(
            report_breakdown(
                survey=survey,
                filters=filters,
                weighted=weighted,
                question_code=breakdown,
                rows=rows,
            )
            if breakdown
            else None
        ),
        weighting=weighting_run_latest(survey=survey),
        topline=_topline_with_comparison_intervals(
            survey_topline(survey=survey, filters=filters, weighted=weighted, order=order),
            comparison=comparison,
        ),
        order=order,
        waves=waves,
        waves_problem=waves_problem,
    )


def _point_words(label: str, wave: str, percent, ci_low, ci_high, *, hidden: bool) -> str:
    if percent is None:
        return f"{label}, {wave}: not shown" + (
            " (too few respondents)." if hidden else " (worded differently or not asked)."
        )
    return (
        f"{label}, {wave}: {percent:.0f}% (95% interval {ci_low:.0f}% to {ci_high:.0f}%)."
        if ci_low is not None
        else f"{label}, {wave}: {percent:.0f}%."
    )


def report_waves(*, survey: Survey, comparison: Comparison, rows: list[ReportRow]) -> WaveSection:
    """The report's figures beside each earlier wave's (results.waves), each with its trend
    chart: the waves oldest first, the 2014 national figure and the 2010 one (where the
    report gives it) as reference lines. Raises ResultsError as survey_compare_waves does."""
    waves = survey_compare_waves(
        survey=survey,
        weighted=comparison.weighted,
        filters=comparison.filters,
        current=comparison,
    )
    figures: list[WaveFigure] = []
    for index, r in enumerate(rows):
        if not r.row.net:
            continue
        key = (r.row.question, r.row.item, r.row.net, r.row.subgroup)
        changes = waves.changes_of(key)
        trend = waves.trend(key)
        shown = [p for p in trend if p.percent is not None]
        chart = None
        if len(shown) >= 2:
            national = r.row.national_percent if r.row.national_exact else None
            chart = trend_chart(
                chart_id=f"trend-{index}",
                title=f"{r.row.question} {r.label}: this council in each wave"
                + (", with the national figures" if national is not None else ""),
                points=[
                    TrendPoint(
                        wave=p.wave,
                        percent=p.percent,
                        ci_low=p.ci_low,
                        ci_high=p.ci_high,
                        description=_point_words(
                            r.label, p.wave, p.percent, p.ci_low, p.ci_high, hidden=p.suppressed
                        ),
                    )
                    for p in trend
                ],
                national=national,
                national_2010=r.trend_2010 if national is not None else None,
            )
        figures.append(WaveFigure(row=r, changes=changes, chart=chart))
    return WaveSection(comparison=waves, figures=figures)


def _waves_version(*, survey: Survey) -> tuple:
    """The earlier waves' own data versions: a change to an earlier wave's responses or
    weights changes the comparison with it, so it is a new key too."""
    if not survey.previous_wave_id:
        return ()
    return tuple(
        (wave.pk, wave.questionnaire_id, wave.wave_name, survey_data_version(survey_id=wave.pk).key)
        for wave in survey_earlier_waves(survey=survey)
    )


def _topline_with_comparison_intervals(
    topline: list[ToplineQuestion], *, comparison: Comparison
) -> list[ToplineQuestion]:
    """One figure, one interval: where the comparison shows the same figure (one option, all
    respondents of the selection), the topline takes its percentage and interval, which
    allow for the weighting's design (raking residuals) where the topline alone would use
    the Kish effective base, so the two tables never give one figure two intervals."""
    by_label = {
        (f.question_code, f.item_code, f.net_label, f.subgroup_label): f.net_option_codes[0]
        for f in baseline_figures(questionnaire_slug=comparison.survey.questionnaire.slug)
        if not f.subgroup_question_code and len(f.net_option_codes) == 1
    }
    same: dict[tuple[str, str, str], ComparisonRow] = {}
    for r in comparison.rows:
        option = by_label.get((r.question, r.item, r.net, r.subgroup))
        if option and not r.suppressed and r.local_percent is not None and r.ci_low is not None:
            same[(r.question, r.item, option)] = r
    if not same:
        return topline
    out = []
    for q in topline:
        items = []
        for item in q.items:
            rows = []
            for row in item.rows:
                match = same.get((q.code, item.code, row.option))
                if match is not None and row.percent is not None:
                    row = dataclasses.replace(
                        row,
                        percent=match.local_percent,
                        ci_low=match.ci_low,
                        ci_high=match.ci_high,
                    )
                rows.append(row)
            items.append(dataclasses.replace(item, rows=rows))
        out.append(dataclasses.replace(q, items=items))
    return out


def report_key(
    *,
    survey: Survey,
    version: DataVersion,
    filters: ResponseFilters,
    weighted: bool,
    breakdown: str | None = None,
    order: str = "questionnaire",
) -> str:
    # The survey's statistical settings change the verdicts, so a changed setting is a new key.
    # Plain values: a survey made in memory holds the choice as an enum member, whose repr
    # differs from the string a loaded one holds.
    settings = (
        str(survey.multiple_comparisons),
        int(survey.min_test_base),
        None if survey.national_design_effect is None else float(survey.national_design_effect),
        _waves_version(survey=survey),
    )
    return cache_key(
        "report",
        survey_id=survey.pk,
        version=version,
        params=(weighted, filters, breakdown, settings, order),
    )


def report_cached(
    *,
    survey: Survey,
    filters: ResponseFilters,
    weighted: bool,
    breakdown: str | None = None,
    version: DataVersion | None = None,
    order: str = "questionnaire",
) -> Report:
    """``report_build`` through the cache: computed once per version of the survey's data.
    Raises ResultsError as report_build does (errors are not cached)."""
    version = version or survey_data_version(survey_id=survey.pk)
    key = report_key(
        survey=survey,
        version=version,
        filters=filters,
        weighted=weighted,
        breakdown=breakdown,
        order=order,
    )
    return cached(
        key,
        lambda: report_build(
            survey=survey, filters=filters, weighted=weighted, breakdown=breakdown, order=order
        ),
    )


def breakdown_categories(*, survey: Survey, question_code: str) -> list[tuple[str, str]]:
    """(code, label) of each category of a demographic; ResultsError for an unknown one."""
    question = Question.objects.filter(
        questionnaire_id=survey.questionnaire_id, code=question_code, is_demographic=True
    ).first()
    if question is None or question.kind not in (Question.Kind.SINGLE, Question.Kind.AREA):
        raise ResultsError(
            f"'{question_code}' is not a question results can be broken down by. Choose one "
            "from the list, such as AGE or SEX."
        )
    if question.kind == Question.Kind.AREA:
        return list(Area.objects.filter(council_id=survey.council_id).values_list("code", "name"))
    return list(
        Option.objects.filter(question=question, exclusive=False).values_list("code", "label")
    )


def breakdown_title(*, survey: Survey, question_code: str) -> str:
    """ "Broken down by age": the heading of a breakdown, in labels."""
    text = (
        Question.objects.filter(questionnaire_id=survey.questionnaire_id, code=question_code)
        .values_list("text", flat=True)
        .first()
    )
    return breakdown_heading(question_code, text or "")


def report_breakdown(
    *,
    survey: Survey,
    filters: ResponseFilters,
    weighted: bool,
    question_code: str,
    rows: list[ReportRow],
) -> Breakdown:
    """Each all-adults national figure's local percentage within each category of a
    demographic, with its interval, base and low-base flag, beside the whole selection's and
    the 2014 national figure, and each group tested against the rest of the selection.

    Groups and cells are hidden by the disclosure policy (results.disclosure), with secondary
    suppression so that no hidden one can be worked out from the others; a hidden cell shows
    no interval and no test either."""
    categories = breakdown_categories(survey=survey, question_code=question_code)
    if question_code == "AREA" and filters.area:
        # The selection is one area already: its other areas are not part of it.
        categories = [(code, label) for code, label in categories if code == filters.area]
    question_text = (
        Question.objects.filter(questionnaire_id=survey.questionnaire_id, code=question_code)
        .values_list("text", flat=True)
        .first()
    )
    wanted = [r for r in rows if r.row.net and r.row.subgroup == ALL_ADULTS]
    figures = {
        (f.question_code, f.item_code, f.net_label): f
        for f in baseline_figures(questionnaire_slug=survey.questionnaire.slug)
        if not f.has_subgroup
    }
    kinds = {code: q.kind for code, q in questions_by_code(survey=survey).items()}
    question_codes = sorted({r.row.question for r in wanted})
    item_codes = sorted({r.row.item for r in wanted if r.row.item})
    category_counts = _category_counts(
        survey=survey,
        filters=filters,
        question_code=question_code,
        categories=[code for code, _ in categories],
        question_codes=question_codes,
        item_codes=item_codes,
    )
    # Each group's size and each figure's base in it, as one two-way table whose margins the
    # report shows: results.disclosure hides small groups (empty ones too, so that they look
    # alike) and enough others that none can be worked out from the selection's total.
    limit = disclosure.threshold()
    sizes = {code: category_counts[code][1] for code, _ in categories}
    group_bases: dict[str, dict[tuple[str, str], Cell]] = {}
    for code, _ in categories:
        sub_filters, respondents, counts = category_counts[code]
        group_bases[code] = (
            resolved_bases(
                resolved=filters_resolve(survey=survey, filters=sub_filters),
                counts=counts,
                question_codes=question_codes,
            )
            if respondents
            else {}
        )
    # The whole selection's counts: what each group is tested against is the selection less
    # the group (every sum here adds up over respondents, and nobody is in two groups).
    whole_resolved = filters_resolve(survey=survey, filters=filters)
    whole_counts = resolved_answer_counts(
        resolved=whole_resolved, question_codes=question_codes, item_codes=item_codes
    )
    whole_bases = resolved_bases(
        resolved=whole_resolved, counts=whole_counts, question_codes=question_codes
    )
    keys = [(r.row.question, r.row.item) for r in wanted]
    grid = [{code: group_bases[code].get(key, Cell()).n for code, _ in categories} for key in keys]
    # Those in no group (who preferred not to say, or gave no area) are a hidden group of the
    # table too: if they are few, the selection's figures minus the groups' would give them.
    rest = sum(category_counts[code][1] for code, _ in categories)
    total = survey_respondent_summary(survey=survey, filters=filters).respondents
    if total - rest > 0:
        sizes[REST] = total - rest
        for r, cells in zip(wanted, grid, strict=True):
            cells[REST] = max((r.row.base or 0) - sum(cells.values()), 0)
    shown_sizes, shown_cells = disclosure.suppress_columns(
        grid, sizes, limit, hidden=_groups_off_their_periods(survey, filters, category_counts)
    )
    columns = [
        (code, label, disclosure.count_text(shown_sizes[code], limit)) for code, label in categories
    ]
    min_base = float(survey.min_test_base)
    table: list[BreakdownRow] = []
    for r, key, shown in zip(wanted, keys, shown_cells, strict=True):
        figure = figures[_figure_key(r)]
        kind = kinds[figure.question_code]
        whole_base = whole_bases.get(key, Cell())
        whole_yes = survey_net_cell(
            survey=survey,
            question_code=figure.question_code,
            item_code=figure.item_code,
            option_codes=figure.net_option_codes,
            counts=whole_counts,
            filters=filters,
            kind=kind,
        )
        cells = []
        for code, _ in categories:
            sub_filters, _respondents, counts = category_counts[code]
            if shown[code] is None:
                cells.append(BreakdownCell(SUPPRESSED_TEXT, suppressed=True))
                continue
            cells.append(
                _breakdown_cell(
                    survey=survey,
                    figure=figure,
                    kind=kind,
                    counts=counts,
                    base=group_bases[code].get(key, Cell()),
                    filters=sub_filters,
                    weighted=weighted,
                    whole_base=whole_base,
                    whole_yes=whole_yes,
                    min_base=min_base,
                )
            )
        table.append(
            BreakdownRow(
                row=r,
                cells=cells,
                all=_all_cell(r),
                national_percent=float(figure.percent) if figure.exact else None,
                national_text=percent_text(float(figure.percent))
                if figure.exact
                else "given in words only",
                split_sample=bool(figure.split_sample),
            )
        )
    name = group_name(question_code, question_text or "")
    rest_words = (
        "the rest of the council"
        if filters == ResponseFilters()
        else "the rest of the selected respondents"
    )
    table, tests, significant, unadjusted = _breakdown_adjust(
        table, survey.multiple_comparisons, rest_words=rest_words
    )
    return Breakdown(
        question=question_code,
        text=question_text or "",
        categories=columns,
        rows=table,
        heading=breakdown_heading(question_code, question_text or ""),
        name=name[:1].lower() + name[1:],
        respondents=disclosure.count_text(total, limit),
        rest_words=rest_words,
        adjustment=survey.multiple_comparisons,
        tests=tests,
        significant=significant,
        significant_unadjusted=unadjusted,
    )


def _all_cell(r: ReportRow) -> BreakdownCell:
    """The whole selection's figure: the comparison's own row, so the two cannot disagree."""
    row = r.row
    if row.suppressed or row.local_percent is None:
        return BreakdownCell(SUPPRESSED_TEXT if row.suppressed else "–", suppressed=True)
    return BreakdownCell(
        percent_text(row.local_percent),
        percent=row.local_percent,
        ci_low=row.ci_low,
        ci_high=row.ci_high,
        base=row.base,
        effective_base=row.effective_base,
        low_base=row.low_base,
    )


def _verdict_words(verdict: str, rest_words: str) -> str:
    if verdict in MARKERS:
        return f"{verdict} than {rest_words}"
    if verdict == "no significant difference":
        return f"no significant difference from {rest_words}"
    return verdict


def _breakdown_adjust(
    table: list[BreakdownRow], adjustment: str, *, rest_words: str
) -> tuple[list[BreakdownRow], int, int, int]:
    """The group-against-the-rest verdicts after the survey's adjustment for multiple tests,
    over every test of the breakdown (a family of its own, apart from the national one); and
    how many were tested, and significant after and before adjusting."""
    places = [
        (i, j)
        for i, row in enumerate(table)
        for j, cell in enumerate(row.cells)
        if cell.tested and cell.p_value is not None
    ]
    adjusted = stats.p_adjust([table[i].cells[j].p_value for i, j in places], adjustment)
    cells = [list(row.cells) for row in table]
    significant = 0
    for (i, j), p_adjusted in zip(places, adjusted, strict=True):
        cell = cells[i][j]
        verdict = stats.verdict(p_adjusted, cell.percent - cell.rest_percent)
        significant += verdict in SIGNIFICANT
        cells[i][j] = dataclasses.replace(cell, p_adjusted=p_adjusted, verdict=verdict)
    for i, row in enumerate(cells):
        cells[i] = [
            dataclasses.replace(c, verdict_words=_verdict_words(c.verdict, rest_words)) for c in row
        ]
    unadjusted = sum(1 for i, j in places if table[i].cells[j].unadjusted_verdict in SIGNIFICANT)
    result = [
        dataclasses.replace(row, cells=row_cells)
        for row, row_cells in zip(table, cells, strict=True)
    ]
    return result, len(places), significant, unadjusted


def _groups_off_their_periods(
    survey: Survey, filters: ResponseFilters, category_counts: dict
) -> list[str]:
    """With a date range, the groups for which it is not whole periods of their own
    (results.periods): within a group, two overlapping ranges could differ by a few people,
    so such a group is hidden (with secondary suppression, like a small one)."""
    if not (filters.submitted_from or filters.submitted_to):
        return []
    return [
        code
        for code, (sub_filters, respondents, _counts) in category_counts.items()
        if respondents and not periods_safe(survey=survey, filters=sub_filters)
    ]


def _figure_key(r: ReportRow) -> tuple[str, str, str]:
    return (r.row.question, r.row.item, r.row.net)


def _category_counts(
    *,
    survey: Survey,
    filters: ResponseFilters,
    question_code: str,
    categories: list[str],
    question_codes: list[str],
    item_codes: list[str],
) -> dict[str, tuple[ResponseFilters, int, Counts]]:
    """Per category: its filters, its respondents and its answer counts.

    Demographic categories come from one GROUP BY for all of them (each answer grouped by its
    respondent's category too); the breakdown question is counted alongside, and a respondent
    of a category has answered it exactly once, so its own count is the category's respondents.
    Areas are a column of the response, not an answer, so they take one GROUP BY each.
    """
    result: dict[str, tuple[ResponseFilters, int, Counts]] = {}
    if question_code == "AREA":
        for code in categories:
            sub_filters = ResponseFilters(
                submitted_from=filters.submitted_from,
                submitted_to=filters.submitted_to,
                mode=filters.mode,
                area=code,
                subgroups=filters.subgroups,
            )
            respondents = survey_respondent_summary(survey=survey, filters=sub_filters).respondents
            counts = (
                survey_answer_counts(
                    survey=survey,
                    filters=sub_filters,
                    question_codes=question_codes,
                    item_codes=item_codes,
                )
                if respondents
                else {}
            )
            result[code] = (sub_filters, respondents, counts)
        return result
    by_category = resolved_subgroup_counts(
        resolved=filters_resolve(survey=survey, filters=filters),
        subgroups=[(question_code, code) for code in categories],
        question_codes=[*question_codes, question_code],
        item_codes=item_codes,
    )
    for code in categories:
        counts = by_category[(question_code, code)]
        respondents = counts.get((question_code, "", code), Cell()).n
        result[code] = (filters.with_subgroup(question_code, code), respondents, counts)
    return result


def _breakdown_cell(
    *,
    survey: Survey,
    figure: NationalFigure,
    kind: str,
    counts: Counts,
    base: Cell,
    filters: ResponseFilters,
    weighted: bool,
    whole_base: Cell,
    whole_yes: Cell,
    min_base: float = stats.MIN_TEST_BASE,
) -> BreakdownCell:
    """A category's local percentage of one figure, worked out as the comparison engine does
    for a subgroup (tests hold the two equal): weighted on the Kish effective base, with the
    Wilson interval. A base under the disclosure threshold is not shown.

    The base is those of the group who were asked: for a statement asked of half the sample,
    only that half's answers are counted (results.selectors). The group is then tested
    against the rest of the selection (the whole's sums less the group's) unless either side
    is too small to test."""
    hidden = BreakdownCell(SUPPRESSED_TEXT, suppressed=True)
    if disclosure.is_hidden(base.n, disclosure.threshold()):
        return hidden
    dont_know = counts.get((figure.question_code, figure.item_code, DONT_KNOW), Cell())
    if kind != Question.Kind.MULTI and dont_know.n == base.n:
        return hidden  # no local view at all; the engine leaves such a figure untested
    yes = survey_net_cell(
        survey=survey,
        question_code=figure.question_code,
        item_code=figure.item_code,
        option_codes=figure.net_option_codes,
        counts=counts,
        filters=filters,
        kind=kind,
    )
    if weighted:
        if not base.sum_w > 0:
            return hidden
        local = stats.weighted_proportion(sum_w_yes=yes.sum_w, sum_w=base.sum_w, sum_w2=base.sum_w2)
    else:
        local = stats.proportion(yes.n, base.n)
    cell = BreakdownCell(
        percent_text(local.p * 100),
        percent=local.p * 100,
        ci_low=local.ci_low * 100,
        ci_high=local.ci_high * 100,
        base=base.n,
        effective_base=local.base_effective,
        low_base=stats.is_low_base(base.n),
    )
    rest = _rest_proportion(
        base=Cell(
            whole_base.n - base.n, whole_base.sum_w - base.sum_w, whole_base.sum_w2 - base.sum_w2
        ),
        yes=Cell(whole_yes.n - yes.n, whole_yes.sum_w - yes.sum_w, whole_yes.sum_w2 - yes.sum_w2),
        weighted=weighted,
    )
    if rest is None:
        return cell  # everyone selected is in this group: nobody to compare with
    cell = dataclasses.replace(
        cell, rest_percent=rest.p * 100, rest_effective_base=rest.base_effective
    )
    if not (
        stats.can_test(local.base_effective, minimum=min_base)
        and stats.can_test(rest.base_effective, minimum=min_base)
    ):
        return dataclasses.replace(
            cell, verdict=stats.TOO_FEW_TO_TEST, unadjusted_verdict=stats.TOO_FEW_TO_TEST
        )
    test = stats.group_versus_rest_test(
        p_group=local.p, n_group=local.base_effective, p_rest=rest.p, n_rest=rest.base_effective
    )
    verdict = stats.verdict(test.p_value, test.difference)
    return dataclasses.replace(
        cell,
        p_value=test.p_value,
        p_adjusted=test.p_value,
        verdict=verdict,
        unadjusted_verdict=verdict,
        tested=True,
    )


def _rest_proportion(*, base: Cell, yes: Cell, weighted: bool) -> stats.Proportion | None:
    """The rest of the selection's proportion; None when nobody (or no weight) is left.
    Sums of weights taken from sums can be off by rounding: kept inside their bounds."""
    if base.n <= 0:
        return None
    if not weighted:
        return stats.proportion(min(max(yes.n, 0), base.n), base.n)
    if not (base.sum_w > 1e-9 and base.sum_w2 > 1e-12):
        return None
    return stats.weighted_proportion(
        sum_w_yes=min(max(yes.sum_w, 0.0), base.sum_w), sum_w=base.sum_w, sum_w2=base.sum_w2
    )
