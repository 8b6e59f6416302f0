"""Uploaded files kept on the server between their preview and its confirmation.

Every import page works the same way (the admin's spreadsheet imports, the bank
statements, the third parties): the preview reads the file and writes nothing; the bytes
are kept here, under the user and the file's sha256, with what was asked beside them
(kind, lab, bank account, file name...); the confirmation names only the sha256 and
imports exactly the bytes that were previewed, as they were previewed (a re-upload or an
edited form is never trusted). A kept file is forgotten once used, and after a day when
its preview is never confirmed.

`area` separates the pages' files ("" for the admin's imports, "bank", "third-parties"):
a confirmation finds only the files of its own page.
"""

import json
import re
import time
from pathlib import Path
from typing import Any

from django.conf import settings

SHA256 = re.compile(r"[0-9a-f]{64}")
KEEP_SECONDS = 24 * 3600
_SUFFIXES = (".upload", ".json")


def _directory(area: str) -> Path:
    base = Path(getattr(settings, "IMPORT_UPLOAD_DIR", settings.VAR_DIR / "imports"))
    directory = base / area if area else base
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _path(area: str, user_id: int, sha256: str, suffix: str) -> Path | None:
    if not SHA256.fullmatch(sha256):
        return None  # never a path built from what a form sent
    return _directory(area) / f"{int(user_id)}-{sha256}{suffix}"


def forget_old(area: str) -> None:
    """Previews never confirmed are not kept past a day."""
    limit = time.time() - KEEP_SECONDS
    for suffix in _SUFFIXES:
        for stale in _directory(area).glob(f"*{suffix}"):
            if stale.stat().st_mtime < limit:
                stale.unlink(missing_ok=True)


def keep(area: str, user_id: int, sha256: str, data: bytes, asked: dict[str, Any]) -> None:
    """Keep a previewed file and what was asked of it, for its confirmation."""
    forget_old(area)
    data_path, asked_path = (
        _path(area, user_id, sha256, ".upload"),
        _path(area, user_id, sha256, ".json"),
    )
    if data_path is None or asked_path is None:
        raise ValueError("not a sha256")
    data_path.write_bytes(data)
    asked_path.write_text(json.dumps(asked))


def kept(area: str, user_id: int, sha256: str) -> tuple[bytes, dict[str, Any]] | None:
    """The bytes and what was asked of a file this user previewed; None when there is no
    such preview (over a day old, already confirmed, or another user's)."""
    data_path, asked_path = (
        _path(area, user_id, sha256, ".upload"),
        _path(area, user_id, sha256, ".json"),
    )
    if data_path is None or asked_path is None:
        return None
    try:
        if time.time() - data_path.stat().st_mtime > KEEP_SECONDS:
            return None  # a preview of yesterday is confirmed no more
        asked = json.loads(asked_path.read_text())
        data = data_path.read_bytes()
    except (OSError, ValueError):
        return None
    return (data, asked) if isinstance(asked, dict) else None


def forget(area: str, user_id: int, sha256: str) -> None:
    """Forget a kept file (it was imported, or its preview cannot be confirmed)."""
    for suffix in _SUFFIXES:
        path = _path(area, user_id, sha256, suffix)
        if path is not None:
            path.unlink(missing_ok=True)
