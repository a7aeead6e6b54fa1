"""The app's database connections: one per browser session, however often a page reruns
(issue 18: 8 sessions on 1M rows left 17–27 connections open, 64 MB of cache each)."""

import gc
import os
from pathlib import Path

import pytest

from cxdata.store import sql


def _open_files_of(path: Path) -> int:
    """This process's file descriptors open on ``path`` (the OS's count, not the registry's)."""
    fd_dir = Path("/proc/self/fd")
    if not fd_dir.is_dir():
        pytest.skip("/proc/self/fd is Linux-only")
    target = str(path.resolve())
    count = 0
    for fd in fd_dir.iterdir():
        try:
            count += os.readlink(fd) == target
        except OSError:
            pass
    return count


@pytest.mark.parametrize("page", ["pages/trends.py", "pages/data.py"])
def test_ten_reruns_of_a_page_hold_one_connection(app, sample_db, fresh_database, page):
    sample_db.conn.close()
    at = app(page)
    # With the collector off, a connection nobody closes stays open, as it did on a busy
    # server where 8 sessions left 17-27 open: each must be closed (or reused), not dropped.
    gc.disable()
    try:
        for _ in range(10):
            at.run()
            assert not at.exception
        assert sql.open_connections(fresh_database) == 1
    finally:
        gc.enable()
    # The OS's view: SQLite keeps a closed connection's file open while another connection
    # of the process uses the file (POSIX locks are per process), so count after closing the
    # session's one: nothing else may hold the file.
    at.session_state["_cx_database"].conn.close()
    assert _open_files_of(fresh_database) == 0


@pytest.mark.sqlite_only("replaces the database file")
def test_a_restored_file_gets_a_new_connection(app, sample_db, fresh_database, tmp_path):
    """A restore renames a new file onto the path: the session's connection must follow it."""
    from cxdata import safekeeping

    at = app("pages/trends.py")
    safekeeping.backup(sample_db, tmp_path / "b.db")
    sample_db.execute("DELETE FROM themes")  # any write after the backup
    sample_db.conn.close()
    held = at.session_state["_cx_database"]
    safekeeping.restore(tmp_path / "b.db", fresh_database)
    at.run()
    assert not at.exception
    assert at.session_state["_cx_database"] is not held
    assert held.conn is not None and not held.reusable()
    gc.collect()
    assert sql.open_connections(fresh_database) == 1
