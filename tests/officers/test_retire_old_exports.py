"""Exports made before the disclosure policy (one row per respondent in "CSV" and "SPSS" for
any officer) are retired by officers 0007 rather than left downloadable until they expire,
and the download view serves no export without the disclosure marker."""

from __future__ import annotations

import importlib
from pathlib import Path

from django.apps import apps
from django.core.files.base import ContentFile
from django.urls import reverse

from officers.models import Export
from officers.services import export_build
from surveys.models import AuditEntry, Response

MIGRATION = importlib.import_module(
    "officers.migrations.0009_export_disclosure_marker_and_retire_old"
)
# What the old "CSV (one row per response)" held: each respondent's answers, unprotected.
OLD_CSV = (
    b"response,submitted,mode,AREA,AGE,SEX,Q8\n1,2026-03-11,telephone,east,75_plus,male,no_time\n"
)


def _ready(survey, officer, kind: str, content: bytes = OLD_CSV) -> Export:
    """A ready export as the rows stood before 0007: no marker."""
    export = Export.objects.create(
        survey=survey, created_by=officer, kind=kind, status=Export.Status.READY, progress=100
    )
    export.file.save(f"{survey.slug}-20260311-1200.{export.extension}", ContentFile(content))
    assert not export.disclosure_controlled
    return export


def _retire(django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # files go once it commits
        MIGRATION.retire_old_exports(apps, None)


def test_old_per_respondent_exports_are_retired_with_an_audit_entry(
    officer, seeded, django_capture_on_commit_callbacks
):
    old_csv = _ready(seeded, officer, Export.Kind.CSV)
    old_sav = _ready(seeded, officer, Export.Kind.SAV, b"$FL2 old one row per respondent")
    old_paths = [Path(old_csv.file.path), Path(old_sav.file.path)]
    # Built under the policy (officers 0005 on): it recorded the responses in its figures.
    recent = _ready(seeded, officer, Export.Kind.CSV, b"Question,Figure,Local %\n")
    recent.responses.set(Response.objects.filter(survey=seeded)[:20])
    microdata = _ready(seeded, officer, Export.Kind.MICRO_CSV, b"PK zip")
    queued = Export.objects.create(survey=seeded, created_by=officer, kind=Export.Kind.CSV)

    _retire(django_capture_on_commit_callbacks)

    for export, path in zip((old_csv, old_sav), old_paths, strict=True):
        export.refresh_from_db()
        assert export.status == Export.Status.RETIRED and not export.file
        assert not path.exists()
        assert "before Collab hid small groups" in export.message
        entry = AuditEntry.objects.get(action="export.retired", detail__export=export.pk)
        assert entry.survey == seeded and entry.council == seeded.council
        assert entry.detail["kind"] == export.kind
        assert "one row per respondent" in entry.detail["reason"]
    for export in (recent, microdata):
        export.refresh_from_db()
        assert export.status == Export.Status.READY and export.disclosure_controlled
        assert Path(export.file.path).exists()
    queued.refresh_from_db()
    assert queued.status == Export.Status.QUEUED  # built later by today's code, marked then
    assert AuditEntry.objects.filter(action="export.retired").count() == 2

    # Run again (a second deploy): nothing more is retired.
    _retire(django_capture_on_commit_callbacks)
    assert AuditEntry.objects.filter(action="export.retired").count() == 2


def test_the_download_view_refuses_an_export_without_the_marker(
    officer_client, officer, seeded, django_capture_on_commit_callbacks
):
    # A file an old worker recorded after the migration had run has no marker either.
    unmarked = _ready(seeded, officer, Export.Kind.CSV)
    page = officer_client.get(reverse("officers:download", args=[seeded.slug, unmarked.pk]))
    assert page.status_code == 404
    listing = officer_client.get(reverse("officers:exports", args=[seeded.slug])).content.decode()
    assert reverse("officers:download", args=[seeded.slug, unmarked.pk]) not in listing

    _retire(django_capture_on_commit_callbacks)
    page = officer_client.get(reverse("officers:export", args=[seeded.slug, unmarked.pk]))
    assert "Made before small groups were hidden".lower() in page.content.decode().lower()
    assert "Download the file" not in page.content.decode()
    page = officer_client.get(reverse("officers:download", args=[seeded.slug, unmarked.pk]))
    assert page.status_code == 404


def test_a_build_under_the_policy_is_marked_and_served(officer_client, officer, seeded):
    export = Export.objects.create(survey=seeded, created_by=officer, kind=Export.Kind.CSV)
    built = export_build(export_id=export.pk)
    assert built.status == Export.Status.READY and built.disclosure_controlled
    page = officer_client.get(reverse("officers:download", args=[seeded.slug, built.pk]))
    assert page.status_code == 200
    assert b"".join(page.streaming_content).lstrip(b"\xef\xbb\xbf").startswith(b"Question,")
