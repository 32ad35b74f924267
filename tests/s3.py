"""A local S3 server for tests of export files in a bucket: moto's, in this process, on a free
loopback port (no network), and the settings that point the exports storage at it.

Import the fixtures into a test module: `from tests.s3 import s3_server, s3_exports`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import boto3
import pytest
from django.core.files.storage import storages

REGION = "eu-west-2"
KEYS = {"aws_access_key_id": "test-key", "aws_secret_access_key": "test-secret"}


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """The address of a moto S3 server for the whole run."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def s3_exports_storage(*, endpoint: str, bucket: str) -> dict:
    """The `exports` entry of STORAGES that collab/settings.py makes from EXPORT_STORAGE_*
    (tests/collab/test_storage_settings.py checks that it does)."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint,
            "region_name": REGION,
            "access_key": KEYS["aws_access_key_id"],
            "secret_key": KEYS["aws_secret_access_key"],
            "addressing_style": "path",
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
            "max_memory_size": 2 * 1024 * 1024,
        },
    }


def s3_client(endpoint: str):
    return boto3.client("s3", endpoint_url=endpoint, region_name=REGION, **KEYS)


@pytest.fixture
def s3_exports(s3_server, settings, tmp_path):
    """Export files in a fresh, private bucket of their own. Yields (bucket, client): the
    client looks at the bucket directly, as another host would."""
    bucket = f"collab-exports-{uuid.uuid4().hex[:12]}"
    client = s3_client(s3_server)
    client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    # Nothing must land on this machine's disk: a media folder of the test's own shows it.
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "exports": s3_exports_storage(endpoint=s3_server, bucket=bucket),
    }
    assert storages["exports"].bucket_name == bucket
    yield bucket, client
