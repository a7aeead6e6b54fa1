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


class _Server:
    """Stands in for Streamlit's runtime: which sessions it still counts as active."""

    def __init__(self, active: set[str]):
        self.active = active

    def is_active_session(self, session_id: str) -> bool:
        return session_id in self.active


def _handed_out(address, expected: int) -> bool:
    """Whether the process's pool for ``address`` has ``expected`` connections out (within
    10 s: the pool takes a returned one back in a worker thread)."""
    import time

    from cxdata.store import postgres

    deadline = time.monotonic() + 10
    while True:
        stats = postgres.pool(str(address)).get_stats()
        if stats["pool_size"] - stats["pool_available"] == expected:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


def _finished_thread():
    import threading

    thread = threading.Thread(target=lambda: None)
    thread.start()
    thread.join()
    return thread


def test_an_ended_session_gives_its_connection_back(app, sample_db, fresh_database, monkeypatch):
    """What the server's sweep does (tests/e2e/test_sessions.py watches it on a real server):
    the connection of a session the runtime no longer counts closes (on PostgreSQL: goes back
    to the pool); an active session's, and one whose script is still running, stay open; a
    session that comes back gets a new connection."""
    import threading

    from ui import common

    sample_db.conn.close()
    ended, active, running = app("pages/trends.py"), app("pages/data.py"), app("pages/trends.py")
    held = {
        name: at.session_state["_cx_database"]
        for name, at in [("ended", ended), ("active", active), ("running", running)]
    }
    assert sql.open_connections(fresh_database) == 3
    monkeypatch.setattr(
        common,
        "_held",
        {
            "ended": (held["ended"], _finished_thread()),
            "active": (held["active"], _finished_thread()),
            "running": (held["running"], threading.current_thread()),  # alive: a run in progress
        },
    )
    monkeypatch.setattr(common, "_server", lambda: _Server({"active"}))
    on_server = sql.is_url(fresh_database)
    if on_server:
        assert _handed_out(fresh_database, 3)
    assert common.close_ended_sessions() == 1
    assert sql.open_connections(fresh_database) == 2
    assert not held["ended"].reusable() and held["active"].reusable()
    assert held["running"].reusable()
    assert set(common._held) == {"active", "running"}
    if on_server:
        assert _handed_out(fresh_database, 2)  # the pool has it back
    assert common.close_ended_sessions() == 0  # nothing more to close

    monkeypatch.setattr(common, "_server", lambda: None)  # AppTest again: no server
    ended.switch_page("pages/data.py").run()
    assert not ended.exception
    assert ended.session_state["_cx_database"] is not held["ended"]
    assert sql.open_connections(fresh_database) == 3
    for at in (ended, active, running):
        at.session_state["_cx_database"].conn.close()
