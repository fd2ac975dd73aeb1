"""Where attachment files live: a directory outside the web root, never served by URL.

settings.JIEFEN_UPLOAD_ROOT (default VAR_DIR/uploads). Files are only ever read back through
the download view, which checks access; the storage has no base URL.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils import timezone

DEFAULT_MAX_BYTES = 10 * 1024 * 1024


def upload_root() -> Path:
    return Path(getattr(settings, "JIEFEN_UPLOAD_ROOT", Path(settings.VAR_DIR) / "uploads"))


def max_bytes() -> int:
    return int(getattr(settings, "JIEFEN_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


class UploadStorage(FileSystemStorage):
    def url(self, name: str | None) -> str:
        raise NotImplementedError("attachments are served only through the download view")


def upload_storage() -> UploadStorage:
    # Read the settings on every call: tests and deployments may move the directory.
    return UploadStorage(location=upload_root(), base_url=None, file_permissions_mode=0o640)


def random_name() -> str:
    """A name that reveals nothing of the file: year/month/128 random bits, no extension."""
    now = timezone.now()
    return f"{now:%Y}/{now:%m}/{secrets.token_hex(16)}"
