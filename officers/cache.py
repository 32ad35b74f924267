"""Officers' figures, cached against a cheap version of a survey's data.

A report of 100,000 responses takes seconds to compute and milliseconds to read back, so every
built report (and the dashboard's counts) is kept in Django's cache (Redis when configured, so
every web process and worker shares it). The key holds a *data version*: the latest submission time,
the latest weighting run and the latest erasure, read in one query of three index probes. Any
new, erased or reweighted response changes it, so a
cached figure is never served for data it was not computed from, and nothing has to be
invalidated: stale entries are simply never asked for again and expire.

The version is read, never written, by the resident's write path: a counter on the survey row
would make every submission queue for one row lock.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.cache import cache
from django.db.models import OuterRef, Subquery

from results.models import WeightingRun
from surveys.models import AuditEntry, Response, Survey

# Bump when the shape of a cached object changes, so a deploy never reads the old shape.
FORMAT = 6  # 2: adjusted p-values and group wording; 3: dashboard by period, dates notice;
# 4: breakdown rows carry intervals, bases, the All and GB 2014 columns and group tests;
# 5: the headline counts figures by their verdict alone, not by its wording with the gap;
# 6: the comparison with earlier waves
TIMEOUT = 24 * 3600

T = TypeVar("T")
ERASED = "response.erased"  # the audit action of surveys.erasure.response_erase


@dataclass(frozen=True)
class DataVersion:
    latest_submitted_at: str
    weighting_run_id: int
    erasure_id: int

    @property
    def key(self) -> str:
        return f"{self.latest_submitted_at}.{self.weighting_run_id}.{self.erasure_id}"

    @property
    def has_responses(self) -> bool:
        return bool(self.latest_submitted_at)


def survey_data_version(*, survey_id: int) -> DataVersion:
    """One query of three index probes: the latest submission (every write path stamps a
    response complete with the time it does so), the latest weighting run (weights change only
    with a run) and the latest erasure of a response (the audit trail records each one).

    Counting complete responses would also see erasures, but it reads every index entry of
    the survey, and after a reweighting has rewritten every row it visits the table as well:
    90 ms at 100,000 responses on a busy machine, against well under one for these probes.
    """
    latest = (
        Response.objects.filter(
            survey_id=OuterRef("pk"), status=Response.Status.COMPLETE, submitted_at__isnull=False
        )
        .order_by("-submitted_at")
        .values("submitted_at")[:1]
    )
    run = WeightingRun.objects.filter(survey_id=OuterRef("pk")).order_by("-id").values("id")[:1]
    erased = (
        AuditEntry.objects.filter(survey_id=OuterRef("pk"), action=ERASED)
        .order_by("-id")
        .values("id")[:1]
    )
    row = (
        Survey.objects.filter(pk=survey_id)
        .annotate(latest=Subquery(latest), run=Subquery(run), erased=Subquery(erased))
        .values_list("latest", "run", "erased")
        .first()
    )
    if row is None:
        return DataVersion("", 0, 0)
    latest_at, run_id, erased_id = row
    return DataVersion(latest_at.isoformat() if latest_at else "", run_id or 0, erased_id or 0)


def cache_key(kind: str, *, survey_id: int, version: DataVersion, params: Any = ()) -> str:
    # Parameters (filters, breakdown...) are hashed: their repr is long and holds dates.
    digest = hashlib.sha256(repr(params).encode()).hexdigest()[:20]
    return f"officers:{kind}:{FORMAT}:{survey_id}:{version.key}:{digest}"


def cached(key: str, compute: Callable[[], T]) -> T:
    """The cached value under ``key``, computed and stored on a miss. Errors are not cached:
    they come from cheap checks (no responses, a bad filter) and must not outlive a fix."""
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, TIMEOUT)
    return value


def is_cached(key: str) -> bool:
    return cache.get(key) is not None
