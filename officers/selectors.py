"""Reads for officers. Every query starts from the requesting officer.

An officer sees the surveys of the councils they belong to; a superuser sees every survey.
A survey outside an officer's councils is a 404, never a 403: a 403 would tell an outsider
that the survey exists.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from officers.cache import DataVersion, cache_key, cached, survey_data_version
from officers.models import COMMENT_KINDS, MICRODATA_KINDS, Export
from results import disclosure
from results.labels import group_name
from results.models import WeightingRun
from results.periods import periods_partition
from results.selectors import survey_targets, weighting_run_latest
from surveys import tenancy
from surveys.models import Answer, Area, Invitation, Item, Option, Page, Question, Response, Survey

User = AbstractBaseUser | AnonymousUser
EXPORTED_KINDS = (
    Question.Kind.SINGLE,
    Question.Kind.MULTI,
    Question.Kind.GRID,
    Question.Kind.NUMBER,
)


def surveys_for_officer(*, user: User, permission: str = "survey.view") -> QuerySet[Survey]:
    """The surveys of the councils where this person's roles allow ``permission``. The council
    scope the request runs in (surveys.tenancy) already holds the query to their councils; the
    filter by role keeps, say, a council administrator's list to the councils they administer."""
    surveys = Survey.objects.select_related("council", "questionnaire")
    if not user.is_authenticated or not user.is_active:
        return surveys.none()
    if user.is_superuser:
        return surveys
    return surveys.filter(council_id__in=tenancy.council_ids_for(user=user, permission=permission))


def survey_for_officer(*, user: User, slug: str, permission: str = "report.view") -> Survey:
    """One survey, for a person allowed ``permission`` on it: a 404 outside their councils (for
    them it does not exist), a 403 in their council without the role."""
    survey = Survey.objects.select_related("council", "questionnaire").filter(slug=slug).first()
    if survey is None:
        raise Http404("There is no survey at this address that you can see.")
    tenancy.survey_permission_check(user=user, survey=survey, permission=permission)
    return survey


# ---------------------------------------------------------------------------------------------
# Dashboard: every figure is one GROUP BY (or one aggregate) over the survey's responses.


@dataclass(frozen=True)
class Tally:
    """One row of a dashboard table: a label and how many responses it counts."""

    label: str
    count: int | None  # None: hidden by the disclosure policy (results.disclosure)
    share: float | None = None  # of the table's total, 0..1

    @property
    def text(self) -> str:
        return disclosure.count_text(self.count, disclosure.threshold())


@dataclass(frozen=True)
class TargetGap:
    margin: str
    category: str
    label: str
    target: float
    achieved: float | None  # None with respondents: hidden by the disclosure policy
    respondents: int | None

    @property
    def gap_points(self) -> float | None:
        return None if self.achieved is None else (self.achieved - self.target) * 100

    @property
    def respondents_text(self) -> str:
        return disclosure.count_text(self.respondents, disclosure.threshold())


@dataclass(frozen=True)
class Dashboard:
    complete: int
    in_progress: int
    by_period: list[Tally]  # the periods dates are chosen on (results.periods)
    by_mode: list[Tally]
    by_area: list[Tally]
    dropout: list[Tally]
    invitations: int
    invitations_used: int
    weighting: WeightingRun | None
    targets: list[TargetGap] = field(default_factory=list)

    @property
    def response_rate(self) -> float | None:
        return self.invitations_used / self.invitations if self.invitations else None


def _suppressed(rows: list[tuple[str, int]], *, shares: bool = True) -> list[Tally]:
    """A table of counts whose total is shown (complete responses), through the disclosure
    policy: counts under the threshold, empty ones too, and enough others that none can be
    worked out from the total read "fewer than 10", with no share."""
    total = sum(n for _, n in rows)
    shown = disclosure.suppress(dict(enumerate(n for _, n in rows)), disclosure.threshold())
    return [
        Tally(label, shown[i], shown[i] / total if shares and total and shown[i] else None)
        for i, (label, _) in enumerate(rows)
    ]


@dataclass(frozen=True)
class _CompleteFigures:
    """The dashboard's figures over complete responses: the costly part, cached per version."""

    complete: int
    by_period: list[Tally]  # the periods dates are chosen on (results.periods)
    by_mode: list[Tally]
    by_area: list[Tally]
    targets: list[TargetGap]


def dashboard_key(*, survey: Survey, version: DataVersion) -> str:
    return cache_key("dashboard", survey_id=survey.pk, version=version)


def survey_dashboard(*, survey: Survey, version: DataVersion | None = None) -> Dashboard:
    """The counts of complete responses come from the cache (they change only with the data
    version); drafts, drop-out and invitations change without it, and are few, so they are
    counted on every request."""
    version = version or survey_data_version(survey_id=survey.pk)
    figures = cached(
        dashboard_key(survey=survey, version=version),
        lambda: survey_complete_figures(survey=survey),
    )
    page_titles = dict(
        Page.objects.filter(questionnaire_id=survey.questionnaire_id).values_list(
            "position", "title"
        )
    )
    # furthest_page counts pages as residents see them (1..N); one past the last page means
    # they reached "check your answers" but did not send.
    page_count = len(page_titles)
    titles = [title for _, title in sorted(page_titles.items())]
    dropout = list(
        Response.objects.filter(survey=survey, status=Response.Status.IN_PROGRESS)
        .values("furthest_page")
        .annotate(n=Count("id"))
        .order_by("furthest_page")
        .values_list("furthest_page", "n")
    )
    invitations = Invitation.objects.filter(survey=survey).aggregate(
        total=Count("id"), used=Count("id", filter=Q(used_at__isnull=False))
    )
    return Dashboard(
        complete=figures.complete,
        in_progress=sum(n for _, n in dropout),
        by_period=figures.by_period,
        by_mode=figures.by_mode,
        by_area=figures.by_area,
        dropout=[
            Tally(
                f"Page {p}: {titles[p - 1]}"
                if 1 <= p <= page_count
                else "Check your answers (not sent)",
                n,
            )
            for p, n in dropout
        ],
        invitations=invitations["total"],
        invitations_used=invitations["used"],
        weighting=weighting_run_latest(survey=survey),
        targets=figures.targets,
    )


def survey_complete_figures(*, survey: Survey) -> _CompleteFigures:
    complete = Response.objects.filter(survey=survey, status=Response.Status.COMPLETE)
    by_mode = dict(
        complete.values("mode").annotate(n=Count("id")).order_by().values_list("mode", "n")
    )
    by_area = dict(
        complete.values("area_id").annotate(n=Count("id")).order_by().values_list("area_id", "n")
    )
    areas = list(
        Area.objects.filter(council_id=survey.council_id)
        .order_by("position", "name")
        .values_list("id", "name")
    )
    total = complete.count()
    if not total:
        by_mode, areas = {}, []
    return _CompleteFigures(
        complete=total,
        # By period, not by day: the report's dates are whole periods, and a day's count
        # beside them would say how many people two periods' figures differ by.
        by_period=_suppressed(
            [(p.label, p.respondents) for p in periods_partition(survey=survey)], shares=False
        ),
        by_mode=_suppressed(
            [(label, by_mode.get(mode, 0)) for mode, label in Response.Mode.choices if total]
        ),
        by_area=_suppressed(
            [(name, by_area.get(pk, 0)) for pk, name in areas]
            + (
                [("Not given", by_area.get(None, 0))]
                if by_area.get(None) or (total and not areas)
                else []
            )
        ),
        targets=survey_target_gaps(survey=survey),
    )


NOT_STATED = object()  # the cell of respondents who gave none of a margin's categories


def survey_target_gaps(*, survey: Survey) -> list[TargetGap]:
    """Achieved share of each population target's category, among respondents who gave one
    of the margin's categories (the shares weighting aims at; see results.services)."""
    targets = survey_targets(survey=survey)
    complete = Response.objects.filter(survey=survey, status=Response.Status.COMPLETE)
    total = complete.count()
    gaps: list[TargetGap] = []
    for margin, shares in targets.items():
        if margin == "AREA":
            achieved = dict(
                complete.values("area__code")
                .annotate(n=Count("id"))
                .order_by()
                .values_list("area__code", "n")
            )
            labels = dict(
                Area.objects.filter(council_id=survey.council_id).values_list("code", "name")
            )
        else:
            answers = Answer.objects.filter(
                survey=survey,
                question__questionnaire_id=survey.questionnaire_id,
                question__code=margin,
                response__status=Response.Status.COMPLETE,
            )
            achieved = dict(
                answers.values("option__code")
                .annotate(n=Count("id"))
                .order_by()
                .values_list("option__code", "n")
            )
            labels = dict(
                Option.objects.filter(
                    question__questionnaire_id=survey.questionnaire_id, question__code=margin
                ).values_list("code", "label")
            )
        stated = sum(n for code, n in achieved.items() if code in shares)
        # One table with the respondents who gave none of the categories: its total (every
        # complete response) is shown on the page, so they are a cell of it, suppressed with
        # the rest, and the counts hidden here are those hidden in the dashboard's own tables.
        cells = {category: achieved.get(category, 0) for category in shares}
        cells[NOT_STATED] = total - stated
        shown = disclosure.suppress(cells, disclosure.threshold())
        for category, share in shares.items():
            n = shown[category]
            gaps.append(
                TargetGap(
                    margin=group_name(margin),
                    category=category,
                    label=labels.get(category, category),
                    target=share,
                    achieved=(n / stated if stated else 0.0) if n is not None else None,
                    respondents=n,
                )
            )
    return gaps


# ---------------------------------------------------------------------------------------------
# Exports


def exports_for_survey(
    *, survey: Survey, microdata: bool = True, comments: bool | None = None
) -> QuerySet[Export]:
    """The survey's exports; without ``microdata``, none of one row per respondent, and
    without ``comments`` (as ``microdata`` unless given), none of residents' comments."""
    exports = Export.objects.filter(survey=survey).select_related("created_by")
    if not microdata:
        exports = exports.exclude(kind__in=MICRODATA_KINDS)
    if not (microdata if comments is None else comments):
        exports = exports.exclude(kind__in=COMMENT_KINDS)
    return exports


def export_for_officer(*, user: User, slug: str, pk: int) -> Export:
    """An export of a survey the officer can see; 404 for any other id, including another
    council's export reached through one's own survey's address, and a file of one row per
    respondent for anyone but a research officer."""
    survey = survey_for_officer(user=user, slug=slug, permission="export.aggregate")
    microdata = tenancy.user_can(user, survey.council_id, "export.microdata")
    comments = tenancy.user_can(user, survey.council_id, "comments.read")
    export = (
        exports_for_survey(survey=survey, microdata=microdata, comments=comments)
        .filter(pk=pk)
        .first()
    )
    if export is None:
        raise Http404("There is no export at this address that you can see.")
    return export


# ---------------------------------------------------------------------------------------------
# Responses one by one, for exports that need a row per response


@dataclass(frozen=True)
class ResponseRecord:
    serial: int
    mode: str
    split_arm: str
    submitted_at: dt.datetime | None
    area_code: str
    area_name: str
    weight: float
    # question code -> option code (single), set of option codes (multi),
    # {item code: option code} (grid) or a number
    answers: dict[str, Any]
    # The response's own id, to read it again (never written to a file).
    response_id: int = 0


def survey_response_count(*, survey: Survey) -> int:
    return Response.objects.filter(survey=survey, status=Response.Status.COMPLETE).count()


def survey_response_records(
    *,
    survey: Survey,
    chunk_size: int = 2000,
    codes: Collection[str] | None = None,
) -> Iterator[ResponseRecord]:
    """Every complete response with its answers, in chunks of ``chunk_size`` responses: two
    queries per chunk, so memory stays flat however large the survey. Free-text answers are
    left out: residents may name themselves or others in them.

    With ``codes``, only the answers to those questions."""
    questions = dict(
        Question.objects.filter(questionnaire_id=survey.questionnaire_id).values_list("id", "code")
    )
    kinds = dict(
        Question.objects.filter(questionnaire_id=survey.questionnaire_id).values_list("id", "kind")
    )
    items = dict(
        Item.objects.filter(question__questionnaire_id=survey.questionnaire_id).values_list(
            "id", "code"
        )
    )
    options = dict(
        Option.objects.filter(question__questionnaire_id=survey.questionnaire_id).values_list(
            "id", "code"
        )
    )
    wanted = [
        question_id
        for question_id, kind in kinds.items()
        if kind in EXPORTED_KINDS and (codes is None or questions[question_id] in codes)
    ]
    serial = 0
    for chunk in _response_chunks(survey=survey, chunk_size=chunk_size):
        answers: dict[int, dict[str, Any]] = {row[0]: {} for row in chunk}
        rows = Answer.objects.filter(
            response_id__in=list(answers), question_id__in=wanted
        ).values_list("response_id", "question_id", "item_id", "option_id", "number_value")
        for response_id, question_id, item_id, option_id, number in rows:
            code, kind = questions[question_id], kinds[question_id]
            given = answers[response_id]
            if kind == Question.Kind.GRID:
                given.setdefault(code, {})[items[item_id]] = options[option_id]
            elif kind == Question.Kind.MULTI:
                given.setdefault(code, set()).add(options[option_id])
            elif kind == Question.Kind.NUMBER:
                given[code] = number
            else:
                given[code] = options[option_id]
        for response_id, mode, arm, submitted_at, area_code, area_name, weight in chunk:
            serial += 1
            yield ResponseRecord(
                serial=serial,
                mode=mode,
                split_arm=arm,
                submitted_at=submitted_at,
                area_code=area_code or "",
                area_name=area_name or "",
                weight=weight,
                answers=answers[response_id],
                response_id=response_id,
            )


def _response_chunks(*, survey: Survey, chunk_size: int) -> Iterator[list[tuple[Any, ...]]]:
    """The complete responses' own columns in id order, each chunk read from where the last
    ended."""
    complete = Response.objects.filter(survey=survey, status=Response.Status.COMPLETE)
    fields = ("id", "mode", "split_arm", "submitted_at", "area__code", "area__name", "weight")
    last_id = 0
    while True:
        chunk = list(
            complete.filter(id__gt=last_id).order_by("id").values_list(*fields)[:chunk_size]
        )
        if not chunk:
            return
        last_id = chunk[-1][0]
        yield chunk
