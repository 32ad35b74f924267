"""Print a survey's comparison with the 2014 national figures (or, with ``--against wave``,
with its own earlier waves), as a table or as CSV."""

from __future__ import annotations

import csv
import datetime as dt
import textwrap

from django.core.management.base import BaseCommand, CommandError, CommandParser

from results.comparison import Comparison, ComparisonRow, survey_compare
from results.errors import ResultsError
from results.models import WeightingRun
from results.numbers import p_text
from results.selectors import (
    ResponseFilters,
    filters_words,
    survey_get_by_slug,
    weighting_run_latest,
)
from results.waves import WaveComparison, survey_compare_waves
from surveys.tenancy import across_councils

COLUMNS = [
    "question",
    "item",
    "net",
    "subgroup",
    "local_percent",
    "ci_low",
    "ci_high",
    "base",
    "effective_base",
    "national_percent",
    "national_base",
    "difference",
    "p_value",
    "p_adjusted",
    "verdict",
    "unadjusted_verdict",
    "size",
    "compared",
    "weighted",
    "weighting",
    "national_exact",
    "national_design_effect",
    "design_effect_tolerance",
    "test_method",
    "variance",
    "adjustment",
    "tests_run",
    "expected_by_chance",
    "note",
]

WAVE_COLUMNS = [
    "question",
    "item",
    "net",
    "subgroup",
    "wave",
    "percent_now",
    "base_now",
    "effective_base_now",
    "percent_then",
    "ci_low_then",
    "ci_high_then",
    "base_then",
    "effective_base_then",
    "change",
    "change_ci_low",
    "change_ci_high",
    "p_value",
    "p_adjusted",
    "verdict",
    "unadjusted_verdict",
    "words",
    "weighted",
    "adjustment",
    "tests_run",
    "note",
]


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"'{value}' is not a date; write it as 2025-03-31.") from None


def _subgroup(value: str) -> tuple[str, str]:
    question, sep, option = value.partition("=")
    if not sep or not question or not option:
        raise CommandError(f"Write a subgroup as QUESTION=OPTION, e.g. AGE=15_24 (got '{value}').")
    return question.strip(), option.strip()


def _fmt(value: float | None, digits: int = 1) -> str:
    return "" if value is None else f"{value:.{digits}f}"


class Command(BaseCommand):
    help = (
        "Compare a survey's complete responses with the 2014 national figures. Weighted by "
        "default when the survey has been weighted to population targets."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("survey_slug")
        parser.add_argument(
            "--against",
            choices=["national", "wave"],
            default="national",
            help="national: the 2014 national figures (default); wave: the survey's own "
            "earlier waves",
        )
        parser.add_argument("--format", choices=["table", "csv"], default="table")
        weighting = parser.add_mutually_exclusive_group()
        weighting.add_argument("--weighted", dest="weighted", action="store_true", default=None)
        weighting.add_argument("--unweighted", dest="weighted", action="store_false")
        parser.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD")
        parser.add_argument("--mode", help="online, paper or telephone")
        parser.add_argument("--area", help="an area code of the council")
        parser.add_argument(
            "--subgroup",
            action="append",
            default=[],
            metavar="QUESTION=OPTION",
            help="e.g. AGE=15_24; repeat to combine",
        )

    @across_councils
    def handle(self, *args, **options) -> None:
        filters = ResponseFilters(
            submitted_from=_date(options["date_from"]) if options["date_from"] else None,
            submitted_to=_date(options["date_to"]) if options["date_to"] else None,
            mode=options["mode"],
            area=options["area"],
            subgroups=tuple(_subgroup(s) for s in options["subgroup"]),
        )
        try:
            survey = survey_get_by_slug(slug=options["survey_slug"])
            weighted = options["weighted"]
            if weighted is None:
                run = weighting_run_latest(survey=survey)
                weighted = bool(
                    run and run.status == WeightingRun.Status.OK and run.efficiency is not None
                )
            if options["against"] == "wave":
                waves = survey_compare_waves(survey=survey, weighted=weighted, filters=filters)
            else:
                comparison = survey_compare(survey=survey, weighted=weighted, filters=filters)
        except ResultsError as error:
            raise CommandError(str(error)) from None
        if options["against"] == "wave":
            if waves.current.dates_notice:
                self.stderr.write(f"{waves.current.dates_notice}.")
            if options["format"] == "csv":
                self._waves_csv(waves)
            else:
                self._waves_table(waves)
            return
        if comparison.dates_notice:
            # Dates are taken in whole periods (results.periods); said before the figures.
            self.stderr.write(f"{comparison.dates_notice}.")
        if comparison.weighting_problem:
            # Said on stderr too, so that a script reading the CSV cannot miss it.
            self.stderr.write(f"Warning: {comparison.weighting_problem}")
        if options["format"] == "csv":
            self._csv(comparison)
        else:
            self._table(comparison)
        if comparison.dont_know_only:
            # Comparing a 0% with a national figure would call the gap significant when the
            # residents simply did not know, so those rows are not tested; every other figure
            # still stands, so it is printed and this is a warning, not a failure.
            questions = ", ".join(comparison.dont_know_only)
            self.stderr.write(
                f'Warning: everyone in this selection answered "Don\'t know" to {questions}, '
                "so those rows are marked not tested. Widen the selection (dates, mode, area "
                "or subgroup) or wait for more responses to compare them."
            )

    def _csv(self, comparison: Comparison) -> None:
        writer = csv.writer(self.stdout, lineterminator="\n")
        writer.writerow(COLUMNS)
        for row in comparison.rows:
            writer.writerow(
                [
                    row.question,
                    row.item,
                    row.net,
                    row.subgroup,
                    _fmt(row.local_percent),
                    _fmt(row.ci_low),
                    _fmt(row.ci_high),
                    "" if row.base is None else row.base,
                    _fmt(row.effective_base),
                    _fmt(row.national_percent),
                    "" if row.national_base is None else row.national_base,
                    _fmt(row.difference),
                    p_text(row.p_value),
                    p_text(row.p_adjusted),
                    row.verdict,
                    row.unadjusted_verdict if row.tested else "",
                    row.size,
                    row.compared,
                    "yes" if comparison.weighted else "no",
                    comparison.weighting_state,
                    ""
                    if row.national_exact is None
                    else ("exact" if row.national_exact else "approximate"),
                    _fmt(row.national_design_effect, 2),
                    _fmt(row.design_effect_tolerance, 1),
                    row.test_method,
                    row.variance_method,
                    comparison.adjustment,
                    comparison.tests,
                    f"{comparison.expected_by_chance:.2f}",
                    " ".join(row.notes),
                ]
            )

    def _waves_csv(self, waves: WaveComparison) -> None:
        writer = csv.writer(self.stdout, lineterminator="\n")
        writer.writerow(WAVE_COLUMNS)
        for row in waves.rows:
            writer.writerow(
                [
                    row.question,
                    row.item,
                    row.net,
                    row.subgroup,
                    row.wave,
                    _fmt(row.now_percent),
                    "" if row.now_base is None else row.now_base,
                    _fmt(row.now_effective_base),
                    _fmt(row.then_percent),
                    _fmt(row.then_ci_low),
                    _fmt(row.then_ci_high),
                    "" if row.then_base is None else row.then_base,
                    _fmt(row.then_effective_base),
                    _fmt(row.change),
                    _fmt(row.ci_low),
                    _fmt(row.ci_high),
                    p_text(row.p_value),
                    p_text(row.p_adjusted),
                    row.verdict,
                    row.unadjusted_verdict if row.tested else "",
                    row.words,
                    "yes" if waves.weighted else "no",
                    waves.adjustment,
                    waves.tests,
                    " ".join(row.notes),
                ]
            )

    def _waves_table(self, waves: WaveComparison) -> None:
        out = self.stdout
        survey = waves.survey
        earlier = ", ".join(w.wave_name for w in waves.earlier)
        out.write(f"{survey.title} ({survey.council}), {waves.wave}, compared with {earlier}")
        chosen = filters_words(survey=survey, filters=waves.current.filters)
        out.write(
            f"{waves.current.respondents} complete responses; {chosen}; "
            f"{waves.current.weighting_state}"
        )
        out.write("")
        header = (
            f"{'question':<32} {'net':<28} {'wave':<8} {'now':>6} {'then':>6} {'change':>7} "
            f"{'95% CI':>13}  in words"
        )
        out.write(header)
        out.write("-" * len(header))
        for row in waves.rows:
            ci = (
                f"{row.ci_low:.1f} to {row.ci_high:.1f}"
                if row.ci_low is not None and row.ci_high is not None
                else ""
            )
            label = f"{row.question} {row.item}".strip()
            out.write(
                f"{label:<32} {row.net[:28]:<28} {row.wave[:8]:<8} {_fmt(row.now_percent):>6} "
                f"{_fmt(row.then_percent):>6} {_fmt(row.change):>7} {ci:>13}  {row.words}"
            )
        out.write("")
        for note in waves.notes:
            out.write(textwrap.fill(note, width=100))

    def _table(self, comparison: Comparison) -> None:
        out = self.stdout
        survey = comparison.survey
        out.write(f"{survey.title} ({survey.council}) compared with the 2014 national figures")
        chosen = filters_words(survey=survey, filters=comparison.filters)
        out.write(
            f"{comparison.respondents} complete responses; {chosen}; {comparison.weighting_state}"
        )
        if comparison.weighting_problem:
            out.write(textwrap.fill(f"Warning: {comparison.weighting_problem}", width=100))
        if comparison.group:
            out.write(f"{comparison.group} here, compared with all adults nationally")
        out.write(textwrap.fill(comparison.multiple_comparisons_note, width=100))
        out.write("")
        header = (
            f"{'question':<32} {'net':<28} {'subgroup':<20} {'local':>6} {'95% CI':>13} "
            f"{'base':>6} {'nat.':>6} {'diff':>6}  verdict"
        )
        out.write(header)
        out.write("-" * len(header))
        for row in comparison.rows:
            out.write(self._table_row(row))
        out.write("")
        for note in comparison.notes:
            out.write(textwrap.fill(note, width=100))
        out.write(
            textwrap.fill(
                "Verdicts come from a two-sided Newcombe hybrid score test at the 5% level after "
                f"the {comparison.adjustment_words}; flags: * low base (under 50), "
                "~ national figure given only in words (not tested). Methods: docs/statistics.md.",
                width=100,
            )
        )

    @staticmethod
    def _table_row(row: ComparisonRow) -> str:
        label = f"{row.question} {row.item}".strip()
        if row.verdict == "" and not row.net:
            return f"{label:<32} {'No national figure published'}"
        flags = ("*" if row.low_base else "") + ("~" if row.national_exact is False else "")
        ci = (
            f"{row.ci_low:.1f}-{row.ci_high:.1f}"
            if row.ci_low is not None and row.ci_high is not None
            else ""
        )
        verdict = row.verdict + (f" ({row.size})" if row.size else "")
        return (
            f"{label:<32} {row.net[:28]:<28} {row.subgroup[:20]:<20} "
            f"{_fmt(row.local_percent):>6} {ci:>13} {'' if row.base is None else row.base:>6} "
            f"{_fmt(row.national_percent):>6} {_fmt(row.difference):>6}{flags:<2} {verdict}"
        )
