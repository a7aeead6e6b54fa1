"""Handing an import's rows to SQLite in a process of its own (SQLite, an import into an empty
table), so that it overlaps the parsing of the next chunk.

Binding each value of each row costs a call under Python's lock, and the import's other work
on the next chunk (pandas, Arrow) needs the same lock: in one process the two take turns, and a
write thread gains nothing. A :class:`Stager` sends each chunk's columns as Arrow record
batches through a pipe to a child Python process (:mod:`cxdata.store.scratch` run as a
script, importing only Arrow and sqlite3), which inserts them into a scratch SQLite file
while this process parses the next chunk. At the end the import copies the scratch table
into its own table in one statement, inside its transaction
(:func:`cxdata.store.imports.copy_scratch`), and the scratch file is deleted, whatever
happened. The scratch file lies beside the database (the same disk
and permissions); one left by a process that was killed is deleted by the next import there.

The child never decides anything: the rows it gets are the rows the import would have
inserted, in file order, and the copy takes them in that order.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pyarrow as pa

from cxdata.store import scratch as _scratch_writer

SCRATCH_PREFIX = "cx-scratch-"
# The child: cxdata/store/scratch.py run as a script (its SQL lives in the store).
_CHILD = _scratch_writer.__file__


class ScratchUnusable(Exception):
    """A chunk's column cannot be sent with the type of the first chunk's: the import is rolled
    back and made again with its rows inserted by the import itself (never seen so far)."""


class Stager:
    """The child process and its scratch file, for one import. :meth:`send` each chunk's
    columns, then :meth:`finish` (the scratch file holds every row) or :meth:`discard`."""

    # The peak resident memory the last child that finished reported (for benchmarks/).
    last_peak_mb: float = 0.0

    def __init__(self, path: Path):
        self.path = path
        self.names: list[str] | None = None
        self._schema: pa.Schema | None = None
        self._errors = tempfile.TemporaryFile()
        self._proc = subprocess.Popen(
            [sys.executable, "-I", _CHILD, str(path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._errors,
        )
        self._stream: pa.ipc.RecordBatchStreamWriter | None = None

    def send(self, names: list[str], columns: list) -> None:
        """Send one chunk's rows: ``columns`` (pandas Series or numpy arrays, one per name)."""
        if self.names is None:
            self.names = list(names)
        elif names != self.names:
            raise ScratchUnusable(f"columns changed: {names} after {self.names}")
        arrays = [_arrow(c) for c in columns]
        if self._schema is None:
            fields = [pa.field(f"c{i}", _settled(a.type)) for i, a in enumerate(arrays)]
            self._schema = pa.schema(fields)
            assert self._proc.stdin is not None
            self._stream = pa.ipc.new_stream(self._proc.stdin, self._schema)
        try:
            arrays = [a.cast(f.type) for a, f in zip(arrays, self._schema)]
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
            raise ScratchUnusable(str(exc)) from None
        assert self._stream is not None
        try:
            self._stream.write_batch(pa.RecordBatch.from_arrays(arrays, schema=self._schema))
        except (BrokenPipeError, OSError):
            self.finish()  # the child has failed: raise what it said
            raise

    def finish(self) -> None:
        """Wait for the child to have written every row sent; its error if it failed."""
        try:
            if self._stream is not None:
                self._stream.close()
            if self._proc.stdin is not None:
                self._proc.stdin.close()
        except (BrokenPipeError, OSError):
            pass
        assert self._proc.stdout is not None
        said_peak = self._proc.stdout.read().decode("ascii", "replace").split()
        if self._proc.wait() == 0 and said_peak:
            Stager.last_peak_mb = int(said_peak[-1]) / 1024
        if self._proc.returncode != 0:
            self._errors.seek(0)
            said = self._errors.read().decode("utf-8", "replace").strip().splitlines()
            raise RuntimeError(
                "The import's row writer stopped: " + (said[-1] if said else "no message")
            )

    def discard(self) -> None:
        """Stop the child, if it still runs (the caller deletes the scratch file once it has
        detached it)."""
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()
        self._errors.close()


def scratch_path(database_file: str) -> Path:
    """A new scratch file's name beside ``database_file`` (or in the temporary folder for a
    database without a file), after deleting those left by processes that no longer run."""
    folder = Path(database_file).parent if database_file else Path(tempfile.gettempdir())
    for old in folder.glob(SCRATCH_PREFIX + "*.db"):
        match = re.match(re.escape(SCRATCH_PREFIX) + r"(\d+)-", old.name)
        if match and not _running(int(match.group(1))):
            remove_scratch(old)
    handle, name = tempfile.mkstemp(
        prefix=f"{SCRATCH_PREFIX}{os.getpid()}-", suffix=".db", dir=folder
    )
    os.close(handle)
    return Path(name)


def remove_scratch(path: Path) -> None:
    for suffix in ("", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _arrow(values) -> pa.Array:
    """One column as Arrow, with missing values as nulls (the Python value SQLite is given is
    then what the import's own insert would give: text, whole numbers, floats, booleans)."""
    import numpy as np
    import pandas as pd

    if not isinstance(values, (pd.Series, np.ndarray)):
        values = np.asarray(values, dtype=object)
    a = pa.array(values, from_pandas=True)
    return a.combine_chunks() if isinstance(a, pa.ChunkedArray) else a


def _settled(kind: pa.DataType) -> pa.DataType:
    """The type a column keeps for the whole import: text for a first chunk of nulls only."""
    if pa.types.is_null(kind) or pa.types.is_string(kind):
        return pa.large_string()
    return kind
