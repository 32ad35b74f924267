"""The exports storage the environment chooses (collab/settings.py): this machine's disk with
nothing set, a private bucket on an S3-compatible server when one is named."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import REPO
from tests.s3 import KEYS, REGION, s3_exports_storage

SHOW = (
    "import json, django; django.setup(); from django.conf import settings; "
    "print(json.dumps(settings.STORAGES))"
)


def _storages(**env: str) -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("EXPORT_STORAGE_")}
    clean.update(DJANGO_SETTINGS_MODULE="collab.settings", DEBUG="1", **env)
    done = subprocess.run(
        [sys.executable, "-c", SHOW], cwd=REPO, env=clean, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_with_nothing_set_export_files_stay_on_this_machine():
    chosen = _storages()
    assert chosen["exports"] == {"BACKEND": "collab.storage.DurableFileSystemStorage"}
    # Council logos and static files are not export files: untouched by the choice.
    assert chosen["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"


def test_a_named_bucket_puts_export_files_in_it_privately():
    chosen = _storages(
        EXPORT_STORAGE_BUCKET="collab-exports",
        EXPORT_STORAGE_ENDPOINT_URL="http://127.0.0.1:9000",
        EXPORT_STORAGE_REGION=REGION,
        EXPORT_STORAGE_ACCESS_KEY_ID=KEYS["aws_access_key_id"],
        EXPORT_STORAGE_SECRET_ACCESS_KEY=KEYS["aws_secret_access_key"],
    )
    assert chosen["exports"] == s3_exports_storage(
        endpoint="http://127.0.0.1:9000", bucket="collab-exports"
    )
    assert chosen["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"


def test_on_aws_itself_no_endpoint_and_no_keys_are_needed():
    options = _storages(EXPORT_STORAGE_BUCKET="collab-exports")["exports"]["OPTIONS"]
    assert options["bucket_name"] == "collab-exports"
    # None: boto3 finds AWS's own endpoint and credentials (an instance role, say).
    assert (options["endpoint_url"], options["access_key"], options["addressing_style"]) == (
        None,
        None,
        None,
    )
