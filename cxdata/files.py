"""Files CX Compass writes appear whole or not at all.

Each is written under a temporary name in the same folder and renamed onto its final name
(``os.replace``, atomic on one file system), so a full disk or a crash mid-write never leaves a
truncated file under the name a user opens — an earlier file of that name stays as it was.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cxdata.errors import InputError


@contextmanager
def atomic_target(path: str | os.PathLike) -> Iterator[Path]:
    """A temporary path next to ``path`` to write to; renamed onto ``path`` when the block
    ends without an exception, removed when it raises.

    >>> import tempfile; folder = Path(tempfile.mkdtemp())
    >>> with atomic_target(folder / "a.txt") as tmp:
    ...     _ = tmp.write_text("whole")
    >>> (folder / "a.txt").read_text(), sorted(p.name for p in folder.iterdir())
    ('whole', ['a.txt'])
    """
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path} is a folder: give a file name to write.")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.partial")
        # Created with the usual permissions (0666 less the umask), unlike mkstemp's 0600.
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    except OSError as exc:
        raise InputError(f"Could not write {path}: {exc.strerror}.") from None
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise InputError(f"Could not write {path}: {exc.strerror or exc}.") from None
        raise


def write_atomic(path: str | os.PathLike, data: bytes | str) -> Path:
    """Write ``data`` (text as UTF-8) to ``path`` whole or not at all; returns ``path``.

    The bytes are flushed to disk before the rename, so after a power cut the file holds
    either its old content or the new one.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_target(path) as tmp:
        with open(tmp, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
    return Path(path)
