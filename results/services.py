"""Writes for results: a survey's population targets, and weighting its responses to them.

Respondents who chose "Prefer not to say" (or skipped) on a margin are *left out of that margin's
adjustment*: they are raked as one extra category whose target is their own share of the
respondents, so on that margin their weights keep averaging 1, while the population shares are
met among everyone who did say. They are still weighted on the other margins. Dropping them, or
inventing a category for them, would bias the results; this is the usual practice for item
non-response in rim weighting.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation

import kombu.exceptions
import numpy as np
from django.db import connection, transaction

from results.errors import ResultsError
from results.models import PopulationTarget, WeightingRun
from results.selectors import survey_targets
from results.weighting import SHARE_SUM_TOLERANCE, WeightingError, rake
from surveys.models import Answer, Area, Option, Question, Response, Survey

# Largest weight allowed, as a multiple of the average: the common choice in council surveys,
# where a handful of respondents in a small age band would otherwise swing the results.
DEFAULT_CAP = 5.0
# The pseudo-category for respondents with no usable answer on a margin.
NOT_STATED = "__not_stated__"
WEIGHT_BATCH = 5000
MARGIN_KINDS = (Question.Kind.SINGLE, Question.Kind.AREA)

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------------------------------------
# Population targets


def margin_categories(*, survey: Survey, margin: str) -> dict[str, str]:
    """Categories a margin can have targets for, code -> label; ResultsError if none.

    Options marked exclusive ("Prefer not to say") are not population groups and get no target.
    """
    question = Question.objects.filter(
        questionnaire_id=survey.questionnaire_id, code=margin
    ).first()
    if question is None or question.kind not in MARGIN_KINDS or not question.is_demographic:
        usable = Question.objects.filter(
            questionnaire_id=survey.questionnaire_id, kind__in=MARGIN_KINDS, is_demographic=True
        ).values_list("code", flat=True)
        raise ResultsError(
            f"'{margin}' is not a question that responses can be weighted on. Use one of: "
            f"{', '.join(usable)}."
        )
    if question.kind == Question.Kind.AREA:
        return dict(Area.objects.filter(council_id=survey.council_id).values_list("code", "name"))
    return dict(
        Option.objects.filter(question=question, exclusive=False).values_list("code", "label")
    )


def _share(value: object, *, margin: str, category: str) -> Decimal:
    text = str(value).strip()
    percent = text.endswith("%")
    try:
        share = Decimal(text.rstrip("%").strip())
    except InvalidOperation:
        raise ResultsError(
            f"The share for {margin} {category} is '{text}', which is not a number."
        ) from None
    if percent:
        share /= 100
    if not share.is_finite() or share < 0 or share > 1:
        raise ResultsError(
            f"The share for {margin} {category} is {text}; give a fraction between 0 and 1 "
            "(0.08) or a percentage (8%)."
        )
    return share


def targets_validate(
    *, survey: Survey, margin: str, shares: Mapping[str, object]
) -> dict[str, Decimal]:
    categories = margin_categories(survey=survey, margin=margin)
    unknown = [c for c in shares if c not in categories]
    if unknown:
        raise ResultsError(
            f"{margin} has no category {', '.join(repr(c) for c in unknown)}. Use: "
            f'{", ".join(categories)}. ("Prefer not to say" is not a population group: those '
            "respondents are left out of this margin's adjustment.)"
        )
    missing = [c for c in categories if c not in shares]
    if missing:
        raise ResultsError(
            f"{margin} needs a share for every category; missing: {', '.join(missing)}. Give 0 "
            "for a category with nobody in it."
        )
    clean = {c: _share(v, margin=margin, category=c) for c, v in shares.items()}
    total = sum(clean.values(), Decimal(0))
    if abs(total - 1) > Decimal(str(SHARE_SUM_TOLERANCE)):
        raise ResultsError(
            f"The shares for {margin} add up to {total * 100:.1f}%, not 100%. Check them for a "
            "typo or a missing category."
        )
    return clean


def targets_set(*, survey: Survey, margin: str, shares: Mapping[str, object]) -> None:
    """Replace one margin's targets; shares are fractions of 1 or strings like "8%".

    Nothing is written unless every share is valid and they sum to 100% (within 0.1 points).
    Weighting is queued to run once the change is committed.
    """
    clean = targets_validate(survey=survey, margin=margin, shares=shares)
    with transaction.atomic():
        PopulationTarget.objects.filter(survey=survey, margin=margin).delete()
        PopulationTarget.objects.bulk_create(
            PopulationTarget(survey=survey, margin=margin, category=c, share=s)
            for c, s in clean.items()
        )
        reweight_queue(survey.id)


def targets_copy(*, source: Survey, target: Survey) -> int:
    """Give a new wave the population targets of the earlier one (replacing any it has), so
    that both are weighted to the same population; returns how many were copied."""
    if source.council_id != target.council_id:
        raise ResultsError("Population targets can only be copied within one council.")
    with transaction.atomic():
        PopulationTarget.objects.filter(survey=target).delete()
        copied = PopulationTarget.objects.bulk_create(
            PopulationTarget(survey=target, margin=t.margin, category=t.category, share=t.share)
            for t in PopulationTarget.objects.filter(survey=source)
        )
    return len(copied)


def targets_clear(*, survey: Survey, margin: str | None = None) -> None:
    """Remove one margin's targets (or all); weights are recalculated without them."""
    with transaction.atomic():
        targets = PopulationTarget.objects.filter(survey=survey)
        if margin:
            targets = targets.filter(margin=margin)
        targets.delete()
        reweight_queue(survey.id)


def targets_import(*, survey: Survey, csv_text: str) -> int:
    """Replace every target of a survey from CSV with the columns ``margin,category,share``.

    All margins are checked before anything is written; every problem found is reported at
    once. Returns the number of targets stored.
    """
    reader = csv.DictReader(io.StringIO(csv_text.lstrip("\ufeff")))
    if reader.fieldnames is None or [f.strip() for f in reader.fieldnames] != [
        "margin",
        "category",
        "share",
    ]:
        raise ResultsError(
            "The targets file must have exactly the columns margin,category,share "
            f"(found: {', '.join(reader.fieldnames or []) or 'nothing'})."
        )
    by_margin: dict[str, dict[str, str]] = {}
    for line, row in enumerate(reader, start=2):
        margin, category = (row["margin"] or "").strip(), (row["category"] or "").strip()
        if not margin or not category:
            raise ResultsError(f"Line {line} of the targets file has no margin or category.")
        if category in by_margin.setdefault(margin, {}):
            raise ResultsError(f"Line {line}: {margin} {category} is given twice.")
        by_margin[margin][category] = row["share"] or ""
    if not by_margin:
        raise ResultsError("The targets file has no targets in it.")

    problems: list[str] = []
    clean: dict[str, dict[str, Decimal]] = {}
    for margin, shares in by_margin.items():
        try:
            clean[margin] = targets_validate(survey=survey, margin=margin, shares=shares)
        except ResultsError as error:
            problems.append(str(error))
    if problems:
        raise ResultsError("Nothing was imported. " + " ".join(problems))
    with transaction.atomic():
        PopulationTarget.objects.filter(survey=survey).delete()
        PopulationTarget.objects.bulk_create(
            PopulationTarget(survey=survey, margin=m, category=c, share=s)
            for m, shares in clean.items()
            for c, s in shares.items()
        )
        reweight_queue(survey.id)
    return sum(len(s) for s in clean.values())


# ---------------------------------------------------------------------------------------------
# Weighting


def reweight_queue(survey_id: int) -> None:
    from results.tasks import reweight_survey

    def send() -> None:
        try:
            reweight_survey.delay(survey_id)
        except kombu.exceptions.OperationalError:
            # The broker is down: what was committed stays committed and the resident's page
            # still answers. Forget the debounce key, so the next change to this survey queues
            # the run again; a run weights every response, so nothing missed is lost.
            logger.exception("Broker unreachable: reweighting of survey %s not queued", survey_id)
            from django.core.cache import cache

            cache.delete(f"results:reweight-queued:{survey_id}")

    # After commit: a worker that starts before the targets are committed would read old ones.
    transaction.on_commit(send)


def survey_responses_changed(*, survey_id: int) -> None:
    """What follows a change of a survey's complete responses: surveys announces every change
    (surveys.signals.responses_changed, inside the writer's transaction) and this receiver is
    the one place that decides what follows.

    A survey with population targets is reweighted, and the reweighting task refreshes the
    officers' report once the new weights are in. A survey without targets is never reweighted,
    so its report refresh is queued directly. Either is queued after the current transaction
    commits, and calls that arrive while one is already queued are folded into it.
    """
    from django.core.cache import cache

    if not PopulationTarget.objects.filter(survey_id=survey_id).exists():
        # The same announcement the reweighting task makes (results/tasks.py): officers own
        # the report and its cache; results only says when its figures are out of date.
        from results.signals import report_stale_announce

        report_stale_announce(survey_id=survey_id, committed=False)
        return
    # Debounce: a burst of submissions queues one run. The key is cleared when the run starts,
    # so a response saved during a run queues the next one.
    if cache.add(f"results:reweight-queued:{survey_id}", 1, timeout=300):
        reweight_queue(survey_id)


def survey_reweight(*, survey_id: int, cap: float | None = DEFAULT_CAP) -> WeightingRun:
    """Weight a survey's complete responses to its population targets and record the run.

    On failure (targets the respondents cannot meet) a failed run is recorded with the reason
    and the weights stay as they were. With no targets every weight is set back to 1.

    A run that changes nothing (the task delivered again after it finished, or targets set
    again to the same shares) records nothing either and returns the last run: a new run
    would change the survey's data version and send officers' reports to be computed again.
    """
    with transaction.atomic():
        # Serialises concurrent runs for the same survey (a no-op lock on SQLite, which
        # serialises writers anyway), so two queued runs cannot interleave their updates.
        survey = Survey.objects.select_for_update().filter(pk=survey_id).first()
        if survey is None:
            raise ResultsError(f"There is no survey with id {survey_id}.")
        response_ids = list(
            Response.objects.filter(survey=survey, status=Response.Status.COMPLETE)
            .order_by("id")
            .values_list("id", flat=True)
        )
        targets = survey_targets(survey=survey)
        if not targets:
            changed = (
                Response.objects.filter(survey=survey)
                .exclude(weight=1.0, weight_cell__isnull=True)
                .update(weight=1.0, weight_cell=None)
            )
            return _run_record(
                survey=survey,
                weights_changed=changed,
                status=WeightingRun.Status.OK,
                message="No population targets: every response counts once.",
                respondents=len(response_ids),
                efficiency=None,
                effective_base=float(len(response_ids)),
                iterations=0,
                cap=cap,
            )
        try:
            if not response_ids:
                raise WeightingError("There are no complete responses to weight yet.")
            margins, margin_targets, labels = _margins(
                survey=survey, response_ids=response_ids, targets=targets
            )
            result = rake(margins, margin_targets, cap=cap, labels=labels)
            cell_of, cells = _weighting_cells(margins)
        except WeightingError as error:
            return _run_record(
                survey=survey,
                weights_changed=0,
                status=WeightingRun.Status.FAILED,
                message=str(error),
                respondents=len(response_ids),
                efficiency=None,
                effective_base=None,
                iterations=None,
                cap=cap,
            )
        changed = _weights_write(response_ids=response_ids, weights=result.weights, cells=cell_of)
        return _run_record(
            survey=survey,
            weights_changed=changed,
            status=WeightingRun.Status.OK,
            message=f"Weighted on {', '.join(targets)}.",
            respondents=len(response_ids),
            efficiency=result.efficiency,
            effective_base=result.effective_base,
            iterations=result.iterations,
            cap=cap,
            capped=result.capped,
            margins=list(margins),
            cells=cells,
        )


def _run_record(
    *,
    survey: Survey,
    weights_changed: int,
    status: str,
    message: str,
    respondents: int,
    efficiency: float | None,
    effective_base: float | None,
    iterations: int | None,
    cap: float | None,
    capped: int | None = None,
    margins: list[str] | None = None,
    cells: list[list[str]] | None = None,
) -> WeightingRun:
    """Record a run, unless it repeats the last one: no weight changed, no response was
    submitted since, and the run would say exactly what the last one says (which covers the
    targets: other shares give other weights or another efficiency). Then the last run is
    still true, and it is returned instead."""
    fields = {
        "status": status,
        "message": message,
        "respondents": respondents,
        "efficiency": efficiency,
        "effective_base": effective_base,
        "iterations": iterations,
        "cap": cap,
        "capped": capped,
        "margins": margins or [],
        "cells": cells or [],
    }
    last = WeightingRun.objects.filter(survey=survey).order_by("-created_at", "-id").first()
    if (
        last is not None
        and not weights_changed
        and all(getattr(last, name) == value for name, value in fields.items())
        and not Response.objects.filter(
            survey=survey, status=Response.Status.COMPLETE, submitted_at__gt=last.created_at
        ).exists()
    ):
        return last
    return WeightingRun.objects.create(survey=survey, **fields)


def _margins(
    *, survey: Survey, response_ids: list[int], targets: Mapping[str, Mapping[str, float]]
) -> tuple[dict[str, np.ndarray], dict[str, dict[str, float]], dict[str, dict[str, str]]]:
    """Each respondent's category on each margin (one query per margin), and the targets with
    the not-stated pseudo-category added where some respondents did not say."""
    position = {response_id: i for i, response_id in enumerate(response_ids)}
    questions = dict(
        Question.objects.filter(
            questionnaire_id=survey.questionnaire_id, code__in=list(targets)
        ).values_list("code", "id")
    )
    margins: dict[str, np.ndarray] = {}
    margin_targets: dict[str, dict[str, float]] = {}
    labels: dict[str, dict[str, str]] = {}
    for margin, shares in targets.items():
        if margin not in questions:
            raise WeightingError(f"The questionnaire has no question {margin} to weight on.")
        categories = np.full(len(response_ids), NOT_STATED, dtype=object)
        answers = Answer.objects.filter(
            survey=survey, question_id=questions[margin], response__status=Response.Status.COMPLETE
        )
        option_code = dict(
            Option.objects.filter(question_id=questions[margin]).values_list("id", "code")
        )
        for response_id, option_id, text_value in answers.values_list(
            "response_id", "option_id", "text_value"
        ).iterator(chunk_size=20000):
            code = option_code.get(option_id) if option_id else text_value
            # Codes without a target ("Prefer not to say") stay not stated.
            if code in shares and response_id in position:
                categories[position[response_id]] = code
        not_stated = float(np.count_nonzero(categories == NOT_STATED)) / len(response_ids)
        if not_stated == 1:
            raise WeightingError(
                f"Nobody has given an answer to {margin} that has a target, so responses cannot "
                f"be weighted on it yet. Remove the {margin} targets or wait for more responses."
            )
        margin_targets[margin] = {c: s * (1 - not_stated) for c, s in shares.items()}
        if not_stated:
            margin_targets[margin][NOT_STATED] = not_stated
        margins[margin] = categories.astype(str)
        labels[margin] = {
            NOT_STATED: "did not say",
            **margin_categories(survey=survey, margin=margin),
        }
    return margins, margin_targets, labels


def _weighting_cells(margins: Mapping[str, np.ndarray]) -> tuple[list[int], list[list[str]]]:
    """Each respondent's weighting cell (their category on every margin, in margin order) as a
    number, and the categories of each numbered cell. Raking gives everyone in a cell the same
    weight; the design-based variance of weighted figures needs sums by cell."""
    names = list(margins)
    numbers: dict[tuple[str, ...], int] = {}
    cell_of = [
        numbers.setdefault(key, len(numbers))
        for key in zip(*(margins[name].tolist() for name in names), strict=True)
    ]
    return cell_of, [list(key) for key in numbers]


def _weights_write(
    *, response_ids: list[int], weights: Iterable[float], cells: list[int] | None = None
) -> int:
    """Store the weights (and weighting cells); returns how many responses changed."""
    weights = [float(w) for w in weights]
    cell_list: list[int | None] = list(cells) if cells is not None else [None] * len(weights)
    if connection.vendor == "postgresql":
        # One statement whatever the size: the arrays travel as three parameters.
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE surveys_response AS r SET weight = v.w, weight_cell = v.c "
                "FROM unnest(%s::bigint[], %s::double precision[], %s::integer[]) "
                "AS v(id, w, c) "
                # Unchanged weights are not rewritten: a second run of the same weighting
                # then writes nothing, and PostgreSQL keeps no dead row versions for it.
                "WHERE r.id = v.id AND (r.weight IS DISTINCT FROM v.w "
                "OR r.weight_cell IS DISTINCT FROM v.c)",
                [response_ids, weights, cell_list],
            )
            return cursor.rowcount
    # Elsewhere (SQLite) too, only the weights that changed are written.
    changed: list[Response] = []
    for start in range(0, len(response_ids), WEIGHT_BATCH):
        end = start + WEIGHT_BATCH
        batch = dict(
            zip(
                response_ids[start:end],
                zip(weights[start:end], cell_list[start:end], strict=True),
                strict=True,
            )
        )
        # response_ids are in order: a range of ids, not a list of thousands of parameters.
        stored = Response.objects.filter(
            pk__gte=response_ids[start], pk__lte=response_ids[start:end][-1]
        ).values_list("pk", "weight", "weight_cell")
        changed += [
            Response(id=i, weight=batch[i][0], weight_cell=batch[i][1])
            for i, w, c in stored
            if i in batch and (w, c) != batch[i]
        ]
    Response.objects.bulk_update(changed, ["weight", "weight_cell"], batch_size=WEIGHT_BATCH)
    return len(changed)


def surveys_reweight_stale() -> list[int]:
    """Queue weighting for surveys with responses newer than their last weighting run.

    The write path queues weighting after each burst of responses; when the broker was
    unreachable at that moment the run was never queued. This catch-up, run by Celery beat,
    makes sure such a survey is weighted within minutes of the broker coming back.
    """
    from django.db.models import F, Max, OuterRef, Q, Subquery

    last_run = WeightingRun.objects.filter(survey=OuterRef("pk")).order_by("-created_at")
    stale = (
        Survey.objects.filter(population_targets__isnull=False)
        .annotate(
            last_response=Max(
                "responses__submitted_at",
                filter=Q(responses__status=Response.Status.COMPLETE),
            ),
            last_run=Subquery(last_run.values("created_at")[:1]),
        )
        .filter(last_response__isnull=False)
        .filter(Q(last_run__isnull=True) | Q(last_response__gt=F("last_run")))
        .values_list("pk", flat=True)
        .distinct()
    )
    queued = list(stale)
    for survey_id in queued:
        reweight_queue(survey_id)
    return queued
