"""The topline: every question, item and option of the questionnaire with its local
percentage, 95% interval and base, whether or not the 2014 report published a national
figure for it. The national columns are filled only where a published all-adults figure is
exactly that one option (a net of several options is in the comparison, not here).

Counts come from the database in one GROUP BY (``survey_answer_counts``); whether a figure
may be shown is asked of ``results.disclosure`` (a base under the threshold shows nothing).
Weighted percentages use the Kish effective base for their interval, as the breakdown does.
"""

from __future__ import annotations

from dataclasses import dataclass

from results import disclosure, stats
from results.selectors import (
    Cell,
    ResponseFilters,
    baseline_figures,
    filters_resolve,
    questions_by_code,
    resolved_bases,
    resolved_not_answered,
    survey_answer_counts,
)
from surveys.models import Question, Survey

ORDERS = ("questionnaire", "size")
TOPLINE_KINDS = (Question.Kind.SINGLE, Question.Kind.GRID, Question.Kind.MULTI)


@dataclass(frozen=True)
class ToplineRow:
    option: str
    label: str
    percent: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    national_percent: float | None = None
    national_exact: bool | None = None


@dataclass(frozen=True)
class ToplineItem:
    """A question (item "") or one statement of a grid, with its base and its options."""

    code: str
    text: str
    base: int | None  # None: hidden by the disclosure policy
    effective_base: float | None
    low_base: bool
    rows: list[ToplineRow]
    # Asked and left unanswered (item non-response), outside the base; None when no response
    # of the selection left any question unanswered, so that there is nothing to say.
    not_answered: int | None = None

    @property
    def base_text(self) -> str:
        return disclosure.count_text(self.base, disclosure.threshold())

    @property
    def not_answered_text(self) -> str:
        """“N not answered”, by the disclosure policy: a count under the threshold reads
        “fewer than 10”; beside a hidden base it is not shown (the two would give the base
        away, as the respondents less those not answering)."""
        if self.base is None:
            return "not answered: not shown"
        return f"{disclosure.count_text(self.not_answered, disclosure.threshold())} not answered"


@dataclass(frozen=True)
class ToplineQuestion:
    code: str
    text: str
    kind: str
    items: list[ToplineItem]

    @property
    def multiple(self) -> bool:
        return self.kind == Question.Kind.MULTI


def _national(*, survey: Survey) -> dict[tuple[str, str, str], tuple[float, bool]]:
    """(question, item, option) -> (percent, exact) of each single-option all-adults figure."""
    found: dict[tuple[str, str, str], tuple[float, bool]] = {}
    for f in baseline_figures(questionnaire_slug=survey.questionnaire.slug):
        if f.has_subgroup or len(f.net_option_codes) != 1:
            continue
        found[(f.question_code, f.item_code, f.net_option_codes[0])] = (
            float(f.percent),
            bool(f.exact),
        )
    return found


def survey_topline(
    *,
    survey: Survey,
    filters: ResponseFilters | None = None,
    weighted: bool,
    order: str = "questionnaire",
) -> list[ToplineQuestion]:
    """Every option of every single, grid and multiple-choice question of the survey.

    ``order`` is "questionnaire" (options as the questionnaire lists them) or "size" (largest
    local percentage first; a multiple-choice question's options only, since the options of a
    scale read in their own order)."""
    filters = filters or ResponseFilters()
    questions = [
        q
        for q in questions_by_code(survey=survey).values()
        if q.kind in TOPLINE_KINDS and not q.is_demographic
    ]
    questions.sort(key=lambda q: q.position)
    codes = [q.code for q in questions]
    counts = survey_answer_counts(survey=survey, filters=filters, question_codes=codes)
    resolved = filters_resolve(survey=survey, filters=filters)
    bases = resolved_bases(resolved=resolved, counts=counts, question_codes=codes)
    gaps = resolved_not_answered(resolved=resolved, question_codes=codes)
    national = _national(survey=survey)
    limit = disclosure.threshold()
    topline: list[ToplineQuestion] = []
    for q in questions:
        items = list(q.items.all()) if q.kind == Question.Kind.GRID else [None]
        options = sorted(q.options.all(), key=lambda o: o.position)
        shown_items: list[ToplineItem] = []
        for item in items:
            item_code = item.code if item else ""
            base = bases.get((q.code, item_code), Cell())
            hidden = disclosure.is_hidden(base.n, limit)
            usable = not hidden and (base.sum_w > 0 if weighted else base.n > 0)
            rows: list[ToplineRow] = []
            for option in options:
                nat = national.get((q.code, item_code, option.code))
                figure: dict = {}
                if usable:
                    yes = counts.get((q.code, item_code, option.code), Cell())
                    p = (
                        stats.weighted_proportion(
                            sum_w_yes=yes.sum_w, sum_w=base.sum_w, sum_w2=base.sum_w2
                        )
                        if weighted
                        else stats.proportion(yes.n, base.n)
                    )
                    figure = {
                        "percent": p.p * 100,
                        "ci_low": p.ci_low * 100,
                        "ci_high": p.ci_high * 100,
                    }
                rows.append(
                    ToplineRow(
                        option=option.code,
                        label=option.label,
                        national_percent=nat[0] if nat else None,
                        national_exact=nat[1] if nat else None,
                        **figure,
                    )
                )
            if order == "size" and q.kind == Question.Kind.MULTI:
                rows.sort(key=lambda r: -(r.percent or 0))
            effective = (
                stats.effective_base(base.sum_w, base.sum_w2)
                if usable and weighted
                else (float(base.n) if usable else None)
            )
            shown_items.append(
                ToplineItem(
                    code=item_code,
                    text=item.text if item else "",
                    base=None if hidden else base.n,
                    effective_base=effective,
                    low_base=usable and stats.is_low_base(base.n),
                    rows=rows,
                    not_answered=gaps.get((q.code, item_code), 0) if gaps else None,
                )
            )
        topline.append(ToplineQuestion(code=q.code, text=q.text, kind=q.kind, items=shown_items))
    return topline
