"""The audit trail: one function to add an entry, so every caller records the same shape."""

from __future__ import annotations

from typing import Any

from surveys.models import AuditEntry, Survey


def audit_log(
    *, actor, action: str, survey: Survey | None = None, council=None, **detail: Any
) -> AuditEntry:
    if council is None and survey is not None:
        council = survey.council
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        survey=survey,
        council=council,
        detail=detail,
    )
