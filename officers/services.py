"""Writes for officers: asking for an export and building it (run by a Celery task), keeping
the report's figures warm in the cache, and the "what you told us" page.

Every export and every publication is recorded (who, when, what).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import logging
import tempfile
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING

import kombu.exceptions
import numpy as np
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.files.storage import Storage
from django.db import DatabaseError, connections, transaction
from django.db.models import F, Q
from django.utils import timezone

from officers import exports
from officers.cache import is_cached, survey_data_version
from officers.errors import OfficerError
from officers.models import (
    COMMENT_KINDS,
    MICRODATA_KINDS,
    Export,
    Finding,
    FindingsPage,
    PublishedFigure,
)
from officers.report import Report, default_weighted, report_cached, report_key
from officers.selectors import dashboard_key, survey_dashboard
from results.errors import ResultsError
from results.periods import dates_snap
from results.selectors import ResponseFilters
from surveys import tenancy
from surveys.audit import audit_log
from surveys.models import Response, Survey

if TYPE_CHECKING:
    from officers.findings import Candidate

logger = logging.getLogger(__name__)

# How long a worker's claim on an export lasts without news from it. While it builds, the
# worker renews the claim every EXPORT_LEASE_RENEW (and with every progress report), however
# long the build takes. A second delivery of the build task (Redis hands a task back once it
# has been running longer than the visibility timeout) leaves a fresh claim alone, so the
# build is never run twice at once; a stale one belongs to a lost worker and is taken over.
EXPORT_LEASE = dt.timedelta(seconds=settings.EXPORT_LEASE_SECONDS)
EXPORT_LEASE_RENEW = EXPORT_LEASE / 5
# A build that kills its worker every time is failed rather than started for ever.
EXPORT_MAX_ATTEMPTS = 3
# Response ids are read and recorded against an export this many at a time.
RESPONSES_CHUNK = 5000


def export_create(
    *,
    survey: Survey,
    user: AbstractBaseUser,
    kind: str,
    weighted: bool,
    filters: ResponseFilters | None = None,
    breakdown: str | None = None,
) -> Export:
    """Record an export and queue it to be built once the record is committed. One row per
    respondent needs the research officer's role (PermissionDenied otherwise, nothing
    queued). ``breakdown`` is the demographic the report was broken down by: the files that
    can hold a table of it (CSV, Excel, PDF) carry it as the page shows it."""
    if kind not in Export.Kind.values:
        raise OfficerError(f"'{kind}' is not a format Collab can export.")
    if kind in MICRODATA_KINDS and not tenancy.user_can(
        user, survey.council_id, "export.microdata"
    ):
        raise PermissionDenied("One row per respondent is for research officers only.")
    if kind in COMMENT_KINDS and not tenancy.user_can(user, survey.council_id, "comments.read"):
        raise PermissionDenied("Residents' comments are for research officers only.")
    from officers.tasks import build_export

    with transaction.atomic():
        # One row per respondent carries each respondent's weight: weighting changes nothing
        # in it, and the report's filters do not apply to it.
        microdata = kind in MICRODATA_KINDS or kind in COMMENT_KINDS
        if filters is not None and not microdata:
            # Recorded as the whole periods the file will hold (results.periods).
            filters = dates_snap(survey=survey, filters=filters).filters
        record = {} if microdata or filters is None else exports.filters_record(filters)
        if breakdown and not microdata:
            record["breakdown"] = breakdown
        export = Export.objects.create(
            survey=survey,
            created_by=user,
            kind=kind,
            weighted=weighted and not microdata,
            filters=record,
        )
        audit_log(
            actor=user,
            action="export.requested",
            survey=survey,
            export=export.pk,
            kind=kind,
            weighted=export.weighted,
            filters=record,
        )
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


def export_progress(*, export_id: int, token: str, percent: int) -> None:
    """Show how far the build has got, and renew the builder's lease while it does."""
    Export.objects.filter(pk=export_id, status=Export.Status.RUNNING, claim_token=token).update(
        progress=max(1, min(percent, 99)), claimed_at=timezone.now()
    )


def export_lease_left(*, export: Export) -> float:
    """Seconds until the lease on a running export runs out (at least one)."""
    if export.claimed_at is None:
        return 1.0
    left = export.claimed_at + EXPORT_LEASE - timezone.now()
    return max(1.0, left.total_seconds() + 1)


def _lease_stale(now: dt.datetime) -> Q:
    """Running exports whose builder has not been heard of for a lease (or that were claimed
    before exports had leases): their worker is taken to be lost."""
    stale = Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - EXPORT_LEASE)
    return Q(status=Export.Status.RUNNING) & stale


def export_build(*, export_id: int) -> Export:
    """Build an export's file. Safe to run twice, and twice at once: a finished export is left
    as it is; a delivery that finds another worker's lease fresh leaves the build to it; one
    that finds it stale (that worker lost) builds it again from the beginning, after removing
    whatever the lost attempt left on disk. Only the worker holding the lease records a file.
    """
    token = uuid.uuid4().hex
    now = timezone.now()
    claimed = Export.objects.filter(
        Q(status=Export.Status.QUEUED) | _lease_stale(now), pk=export_id
    ).update(
        status=Export.Status.RUNNING,
        progress=1,
        claimed_at=now,
        claim_token=token,
        attempts=F("attempts") + 1,
    )
    export = Export.objects.select_related("survey__council", "survey__questionnaire").get(
        pk=export_id
    )
    if not claimed:
        return export
    _export_leftovers_remove(export)
    if export.attempts > EXPORT_MAX_ATTEMPTS:
        return _export_failed(
            export,
            token,
            "Building this export was cut off too many times before it finished. Ask for it "
            "again; if it happens again, tell the Collab team.",
        )
    # The responses the build can read: checked again as the file is recorded, so a response
    # erased while it was built never stays in a file (see _export_file_record).
    included = _complete_response_ids(export.survey_id)
    with _lease_kept(export_id=export_id, token=token):
        try:
            content = exports.export_content(
                export=export,
                progress=lambda percent: export_progress(
                    export_id=export_id, token=token, percent=percent
                ),
            )
        except (ResultsError, OfficerError) as error:
            return _export_failed(export, token, str(error))
        except Exception:
            # The officer sees that it failed; the traceback goes to the log for developers.
            logger.exception("Export %s failed", export_id)
            _export_failed(
                export, token, "Something went wrong while building this export. Try again."
            )
            raise
        try:
            return _export_file_record(
                export=export, token=token, content=content, included=included
            )
        finally:
            if not isinstance(content, bytes):
                content.close()  # the temporary file it was built in


@contextmanager
def _lease_kept(*, export_id: int, token: str) -> Iterator[None]:
    """Renew the lease from a thread of its own while the build runs, so a build that is slow
    but alive keeps it however long it goes without reporting progress.

    Not inside a transaction (a caller's, or a test's): the thread's own connection would wait
    for the row the transaction holds. There the build is in-process and nobody takes over.
    """
    if transaction.get_connection().in_atomic_block:
        yield
        return
    stop = threading.Event()

    def renew() -> None:
        try:
            while not stop.wait(EXPORT_LEASE_RENEW.total_seconds()):
                try:
                    Export.objects.filter(
                        pk=export_id, status=Export.Status.RUNNING, claim_token=token
                    ).update(claimed_at=timezone.now())
                except DatabaseError:
                    # Tried again next time; a lease that runs out costs a duplicate build,
                    # never a wrong file (only the lease holder records one).
                    logger.exception("Could not renew the lease on export %s", export_id)
        finally:
            connections.close_all()

    # The thread runs in a copy of this context, so it keeps the council scope it was started in.
    keeper = threading.Thread(
        target=contextvars.copy_context().run,
        args=(renew,),
        name=f"export-{export_id}-lease",
        daemon=True,
    )
    keeper.start()
    try:
        yield
    finally:
        stop.set()
        keeper.join()


def _complete_response_ids(survey_id: int) -> np.ndarray:
    """The ids of the survey's complete responses, in order, 8 bytes each: a survey of a
    hundred thousand responses takes under a megabyte, where a set of them took ten."""
    ids = (
        Response.objects.filter(survey_id=survey_id, status=Response.Status.COMPLETE)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return np.fromiter(ids.iterator(chunk_size=RESPONSES_CHUNK), dtype=np.int64)


def _export_responses_record(*, export: Export, ids: np.ndarray) -> None:
    """Export.responses set to ``ids`` a chunk at a time: the first chunk replaces whatever
    was there, the rest are added (one ``set`` of them all would make a model instance for
    every response at once)."""
    export.responses.set(ids[:RESPONSES_CHUNK].tolist())
    for start in range(RESPONSES_CHUNK, len(ids), RESPONSES_CHUNK):
        export.responses.add(*ids[start : start + RESPONSES_CHUNK].tolist())


def _export_file_record(
    *,
    export: Export,
    token: str,
    content: bytes | IO[bytes],
    included: np.ndarray | None = None,
) -> Export:
    """Save the file through the exports storage under a name of this attempt's own, then, in
    one transaction, mark the export ready if this worker still holds the lease. The file is
    whole in the storage before the record points to it, so a ready export always has its
    whole file; the file of an attempt that is not recorded is deleted, and one that a worker
    lost between the two left is removed by the next attempt at this export or the clean-up
    (exports_tidy). The name is this attempt's alone, so no attempt overwrites or deletes
    another's file, on a disk or in a bucket."""
    now = timezone.now()
    stamp = timezone.localtime(now).strftime("%Y%m%d-%H%M")
    storage = export.file.storage
    name = _file_store(
        storage=storage,
        name=export.file.field.generate_filename(
            export, f"{export.survey.slug}-{stamp}-{token}.{export.extension}"
        ),
        content=content,
    )
    recorded = 0
    try:
        with transaction.atomic():
            now_complete = _complete_response_ids(export.survey_id)
            if included is not None and np.setdiff1d(included, now_complete).size:
                # Erased (or voided) while the file was built: it may hold them. Not kept.
                _export_failed(
                    export,
                    token,
                    "A response went while this export was being built, so it was not kept. "
                    "Ask for it again.",
                )
            else:
                recorded = Export.objects.filter(
                    pk=export.pk, status=Export.Status.RUNNING, claim_token=token
                ).update(
                    file=name,
                    status=Export.Status.READY,
                    progress=100,
                    finished_at=now,
                    message="",
                    # Built by export_content, under the disclosure policy: may be served.
                    disclosure_controlled=True,
                )
            if recorded:
                # Every response that may be in the file, or in its figures: erasing any of
                # them deletes it (exports_erase_for).
                _export_responses_record(export=export, ids=now_complete)
    except BaseException:
        # Rolled back (the commit failed, or the worker is stopping): no record points to it.
        storage.delete(name)
        raise
    if not recorded:
        storage.delete(name)
        if export.status != Export.Status.FAILED:
            logger.info(
                "Export %s was taken over by another worker; its file is not kept", export.pk
            )
    export.refresh_from_db()
    return export


def _file_store(*, storage: Storage, name: str, content: bytes | IO[bytes]) -> str:
    """Save a new file through the storage from a file on this machine (the temporary file
    the export was built in, or one that bytes are first written to): a large file goes to a
    bucket in parts, or to a folder a block at a time, never as one more copy in memory.
    Returns its name."""
    if not isinstance(content, bytes):
        return _file_save(storage=storage, name=name, file=content)
    with tempfile.TemporaryFile(suffix=".export") as spool:
        spool.write(content)
        return _file_save(storage=storage, name=name, file=spool)


def _file_save(*, storage: Storage, name: str, file: IO[bytes]) -> str:
    file.seek(0)
    try:
        return storage.save(name, File(file, name=name))
    except BaseException:
        storage.delete(name)  # a file half-written on a disk that filled up, say
        raise


def _stored_files(storage: Storage, folder: str) -> Iterator[str]:
    """The name of every file under a folder of the storage, at any depth."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:  # a folder on disk that no file was ever saved to
        return
    for file in sorted(files):
        yield f"{folder}/{file}"
    for sub in sorted(folders):
        yield from _stored_files(storage, f"{folder}/{sub}")


def _export_leftovers_remove(export: Export) -> None:
    """Remove every file of this export that an earlier, lost attempt left behind (a partial
    file, or a whole one saved just before its worker died). None is the export's own: an
    export being built has none until it is marked ready."""
    storage = export.file.storage
    folder = export.file.field.generate_filename(export, "name").rsplit("/", 1)[0]
    try:
        _, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for file in files:
        if file.startswith(f"{export.pk}-"):
            storage.delete(f"{folder}/{file}")


def _export_failed(export: Export, token: str, message: str) -> Export:
    Export.objects.filter(pk=export.pk, status=Export.Status.RUNNING, claim_token=token).update(
        status=Export.Status.FAILED, message=message, finished_at=timezone.now()
    )
    export.refresh_from_db()
    return export


@dataclass(frozen=True)
class ExportsTidied:
    files_removed: int
    exports_queued: int
    exports_expired: int = 0


def _export_file_delete(export: Export, *, status: str, message: str) -> None:
    """Delete an export's file (once the transaction commits) and keep its record, marked."""
    name = export.file.name
    storage = export.file.storage
    Export.objects.filter(pk=export.pk).update(status=status, message=message, file="", progress=0)
    export.responses.clear()
    if name:
        transaction.on_commit(lambda: storage.delete(name))


def exports_expire(*, now: dt.datetime | None = None) -> int:
    """Delete the files of exports older than the retention period (EXPORT_RETENTION_DAYS)."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.EXPORT_RETENTION_DAYS)
    expired = 0
    for export in Export.objects.select_related("survey__council").filter(
        created_at__lt=cutoff,
        status__in=[Export.Status.READY, Export.Status.FAILED, Export.Status.QUEUED],
    ):
        with transaction.atomic():
            _export_file_delete(
                export,
                status=Export.Status.EXPIRED,
                message=(
                    f"Deleted {settings.EXPORT_RETENTION_DAYS} days after it was asked for, as "
                    "every export is. Ask for a new one if you need it."
                ),
            )
            audit_log(
                actor=None,
                action="export.expired",
                survey=export.survey,
                export=export.pk,
                kind=export.kind,
            )
        expired += 1
    return expired


def exports_erase_for(*, response_ids: list[int], survey: Survey) -> list[int]:
    """Delete every export file holding any of these responses (or built from them), as they
    are erased; each deletion is in the audit trail. Runs in the erasure's transaction."""
    affected = list(
        Export.objects.filter(responses__in=response_ids).distinct().select_related("survey")
    )
    for export in affected:
        _export_file_delete(
            export,
            status=Export.Status.ERASED,
            message=(
                "Deleted because a resident whose answers it held asked for them to be erased. "
                "Ask for a new export: it will leave them out."
            ),
        )
        audit_log(
            actor=None,
            action="export.deleted_for_erasure",
            survey=survey,
            export=export.pk,
            kind=export.kind,
        )
    return [e.pk for e in affected]


def exports_tidy(*, now: dt.datetime | None = None) -> ExportsTidied:
    """Run hourly by Celery beat, so that every file of answers on disk is accounted for and
    no export waits for ever.

    - Files under exports/ that no export record points to are removed: what a worker lost
      between writing a file and recording it left, and the files of exports (or surveys)
      deleted since. A file younger than a lease is left alone: it may be a build in hand.
    - Exports older than the retention period (EXPORT_RETENTION_DAYS) lose their file; the
      record stays, marked expired, and the audit trail says so.
    - Exports whose builder's lease ran out (and queued ones that no worker has started
      within a lease) are queued again: the worker holding the lease may have died after a
      second delivery of its task left the build to it.
    """
    from officers.tasks import build_export

    now = now or timezone.now()
    expired = exports_expire(now=now)
    storage = Export._meta.get_field("file").storage
    recorded = set(Export.objects.exclude(file="").values_list("file", flat=True))
    removed = 0
    for name in _stored_files(storage, "exports"):
        if name in recorded or now - storage.get_modified_time(name) < EXPORT_LEASE:
            continue
        storage.delete(name)
        removed += 1
    if removed:
        logger.warning("Removed %s export files that no export record points to", removed)
    stuck = Export.objects.filter(
        Q(status=Export.Status.QUEUED, created_at__lt=now - EXPORT_LEASE) | _lease_stale(now)
    )
    queued = list(stuck.values_list("pk", flat=True))
    for export_id in queued:
        build_export.delay(export_id)
    return ExportsTidied(files_removed=removed, exports_queued=len(queued), exports_expired=expired)


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
    page view computes what it needs. Off with OFFICER_REPORT_PREWARM (the default when tasks
    run in-process, where the refresh would hold up the resident's submission).
    """
    if not settings.OFFICER_REPORT_PREWARM:
        return  # tasks run in-process: the officer's next page view computes the report
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
    """Put the page on the public web with its figures as they stand now; residents read those
    figures until the page is published again, so they stay the ones the council wrote about.
    Refused (OfficerError) unless at least one chosen finding can be shown and every chosen
    one says what the council will do."""
    with transaction.atomic():
        page, _ = FindingsPage.objects.select_for_update().get_or_create(survey=survey)
        figures = _chosen_figures(page=page, survey=survey)
        chosen, shown = figures.chosen, figures.shown
        if not any(c.publishable for c in shown):
            raise OfficerError(
                "Choose at least one finding with enough answers to publish before publishing "
                "the page."
            )
        if any(not chosen[c.key].we_did for c in shown if c.publishable):
            raise OfficerError("Say what the council will do about every finding you chose.")
        page.published_at = timezone.now()
        page.published_by = user
        _figures_keep(page=page, figures=figures)
        page.save(
            update_fields=[
                "published_at",
                "published_by",
                "figures_taken_at",
                "figures_respondents",
                "figures_weighted",
            ]
        )
        audit_log(
            actor=user,
            action="findings.published",
            survey=survey,
            findings=[" ".join(k).strip() for k in chosen],
            respondents=page.figures_respondents,
        )
    return page


def findings_figures_keep(*, survey: Survey) -> FindingsPage:
    """Keep the figures of a page published before figures were kept with it, once: from then
    on it behaves as if it had been published now. A page that has them is left alone."""
    with transaction.atomic():
        page = FindingsPage.objects.select_for_update().get(survey=survey)
        if not page.is_published or page.figures_taken_at is not None:
            return page
        _figures_keep(page=page, figures=_chosen_figures(page=page, survey=survey))
        page.save(update_fields=["figures_taken_at", "figures_respondents", "figures_weighted"])
        audit_log(
            actor=None,
            action="findings.figures_kept",
            survey=survey,
            respondents=page.figures_respondents,
        )
    return page


@dataclass(frozen=True)
class _ChosenFigures:
    """The page's chosen findings and their figures in the public report as it stands."""

    report: Report | None
    chosen: dict[tuple[str, str, str], Finding]
    shown: list[Candidate]


def _chosen_figures(*, page: FindingsPage, survey: Survey) -> _ChosenFigures:
    from officers.findings import candidates, public_report

    report = public_report(survey=survey)
    chosen = {f.figure_key: f for f in page.findings.filter(chosen=True)}
    shown = [c for c in candidates(report=report) if c.key in chosen]
    return _ChosenFigures(report=report, chosen=chosen, shown=shown)


def _figures_keep(*, page: FindingsPage, figures: _ChosenFigures) -> None:
    """Replace the page's published figures with the publishable chosen ones (the page is
    saved by the caller, inside its transaction)."""
    PublishedFigure.objects.filter(finding__page=page).delete()
    PublishedFigure.objects.bulk_create(
        PublishedFigure(
            finding=figures.chosen[c.key],
            position=c.index,
            label=c.report_row.label,
            local_percent=c.row.local_percent,
            base=c.row.base,
            national_percent=c.row.national_percent,
            national_exact=bool(c.row.national_exact),
            national_wording=c.row.national_wording,
            verdict=c.row.verdict,
        )
        for c in figures.shown
        if c.publishable
    )
    report = figures.report
    page.figures_taken_at = timezone.now()
    page.figures_respondents = report.comparison.respondents if report else 0
    page.figures_weighted = bool(report and report.comparison.weighted)


def findings_unpublish(*, survey: Survey, user: AbstractBaseUser) -> FindingsPage:
    with transaction.atomic():
        page, _ = FindingsPage.objects.select_for_update().get_or_create(survey=survey)
        was_published = page.is_published
        page.published_at = None
        page.save(update_fields=["published_at"])
        if was_published:
            audit_log(actor=user, action="findings.unpublished", survey=survey)
    return page
