"""A survey's figures beside the same figures in its earlier waves (surveys.waves).

Each wave is compared exactly as it would be reported on its own (``survey_compare``, with
its own weighting, disclosure control and effective bases), so a figure here is the one that
wave's report shows. The change of each figure since each earlier wave is then tested as two
independent samples on their effective bases (``stats.wave_change_test``, the national
comparison's score-based method), with the survey's adjustment for multiple comparisons over
every change tested. A question whose wording (its text, its items or its answers' labels)
differs between the waves is flagged "wording changed" and not tested: a change in the
wording changes the answers. A figure hidden by disclosure control in either wave is hidden
here too.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from results import stats
from results.comparison import Comparison, ComparisonRow, survey_compare
from results.errors import ResultsError
from results.models import WeightingRun
from results.numbers import p_words, percent_text, signed_points
from results.selectors import ResponseFilters, questions_by_code, weighting_run_latest
from surveys.models import Question, Survey
from surveys.waves import survey_earlier_waves

WORDING_CHANGED = "wording changed"
SUPPRESSED = "suppressed"
NOT_IN_WAVE = "not in that wave"
NO_CHANGE_TESTED = "not tested"
UP = "significantly higher"
DOWN = "significantly lower"
SAME = "no significant difference"

FigureKey = tuple[str, str, str, str]  # question, item, net, subgroup


@dataclass(frozen=True)
class WaveChange:
    """One figure of the current wave against the same figure in one earlier wave.

    Percentages, the change and its interval are in points (0..100); ``p_value`` is None when
    no test was done, and ``verdict`` then says why."""

    question: str
    item: str
    net: str
    subgroup: str
    wave: str  # the earlier wave's name ("2025")
    wave_survey_id: int
    now_percent: float | None = None
    now_base: int | None = None
    now_effective_base: float | None = None
    then_percent: float | None = None
    then_ci_low: float | None = None
    then_ci_high: float | None = None
    then_base: int | None = None
    then_effective_base: float | None = None
    change: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p_value: float | None = None
    p_adjusted: float | None = None
    verdict: str = NO_CHANGE_TESTED
    unadjusted_verdict: str = ""
    tested: bool = False
    wording_changed: bool = False
    suppressed: bool = False
    notes: tuple[str, ...] = ()

    @property
    def key(self) -> FigureKey:
        return (self.question, self.item, self.net, self.subgroup)

    @property
    def verdict_words(self) -> str:
        """The verdict as the table of changes gives it."""
        return {
            UP: "Significantly up",
            DOWN: "Significantly down",
            SAME: "No significant change",
            WORDING_CHANGED: "Wording changed: not tested",
            SUPPRESSED: "Not shown: too few respondents in one of the waves",
            NOT_IN_WAVE: f"No figure in {self.wave}",
            stats.TOO_FEW_TO_TEST: "Too few responses to test",
        }.get(self.verdict, self.verdict.capitalize())

    @property
    def then_text(self) -> str:
        return percent_text(self.then_percent)

    @property
    def now_text(self) -> str:
        return percent_text(self.now_percent)

    @property
    def change_text(self) -> str:
        return "" if self.wording_changed else signed_points(self.change)

    @property
    def ci_text(self) -> str:
        if self.ci_low is None or self.ci_high is None:
            return ""
        return f"{signed_points(self.ci_low)} to {signed_points(self.ci_high)}"

    @property
    def p_words(self) -> str:
        """ "p = 0.0036, adjusted 0.0071" ("" when not tested)."""
        return p_words(self.p_value, self.p_adjusted)

    @property
    def words(self) -> str:
        """The change in plain words: "up 6 points since 2025, a significant change"."""
        since = f"since {self.wave}"
        if self.wording_changed:
            return f"wording changed {since}, so not compared"
        if self.suppressed:
            return f"not shown: too few respondents in this wave or {self.wave}"
        if self.change is None:
            return f"no figure to compare {since}"
        points = round(abs(self.change))
        unit = "point" if points == 1 else "points"
        if points == 0:
            moved = f"unchanged {since}"
        else:
            moved = f"{'up' if self.change > 0 else 'down'} {points} {unit} {since}"
        if self.verdict in (UP, DOWN):
            return f"{moved}, a significant change"
        if self.verdict == SAME:
            # As the national verdicts: a large change that is not significant could be chance.
            if points >= 10:
                return f"{moved}, which could be chance"
            return f"{moved}, not a significant change" if points else f"{moved}, not significant"
        if self.verdict == stats.TOO_FEW_TO_TEST:
            return f"{moved} (too few responses to test)"
        return f"{moved} (not tested)"


@dataclass(frozen=True)
class WavePoint:
    """One wave's figure on the trend chart, oldest wave first."""

    wave: str
    percent: float | None
    ci_low: float | None
    ci_high: float | None
    suppressed: bool = False
    wording_changed: bool = False


@dataclass(frozen=True)
class WaveComparison:
    survey: Survey
    weighted: bool
    current: Comparison
    # The earlier waves, the most recent first, with each one's own comparison (None when it
    # has no figures that may be shown) and how it was weighted.
    earlier: list[Survey]
    comparisons: dict[int, Comparison | None]
    rows: list[WaveChange]
    adjustment: str = stats.Adjustment.NONE
    tests: int = 0
    significant: int = 0
    significant_unadjusted: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def wave(self) -> str:
        return self.survey.wave_name

    def changes_of(self, key: FigureKey) -> list[WaveChange]:
        """The figure's changes since each earlier wave, the most recent first."""
        return [r for r in self.rows if r.key == key]

    def trend(self, key: FigureKey) -> list[WavePoint]:
        """The figure in every wave, the oldest first and the current wave last."""
        points: list[WavePoint] = []
        for change in reversed(self.changes_of(key)):
            points.append(
                WavePoint(
                    wave=change.wave,
                    percent=None if change.wording_changed else change.then_percent,
                    ci_low=None if change.wording_changed else change.then_ci_low,
                    ci_high=None if change.wording_changed else change.then_ci_high,
                    suppressed=change.suppressed and change.then_percent is None,
                    wording_changed=change.wording_changed,
                )
            )
        row = next((r for r in self.current.rows if _key(r) == key), None)
        if row is not None:
            points.append(
                WavePoint(
                    wave=self.wave,
                    percent=row.local_percent,
                    ci_low=row.ci_low,
                    ci_high=row.ci_high,
                    suppressed=row.suppressed,
                )
            )
        return points


def _key(row: ComparisonRow) -> FigureKey:
    return (row.question, row.item, row.net, row.subgroup)


def wave_weighted(*, survey: Survey) -> bool:
    """Whether a wave's figures can be weighted: weighted to its targets, successfully."""
    run = weighting_run_latest(survey=survey)
    return bool(run and run.status == WeightingRun.Status.OK and run.efficiency is not None)


def _wording(question: Question) -> tuple[str, dict[str, str], dict[str, str]]:
    return (
        " ".join(question.text.split()),
        {i.code: " ".join(i.text.split()) for i in question.items.all()},
        {o.code: " ".join(o.label.split()) for o in question.options.all()},
    )


def wording_changes(
    *, now: dict[str, Question], then: dict[str, Question]
) -> dict[tuple[str, str], str]:
    """The (question, item) pairs whose wording differs between two waves' questionnaires,
    with what changed in words. A change to the question's text or to its answers' labels
    affects every item; a change to an item's text that item only. A question the earlier
    wave did not ask is not a wording change (it has no figure there at all)."""
    changed: dict[tuple[str, str], str] = {}
    for code, question in now.items():
        earlier = then.get(code)
        if earlier is None or earlier.pk == question.pk:
            continue
        text_now, items_now, options_now = _wording(question)
        text_then, items_then, options_then = _wording(earlier)
        whole = []
        if text_now != text_then:
            whole.append("the question's text")
        if options_now != options_then:
            whole.append("the answers offered")
        if whole:
            what = " and ".join(whole)
            changed[(code, "")] = what
            for item in items_now:
                changed[(code, item)] = what
            continue
        for item, text in items_now.items():
            if items_then.get(item, text) != text:
                changed[(code, item)] = "the statement's text"
    return changed


def survey_compare_waves(
    *,
    survey: Survey,
    weighted: bool,
    filters: ResponseFilters | None = None,
    current: Comparison | None = None,
) -> WaveComparison:
    """Compare a survey's figures with those of each earlier wave.

    The filters select the same residents in every wave (a mode, an area, a subgroup); dates
    are the current wave's own and are not applied to the earlier waves. ``current`` is the
    survey's own comparison with those filters when the caller has it already. Raises
    ResultsError when the survey has no earlier wave or nothing to compare of its own."""
    earlier = survey_earlier_waves(survey=survey)
    if not earlier:
        raise ResultsError(
            f"“{survey.title}” has no earlier wave: set one up with “Run again” on the earlier "
            "survey, or choose its earlier wave in the council set-up."
        )
    filters = filters or ResponseFilters()
    if current is None:
        current = survey_compare(survey=survey, weighted=weighted, filters=filters)
    filters = current.filters  # its dates widened to whole periods, as the report's
    earlier_filters = dataclasses.replace(filters, submitted_from=None, submitted_to=None)
    questions_now = questions_by_code(survey=survey)
    notes: list[str] = []
    comparisons: dict[int, Comparison | None] = {}
    rows: list[WaveChange] = []
    figures = [r for r in current.rows if r.net]
    min_base = float(survey.min_test_base)
    for wave in earlier:
        wave_weights = weighted and wave_weighted(survey=wave)
        if weighted and not wave_weights:
            notes.append(
                f"{wave.wave_name} was not weighted to population targets, so its figures are "
                "unweighted while this wave's are weighted: part of any change may come from "
                "the weighting."
            )
        try:
            then = survey_compare(survey=wave, weighted=wave_weights, filters=earlier_filters)
        except ResultsError as error:
            then = None
            notes.append(f"{wave.wave_name}: {error}")
        comparisons[wave.pk] = then
        then_rows = {_key(r): r for r in then.rows} if then is not None else {}
        changed = (
            wording_changes(now=questions_now, then=questions_by_code(survey=wave))
            if wave.questionnaire_id != survey.questionnaire_id
            else {}
        )
        for row in figures:
            rows.append(
                _change(
                    now=row,
                    then=then_rows.get(_key(row)),
                    wave=wave,
                    wording=changed.get((row.question, row.item)),
                    hidden=then is None,
                    min_base=min_base,
                )
            )
    adjustment = survey.multiple_comparisons
    rows, tests, significant, unadjusted = _adjust(rows, adjustment)
    notes.append(
        "Each change is tested as two independent samples, each wave on its own effective base "
        "(Newcombe's hybrid score interval, 1998, method 10, as for the national comparison); "
        f"{tests} change{'s were' if tests != 1 else ' was'} tested, {unadjusted} significant "
        "tested one by one"
        + (
            "."
            if adjustment == stats.Adjustment.NONE
            else f" and {significant} after the {stats.Adjustment.WORDS[adjustment]}."
        )
    )
    if any(r.wording_changed for r in rows):
        notes.append(
            "Where a question's wording changed between the waves its figures are shown but "
            "the change is not tested: people answer a differently worded question differently."
        )
    return WaveComparison(
        survey=survey,
        weighted=weighted,
        current=current,
        earlier=earlier,
        comparisons=comparisons,
        rows=rows,
        adjustment=adjustment,
        tests=tests,
        significant=significant,
        significant_unadjusted=unadjusted,
        notes=notes,
    )


def _change(
    *,
    now: ComparisonRow,
    then: ComparisonRow | None,
    wave: Survey,
    wording: str | None,
    hidden: bool,
    min_base: float,
) -> WaveChange:
    common = {
        "question": now.question,
        "item": now.item,
        "net": now.net,
        "subgroup": now.subgroup,
        "wave": wave.wave_name,
        "wave_survey_id": wave.pk,
    }
    if hidden or now.suppressed or (then is not None and then.suppressed):
        # Hidden in either wave: neither figure is shown here, so that a change cannot give
        # a hidden one back.
        return WaveChange(**common, verdict=SUPPRESSED, suppressed=True)
    mine = {
        "now_percent": now.local_percent,
        "now_base": now.base,
        "now_effective_base": now.effective_base,
    }
    if then is None or then.local_percent is None:
        return WaveChange(**common, **mine, verdict=NOT_IN_WAVE)
    theirs = {
        "then_percent": then.local_percent,
        "then_ci_low": then.ci_low,
        "then_ci_high": then.ci_high,
        "then_base": then.base,
        "then_effective_base": then.effective_base,
    }
    if wording is not None:
        return WaveChange(
            **common,
            **mine,
            **theirs,
            verdict=WORDING_CHANGED,
            wording_changed=True,
            notes=(f"Not tested: {wording} changed since {wave.wave_name}.",),
        )
    if now.local_percent is None:
        return WaveChange(**common, **mine, **theirs, verdict=NO_CHANGE_TESTED)
    change = now.local_percent - then.local_percent
    if not (
        stats.can_test(now.effective_base, minimum=min_base)
        and stats.can_test(then.effective_base, minimum=min_base)
    ):
        return WaveChange(
            **common,
            **mine,
            **theirs,
            change=change,
            verdict=stats.TOO_FEW_TO_TEST,
            unadjusted_verdict=stats.TOO_FEW_TO_TEST,
            notes=(f"An effective base below {min_base:g} in one of the waves.",),
        )
    test = stats.wave_change_test(
        p_now=now.local_percent / 100,
        n_now=now.effective_base,
        p_then=then.local_percent / 100,
        n_then=then.effective_base,
    )
    verdict = stats.verdict(test.p_value, test.difference)
    return WaveChange(
        **common,
        **mine,
        **theirs,
        change=change,
        ci_low=test.ci_low * 100,
        ci_high=test.ci_high * 100,
        p_value=test.p_value,
        verdict=verdict,
        unadjusted_verdict=verdict,
        tested=True,
    )


def _adjust(rows: list[WaveChange], adjustment: str) -> tuple[list[WaveChange], int, int, int]:
    """The verdicts after the survey's adjustment over every change tested."""
    tested = [i for i, r in enumerate(rows) if r.tested]
    adjusted = stats.p_adjust([rows[i].p_value for i in tested], adjustment)
    result = list(rows)
    significant = 0
    for i, p in zip(tested, adjusted, strict=True):
        verdict = stats.verdict(p, rows[i].change / 100)
        significant += verdict in (UP, DOWN)
        result[i] = dataclasses.replace(rows[i], p_adjusted=p, verdict=verdict)
    unadjusted = sum(1 for i in tested if rows[i].unadjusted_verdict in (UP, DOWN))
    return result, len(tested), significant, unadjusted
