"""The row writer of an import into an empty SQLite table, run as a script in a process of
its own (``python -I cxdata/store/scratch.py FILE``, started by
:class:`cxdata.ingest.stager.Stager`): Arrow record batches from stdin into a scratch table of
``FILE``, in the order they come. It imports Arrow and sqlite3 only (run by its path, not as
part of the package), so it starts in a fraction of a second. When it has written every row it
prints its peak memory in kB (Linux), which the benchmarks count.
"""

from __future__ import annotations

import sys

import pyarrow as pa

SCRATCH_TABLE = "cx_rows"


def main(path: str) -> None:
    """The child: rows from the Arrow stream on stdin into ``path``'s scratch table, in order."""
    import sqlite3

    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = OFF")  # a scratch file: nothing to recover
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("BEGIN")
    reader = pa.ipc.open_stream(sys.stdin.buffer)
    names = [f.name for f in reader.schema]
    conn.execute(f"CREATE TABLE {SCRATCH_TABLE} ({', '.join(names)})")
    insert = f"INSERT INTO {SCRATCH_TABLE} VALUES ({', '.join('?' for _ in names)})"
    for batch in reader:
        conn.executemany(insert, zip(*(column.to_pylist() for column in batch.columns)))
    conn.execute("COMMIT")
    conn.close()
    try:  # the peak memory, for the benchmarks (Linux only)
        with open("/proc/self/status") as status:
            sys.stdout.write(" ".join(s.split()[1] for s in status if s.startswith("VmHWM:")))
    except OSError:
        pass


if __name__ == "__main__":
    main(sys.argv[1])
