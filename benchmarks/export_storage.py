"""Memory and time of saving and downloading large export files in a bucket.

Run from the repository root:

    .venv/bin/python benchmarks/export_storage.py 10 40 100

Starts moto's S3 server in a process of its own on a free loopback port (so its memory is not
counted), points the exports storage at a bucket there as EXPORT_STORAGE_BUCKET would
(tests/s3.py), and for each size in MB saves a file of random bytes through
officers.services._file_store (a temporary file, then storage.save: the path every export
build takes) and reads it back as the download view does (FileResponse over storage.open),
measuring the peak of Python's allocations (tracemalloc) in this process during each.
Building the export's content (officers/exports.py, into a temporary file) is not counted:
what is measured is what the storage adds; benchmarks/exports_at_scale.py measures the build.
Prints a Markdown section for docs/benchmarks.md ("## Export files in a bucket").
"""

from __future__ import annotations

import os
import platform
import socket
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"

import django


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(sizes: list[int]) -> None:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        endpoint = f"http://127.0.0.1:{port}"
        django.setup()
        from django.conf import settings
        from django.core.files.storage import storages
        from django.http import FileResponse

        from officers.services import _file_store
        from tests.s3 import REGION, s3_client, s3_exports_storage

        client = s3_client(endpoint)
        for _ in range(50):
            try:
                client.create_bucket(
                    Bucket="bench", CreateBucketConfiguration={"LocationConstraint": REGION}
                )
                break
            except Exception:  # the server is still starting
                time.sleep(0.2)
        settings.STORAGES = {
            **settings.STORAGES,
            "exports": s3_exports_storage(endpoint=endpoint, bucket="bench"),
        }
        storage = storages["exports"]
        rows = []
        for mb in sizes:
            content = os.urandom(mb * 1024 * 1024)
            tracemalloc.start()
            started = time.perf_counter()
            name = _file_store(storage=storage, name=f"exports/b/b/1-{mb}.csv", content=content)
            saved = time.perf_counter() - started
            _, save_peak = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()
            started = time.perf_counter()
            response = FileResponse(storage.open(name, "rb"))
            size = sum(len(chunk) for chunk in response.streaming_content)
            response.close()
            read = time.perf_counter() - started
            _, read_peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            assert size == len(content)
            rows.append((mb, save_peak / 2**20, saved, read_peak / 2**20, read))
            storage.delete(name)
    finally:
        server.terminate()
        server.wait()

    print("## Export files in a bucket\n")
    print(f"`benchmarks/export_storage.py`, Python {platform.python_version()}, moto's S3 server")
    print("on loopback. Peak of this process's allocations while saving and downloading.\n")
    print("| file | save: peak | save: time | download: peak | download: time |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    for mb, save_peak, saved, read_peak, read in rows:
        print(
            f"| {mb} MB | {save_peak:.1f} MB | {saved:.1f} s | {read_peak:.1f} MB | {read:.1f} s |"
        )


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10, 40, 100])
