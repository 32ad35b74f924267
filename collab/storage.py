"""Where export files live: the `exports` storage of settings.STORAGES.

By default a folder on this machine (MEDIA_ROOT/exports/); in production with more than one
host, a private bucket on an S3-compatible server, so that a file one worker built is served by
whichever web host the officer reaches (settings, EXPORT_STORAGE_BUCKET). Every read, write,
deletion and listing of an export file goes through this storage's API, never a local path.
"""

from __future__ import annotations

import os

from django.core.files.storage import FileSystemStorage, storages
from django.utils.functional import LazyObject


class DurableFileSystemStorage(FileSystemStorage):
    """A folder on this machine, where a saved file is on disk before save() returns: an
    export is marked ready only after its file is saved, so a power cut cannot leave a ready
    export with a file whose end was still in memory."""

    def _save(self, name, content):
        name = super()._save(name, content)
        with open(self.path(name), "rb") as f:
            os.fsync(f.fileno())
        return name


class _ExportStorage(LazyObject):
    """storages["exports"], looked up at each use rather than once, when the model is
    imported: a change of settings.STORAGES (a test's) reaches the Export model's field too."""

    @property
    def _wrapped(self):
        return storages["exports"]

    @_wrapped.setter
    def _wrapped(self, value):
        pass  # LazyObject sets it to "empty" at first; there is nothing to keep.


export_storage = _ExportStorage()


def exports_storage() -> _ExportStorage:
    """The storage of officers.models.Export.file (a callable, so migrations name it)."""
    return export_storage
