"""The "what you told us" page: which figures may be shown to the public, and in what words.

Only whole-survey figures are offered (no filters, no subgroups, not even the report's own
published subgroups), so no small group of residents can be picked out. A figure whose local
base is under ``MIN_PUBLIC_BASE`` is never published: it is shown to the officer as not
publishable and left off the public page even if it was chosen when the base was larger.

The officer chooses from the figures of the officers' report (``report_cached``) as they stand.
Publishing keeps the chosen figures with the page (``PublishedFigure``), with their bases and
the time they were taken, and residents read those: the figures cannot drift away from what
the council wrote about them as more responses arrive. Publishing again takes them afresh.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404

from officers.models import FindingsPage, PublishedFigure
from officers.report import ALL_ADULTS, Report, ReportRow, default_weighted, report_cached
from results import disclosure, stats
from results.comparison import ComparisonRow
from results.errors import ResultsError
from results.selectors import ResponseFilters
from surveys.models import Survey

MIN_PUBLIC_BASE = stats.LOW_BASE  # 50

# What people "say" or "think", in plain words, for each published all-adults figure, so that a
# finding reads "More people here than across Great Britain say ...". A figure missing here
# falls back to its question, item and answer, which is accurate but stiffer.
PHRASES: dict[tuple[str, str, str], str] = {
    ("Q2", "", "equality of opportunity"): (
        "say giving everyone an equal opportunity is the most important thing for public "
        "services to do to be fair"
    ),
    ("Q2", "", "universal provision"): (
        "say providing the same services for everyone is the most important thing for public "
        "services to do to be fair"
    ),
    ("Q2", "", "targeted at those most in need"): (
        "say targeting services at those most in need is the most important thing for public "
        "services to do to be fair"
    ),
    ("Q3", "dignity", "agree"): (
        "agree that treating people with dignity and respect is as important as the final "
        "outcome of a service"
    ),
    ("Q3", "dignity", "disagree"): (
        "disagree that treating people with dignity and respect is as important as the final "
        "outcome of a service"
    ),
    ("Q3", "outcome", "disagree"): (
        "disagree that the final outcome is much more important than being treated well"
    ),
    ("Q4", "needs", "always or often"): (
        "say public services always or often understand their needs"
    ),
    ("Q4", "needs", "hardly ever or never"): (
        "say public services hardly ever or never understand their needs"
    ),
    ("Q4", "decisions", "always or often"): (
        "say public services always or often involve them in decisions about the services they use"
    ),
    ("Q4", "decisions", "hardly ever or never"): (
        "say public services hardly ever or never involve them in decisions about the "
        "services they use"
    ),
    ("Q5", "living_expenses", "all or mostly"): (
        "say keeping their living expenses manageable is all or mostly the government's "
        "responsibility"
    ),
    ("Q5", "living_expenses", "not at all"): (
        "say keeping their living expenses manageable is not the government's responsibility at all"
    ),
    ("Q5", "things_go_wrong", "at least some (all, mostly or partly)"): (
        "say the government has at least some responsibility for helping them when things go wrong"
    ),
    ("Q5", "job_career", "some role (all, mostly or partly)"): (
        "say the government has at least some responsibility for them having a job and a career"
    ),
    ("Q6", "public_quality", "better"): (
        "think different public services working together more often would make services better"
    ),
    ("Q6", "partnership_quality", "better"): (
        "think partnerships of public, private and voluntary organisations would make services "
        "better"
    ),
    ("Q6", "partnership_cost", "better"): (
        "think partnerships of public, private and voluntary organisations would make services "
        "more cost-effective"
    ),
    ("Q6", "partnership_accountability", "better"): (
        "think partnerships of public, private and voluntary organisations would make services "
        "more accountable to the public"
    ),
    ("Q6", "charities_quality", "better"): (
        "think charities running public services would make services better"
    ),
    ("Q6", "charities_cost", "better"): (
        "think charities running public services would make them more cost-effective"
    ),
    ("Q6", "charities_accountability", "worse"): (
        "think charities running public services would make them less accountable to the public"
    ),
    ("Q6", "businesses_quality", "better"): (
        "think businesses running public services would make services better"
    ),
    ("Q6", "businesses_quality", "worse"): (
        "think businesses running public services would make services worse"
    ),
    ("Q6", "businesses_cost", "better"): (
        "think businesses running public services would make them more cost-effective"
    ),
    ("Q6", "businesses_accountability", "worse"): (
        "think businesses running public services would make them less accountable to the public"
    ),
    ("Q7", "", "transparency"): (
        "choose being transparent as one of the most important things for public services to "
        "focus on"
    ),
    ("Q7", "", "accountability"): (
        "choose being accountable as one of the most important things for public services to "
        "focus on"
    ),
    ("Q7", "", "accessibility"): (
        "choose being accessible as one of the most important things for public services to "
        "focus on"
    ),
    ("Q7", "", "strategic planning"): (
        "choose planning for the long term as one of the most important things for public "
        "services to focus on"
    ),
    ("Q8", "", "willing"): (
        "say they would be willing to spend some time and effort working with public services "
        "to improve them"
    ),
    ("Q8", "", "unwilling or no time"): (
        "say they would like to but have no time, or are not interested in working with public "
        "services to improve them"
    ),
}


@dataclass(frozen=True)
class Candidate:
    """One whole-survey national figure an officer may publish, with its current figures."""

    index: int
    key: tuple[str, str, str]
    report_row: ReportRow
    phrase: str
    sentence: str

    @property
    def row(self):
        return self.report_row.row

    @property
    def publishable(self) -> bool:
        r = self.row
        # The one disclosure policy (results.disclosure), with the public page's higher floor.
        floor = max(MIN_PUBLIC_BASE, disclosure.threshold())
        return (
            r.local_percent is not None
            and not r.suppressed
            and not disclosure.is_hidden(r.base, floor)
        )

    @property
    def why_not(self) -> str:
        if self.publishable:
            return ""
        if self.row.local_percent is None:
            return "No local figure to show."
        return f"Fewer than {MIN_PUBLIC_BASE} people answered: too few to publish."


def _phrase(r: ReportRow) -> str:
    row = r.row
    return PHRASES.get(
        (row.question, row.item, row.net), f"answered '{row.net}' ({r.label.split(':')[0]})"
    )


def plain_sentence(r: ReportRow) -> str:
    """The finding in plain words, e.g. "More people here than across Great Britain say public
    services always or often understand their needs: 31% compared with 24%." """
    row = r.row
    phrase = _phrase(r)
    if row.local_percent is None or row.national_percent is None:
        return ""
    here, national = f"{row.local_percent:.0f}%", f"{row.national_percent:.0f}%"
    if not row.national_exact:
        return (
            f"{here} of people here {phrase}. Across Great Britain in 2014 the national report "
            f"put it at {row.national_wording}."
        )
    if row.verdict == "significantly higher":
        start = "More people here than across Great Britain"
    elif row.verdict == "significantly lower":
        start = "Fewer people here than across Great Britain"
    elif row.verdict == "no significant difference":
        start = "About the same share of people here as across Great Britain"
    else:
        return f"{here} of people here {phrase}, compared with {national} across Great Britain."
    return f"{start} {phrase}: {here} compared with {national}."


def public_report(*, survey: Survey) -> Report | None:
    """The whole-survey report the public page is built from (weighted when the survey is),
    or None when there is nothing to show."""
    try:
        return report_cached(
            survey=survey, filters=ResponseFilters(), weighted=default_weighted(survey=survey)
        )
    except ResultsError:
        return None


def candidates(*, report: Report | None) -> list[Candidate]:
    """Every all-adults national figure, in the report's order. Subgroup figures (15-24 year
    olds, no internet, broadsheet readers) are never offered."""
    if report is None:
        return []
    rows = [
        r
        for section in report.sections
        for r in section.rows
        if r.row.net and r.row.subgroup == ALL_ADULTS
    ]
    return [
        Candidate(
            index=i,
            key=(r.row.question, r.row.item, r.row.net),
            report_row=r,
            phrase=_phrase(r),
            sentence=plain_sentence(r),
        )
        for i, r in enumerate(rows)
    ]


def findings_page_get(*, survey: Survey) -> FindingsPage:
    page, _ = FindingsPage.objects.get_or_create(survey=survey)
    return page


@dataclass(frozen=True)
class PublicFinding:
    candidate: Candidate
    we_did: str


def published_candidate(figure: PublishedFigure) -> Candidate:
    """A published figure in the shape the officer chose it in, worded as it is now."""
    finding = figure.finding
    report_row = ReportRow(
        row=ComparisonRow(
            question=finding.question_code,
            item=finding.item_code,
            net=finding.net_label,
            subgroup=ALL_ADULTS,
            local_percent=figure.local_percent,
            base=figure.base,
            national_percent=figure.national_percent,
            national_exact=figure.national_exact,
            national_wording=figure.national_wording,
            verdict=figure.verdict,
        ),
        label=figure.label,
        trend_2010=None,
    )
    return Candidate(
        index=figure.position,
        key=finding.figure_key,
        report_row=report_row,
        phrase=_phrase(report_row),
        sentence=plain_sentence(report_row),
    )


def public_findings_for(*, slug: str) -> tuple[FindingsPage, list[PublicFinding]]:
    """A published page and its findings with the figures kept when it was published, for
    anyone; 404 when there is no published page. A finding the officer has since unchosen is
    left off at once; one chosen since appears when the page is published again."""
    page = (
        FindingsPage.objects.select_related("survey__council", "survey__questionnaire")
        .filter(survey__slug=slug, published_at__isnull=False)
        .first()
    )
    if page is None:
        raise Http404("There is no published page of findings at this address.")
    if page.figures_taken_at is None:
        from officers.services import findings_figures_keep

        findings_figures_keep(survey=page.survey)
        page.refresh_from_db(fields=["figures_taken_at", "figures_respondents", "figures_weighted"])
    figures = (
        PublishedFigure.objects.filter(finding__page=page, finding__chosen=True)
        .exclude(finding__we_did="")
        .select_related("finding")
    )
    shown = [
        PublicFinding(candidate=candidate, we_did=figure.finding.we_did)
        for figure in figures
        if (candidate := published_candidate(figure)).publishable
    ]
    return page, shown
