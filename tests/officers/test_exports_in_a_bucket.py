"""Export files in a bucket on an S3-compatible server (moto's, in this process): built by a
worker on one host, downloaded from any web host, through the permission-checked view only;
and deleted from the bucket when they expire, when a resident in them is erased, or when no
record points to them."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from storages.backends.s3 import S3Storage

from officers.models import Export
from officers.services import EXPORT_LEASE, export_build, exports_tidy
from officers.tasks import build_export
from surveys.erasure import response_erase
from tests.officers.factories import export_make
from tests.officers.test_disclosure import _sent
from tests.officers.test_exports import _download, _start


def _keys(bucket: str, client) -> list[str]:
    listed = client.list_objects_v2(Bucket=bucket)
    return sorted(o["Key"] for o in listed.get("Contents", []))


def _object(bucket: str, client, key: str) -> bytes:
    return client.get_object(Bucket=bucket, Key=key)["Body"].read()


def _nothing_on_this_machine(settings) -> None:
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


@pytest.mark.parametrize("kind", ["csv", "xlsx", "sav"])
def test_an_export_built_into_the_bucket_downloads_byte_for_byte_through_the_view(
    s3_exports, officer_client, seeded, settings, django_capture_on_commit_callbacks, kind
):
    bucket, client = s3_exports
    export = _start(officer_client, seeded, kind, django_capture_on_commit_callbacks)
    export.refresh_from_db()
    assert export.status == Export.Status.READY, export.message

    assert _keys(bucket, client) == [export.file.name]
    downloaded = _download(officer_client, export)
    assert downloaded == _object(bucket, client, export.file.name)
    assert len(downloaded) > 100
    _nothing_on_this_machine(settings)


def test_another_web_host_downloads_what_a_worker_elsewhere_built(
    s3_exports, s3_server, officer, seeded, settings
):
    bucket, _ = s3_exports
    built = export_build(export_id=Export.objects.create(survey=seeded, kind="csv").pk)
    assert built.status == Export.Status.READY, built.message
    worker_storage = storages["exports"]

    # Another host: a storage of its own made from the same settings, and a browser of its own.
    settings.STORAGES = {**settings.STORAGES}
    web_storage = storages["exports"]
    assert web_storage is not worker_storage and web_storage.bucket_name == bucket
    elsewhere = S3Storage(**settings.STORAGES["exports"]["OPTIONS"])
    with elsewhere.open(built.file.name, "rb") as f:
        stored = f.read()
    browser = Client()
    browser.force_login(officer)

    downloaded = _download(browser, built)

    assert downloaded == stored
    assert downloaded.decode("utf-8-sig").startswith("Question,Figure,Local %")
    _nothing_on_this_machine(settings)


def test_the_download_never_sends_the_officer_to_the_bucket(
    s3_exports, s3_server, officer_client, seeded
):
    bucket, _ = s3_exports
    built = export_build(export_id=Export.objects.create(survey=seeded, kind="csv").pk)
    page_url = reverse("officers:export", args=[seeded.slug, built.pk])
    download_url = reverse("officers:download", args=[seeded.slug, built.pk])

    # No URL to the bucket (signed or not) is ever made.
    with mock.patch.object(S3Storage, "url", side_effect=AssertionError("a bucket URL")):
        page = officer_client.get(page_url)
        download = officer_client.get(download_url)
        body = b"".join(download.streaming_content)

    assert page.status_code == 200 and download.status_code == 200
    assert download_url in page.content.decode()
    assert "Location" not in download
    assert download["Content-Disposition"] == f'attachment; filename="{built.download_name}"'
    for shown in (page.content, body, str(download.headers).encode()):
        assert s3_server.encode() not in shown and bucket.encode() not in shown
        assert b"X-Amz" not in shown and b"Signature" not in shown


def test_another_council_cannot_download_an_export_in_the_bucket(
    s3_exports, client, other_officer, seeded
):
    built = export_build(export_id=Export.objects.create(survey=seeded, kind="csv").pk)
    client.force_login(other_officer)

    response = client.get(reverse("officers:download", args=[seeded.slug, built.pk]))

    assert response.status_code == 404


def test_an_expired_export_is_deleted_from_the_bucket(
    s3_exports, officer, seeded, settings, django_capture_on_commit_callbacks
):
    bucket, client = s3_exports
    settings.EXPORT_RETENTION_DAYS = 30
    old = export_make(survey=seeded, user=officer)
    recent = export_make(survey=seeded, user=officer)
    Export.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=31))
    assert _keys(bucket, client) == sorted([old.file.name, recent.file.name])

    with django_capture_on_commit_callbacks(execute=True):
        assert exports_tidy().exports_expired == 1

    assert _keys(bucket, client) == [recent.file.name]
    old.refresh_from_db()
    assert (old.status, old.file.name) == (Export.Status.EXPIRED, "")


def test_erasing_a_resident_deletes_the_export_files_holding_them_from_the_bucket(
    s3_exports, seeded, django_capture_on_commit_callbacks
):
    bucket, client = s3_exports
    response, code = _sent(seeded)
    built = [
        export_build(export_id=Export.objects.create(survey=seeded, kind=kind).pk)
        for kind in (Export.Kind.CSV, Export.Kind.XLSX)
    ]
    assert all(b.status == Export.Status.READY for b in built)
    assert all(b.responses.filter(pk=response.pk).exists() for b in built)
    assert _keys(bucket, client) == sorted(b.file.name for b in built)

    with django_capture_on_commit_callbacks(execute=True):  # files go once erasure commits
        response_erase(code=code)

    assert _keys(bucket, client) == []
    assert set(Export.objects.values_list("status", flat=True)) == {Export.Status.ERASED}


def test_clean_up_removes_objects_no_record_points_to_once_older_than_a_lease(
    s3_exports, officer, seeded
):
    bucket, client = s3_exports
    kept = export_make(survey=seeded, user=officer)
    folder = kept.file.name.rsplit("/", 1)[0]
    stray = f"{folder}/999-0123456789abcdef0123456789abcdef.csv"
    client.put_object(Bucket=bucket, Key=stray, Body=b"id,Q1")

    # Just written: it may be a build in hand.
    assert exports_tidy().files_removed == 0
    assert exports_tidy(now=timezone.now() + EXPORT_LEASE).files_removed == 1

    assert _keys(bucket, client) == [kept.file.name]


def test_a_lost_attempts_object_goes_when_the_task_comes_back(s3_exports, officer, seeded):
    bucket, client = s3_exports
    export = Export.objects.create(
        survey=seeded, created_by=officer, kind="csv", status=Export.Status.RUNNING
    )
    folder = export.file.field.generate_filename(export, "x").rsplit("/", 1)[0]
    left = storages["exports"].save(
        f"{folder}/{export.pk}-{seeded.slug}-20260101-0900-{'0' * 32}.csv",
        ContentFile(b"id,Q1\n1,2\n"),
    )

    assert build_export.delay(export.pk).get() == Export.Status.READY

    export.refresh_from_db()
    assert _keys(bucket, client) == [export.file.name]
    assert export.file.name != left


def test_an_attempt_that_is_not_recorded_leaves_no_object(s3_exports, officer, seeded):
    bucket, client = s3_exports
    export = Export.objects.create(survey=seeded, created_by=officer, kind="csv")

    def taken_over(**kwargs):
        # Another worker takes the export over while this one saves its file.
        Export.objects.filter(pk=export.pk).update(claim_token="another-worker")
        return real_store(**kwargs)

    from officers import services

    real_store = services._file_store
    with mock.patch("officers.services._file_store", side_effect=taken_over):
        built = export_build(export_id=export.pk)

    assert (built.status, built.file.name) == (Export.Status.RUNNING, "")
    assert _keys(bucket, client) == []
