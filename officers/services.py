"""Writes for officers: asking for an export and building it (run by a Celery task), keeping
the report's figures warm in the cache, and the "what you told us" page.

Every export and every publication is recorded (who, when, what).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import kombu.exceptions
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from officers import exports
from officers.cache import is_cached, survey_data_version
from officers.errors import OfficerError
from officers.models import Export, Finding, FindingsPage
from officers.report import default_weighted, report_cached, report_key
from officers.selectors import dashboard_key, survey_dashboard
from results.errors import ResultsError
from results.selectors import ResponseFilters
from surveys.audit import audit_log
from surveys.models import Survey

logger = logging.getLogger(__name__)


def export_create(*, survey: Survey, user: AbstractBaseUser, kind: str, weighted: bool) -> Export:
    """Record an export and queue it to be built once the record is committed."""
    if kind not in Export.Kind.values:
        raise OfficerError(f"'{kind}' is not a format Collab can export.")
    from officers.tasks import build_export

    with transaction.atomic():
        export = Export.objects.create(survey=survey, created_by=user, kind=kind, weighted=weighted)
        audit_log(actor=user, action="export.requested", survey=survey, export=export.pk, kind=kind)
        # After commit: a worker that picked the id up earlier would not find the row.
        transaction.on_commit(lambda: build_export.delay(export.pk))
    return export


def export_downloaded(*, export: Export, user: AbstractBaseUser) -> None:
    """Downloads are recorded too: a file of answers can leave the building with them."""
    audit_log(
        actor=user,
        action="export.downloaded",
        survey=export.survey,
        export=export.pk,
        kind=export.kind,
    )


def export_progress(*, export_id: int, percent: int) -> None:
    Export.objects.filter(pk=export_id, status=Export.Status.RUNNING).update(
        progress=max(1, min(percent, 99))
    )


def export_build(*, export_id: int) -> Export:
    """Build an export's file. Safe to run twice: a finished export is left as it is, and a
    run that was cut off (a worker lost mid-build) is started again from the beginning."""
    claimed = Export.objects.filter(
        pk=export_id, status__in=[Export.Status.QUEUED, Export.Status.RUNNING]
    ).update(status=Export.Status.RUNNING, progress=1)
    export = Export.objects.select_related("survey__council", "survey__questionnaire").get(
        pk=export_id
    )
    if not claimed:
        return export
    try:
        content = exports.export_content(
            export=export,
            progress=lambda percent: export_progress(export_id=export_id, percent=percent),
        )
    except (ResultsError, OfficerError) as error:
        return _export_failed(export, str(error))
    except Exception:
        # The officer sees that it failed; the traceback goes to the log for the developers.
        logger.exception("Export %s failed", export_id)
        _export_failed(export, "Something went wrong while building this export. Try again.")
        raise
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    export.file.save(
        f"{export.survey.slug}-{stamp}.{export.extension}", ContentFile(content), save=False
    )
    export.status = Export.Status.READY
    export.progress = 100
    export.finished_at = timezone.now()
    export.message = ""
    export.save(update_fields=["file", "status", "progress", "finished_at", "message"])
    return export


def _export_failed(export: Export, message: str) -> Export:
    export.status = Export.Status.FAILED
    export.message = message
    export.finished_at = timezone.now()
    export.save(update_fields=["status", "message", "finished_at"])
    return export


# ---------------------------------------------------------------------------------------------
# Keeping the report warm


def _refresh_queued_key(survey_id: int) -> str:
    return f"officers:refresh-queued:{survey_id}"


def report_refresh_queue(*, survey_id: int) -> None:
    """Queue ``officers.refresh_report`` once the current transaction commits."""
    transaction.on_commit(lambda: report_refresh_send(survey_id=survey_id))


def report_refresh_send(*, survey_id: int) -> None:
    """Queue ``officers.refresh_report`` now: for callers whose writes are committed already,
    such as the reweighting task.

    Debounced like weighting: a burst of changes queues one refresh; the key is taken here
    (after commit, so a rolled-back change cannot hold it) and cleared when the refresh starts,
    so a change during a refresh queues the next one. Warming the cache must never fail the
    caller: a broker that is down, or a refresh that fails in-process, is logged, and the next
    page view computes what it needs.
    """
    if not cache.add(_refresh_queued_key(survey_id), 1, timeout=300):
        return
    from officers.tasks import refresh_report

    try:
        refresh_report.delay(survey_id)
    except kombu.exceptions.OperationalError:
        logger.exception("Broker unreachable: report refresh of survey %s not queued", survey_id)
        cache.delete(_refresh_queued_key(survey_id))
    except Exception:
        # Only reached when tasks run in-process (no broker configured).
        logger.exception("Report refresh of survey %s failed", survey_id)
        cache.delete(_refresh_queued_key(survey_id))


def report_refresh(*, survey_id: int) -> list[str]:
    """Compute into the cache what officers open first: the dashboard and the report with no
    filters, unweighted and (when the survey is weighted) weighted. Safe to run twice: what is
    already cached for the current data version is left alone. Returns the keys it filled."""
    cache.delete(_refresh_queued_key(survey_id))
    survey = Survey.objects.select_related("council", "questionnaire").filter(pk=survey_id).first()
    if survey is None:
        return []
    version = survey_data_version(survey_id=survey_id)
    filled: list[str] = []
    if not is_cached(dashboard_key(survey=survey, version=version)):
        survey_dashboard(survey=survey, version=version)
        filled.append(dashboard_key(survey=survey, version=version))
    if not version.has_responses:
        return filled
    filters = ResponseFilters()
    for weighted in sorted({False, default_weighted(survey=survey)}):
        key = report_key(survey=survey, version=version, filters=filters, weighted=weighted)
        if is_cached(key):
            continue
        try:
            report_cached(survey=survey, filters=filters, weighted=weighted, version=version)
        except ResultsError:
            # Nothing to compare after all (every response erased since the version was read):
            # the page will say so itself.
            continue
        filled.append(key)
    return filled


# ---------------------------------------------------------------------------------------------
# "What you told us": the public page of findings


@dataclass(frozen=True)
class FindingChoice:
    key: tuple[str, str, str]
    chosen: bool
    we_did: str


def findings_save(
    *,
    survey: Survey,
    user: AbstractBaseUser,
    introduction: str,
    choices: list[FindingChoice],
) -> FindingsPage:
    """Store which findings the officer chose and what the council will do about each. A
    published page shows the change at once, so the save is audited too."""
    with transaction.atomic():
        page, _ = FindingsPage.objects.select_for_update().get_or_create(survey=survey)
        for choice in choices:
            question, item, net = choice.key
            Finding.objects.update_or_create(
                page=page,
                question_code=question,
                item_code=item,
                net_label=net,
                defaults={"chosen": choice.chosen, "we_did": choice.we_did.strip()},
            )
        page.introduction = introduction.strip()
        page.updated_at = timezone.now()
        page.save(update_fields=["introduction", "updated_at"])
        audit_log(
            actor=user,
            action="findings.saved",
            survey=survey,
            chosen=sum(c.chosen for c in choices),
            published=page.is_published,
        )
    return page


def findings_publish(*, survey: Survey, user: AbstractBaseUser) -> FindingsPage:
    """Put the page on the public web. Refused (OfficerError) unless at least one chosen
    finding can be shown and every chosen one says what the council will do."""
    from officers.findings import candidates, public_report

    with transaction.atomic():
        page, _ = FindingsPage.objects.select_for_update().get_or_create(survey=survey)
        chosen = {f.figure_key: f for f in page.findings.filter(chosen=True)}
        shown = [c for c in candidates(report=public_report(survey=survey)) if c.key in chosen]
        if not any(c.publishable for c in shown):
            raise OfficerError(
                "Choose at least one finding with enough answers to publish before publishing "
                "the page."
            )
        if any(not chosen[c.key].we_did for c in shown if c.publishable):
            raise OfficerError("Say what the council will do about every finding you chose.")
        page.published_at = timezone.now()
        page.published_by = user
        page.save(update_fields=["published_at", "published_by"])
        audit_log(
            actor=user,
            action="findings.published",
            survey=survey,
            findings=[" ".join(k).strip() for k in chosen],
        )
    return page


def findings_unpublish(*, survey: Survey, user: AbstractBaseUser) -> FindingsPage:
    with transaction.atomic():
        page, _ = FindingsPage.objects.select_for_update().get_or_create(survey=survey)
        was_published = page.is_published
        page.published_at = None
        page.save(update_fields=["published_at"])
        if was_published:
            audit_log(actor=user, action="findings.unpublished", survey=survey)
    return page
