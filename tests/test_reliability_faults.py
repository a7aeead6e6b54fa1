"""Faults: an import killed half-way, imports racing each other and a reader, backups taken
while writing. Nothing stored is lost or half-written."""

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from cxdata import ingest, nps, safekeeping, sample, store
from cxdata.errors import InputError
from cxdata.store import counts

# Seconds each (processes killed mid-import, fuzzing, benchmark runs): not in make test-fast.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]


def bulk_file(folder: Path, rows: int, seed: int) -> Path:
    paths = sample.write_sample(folder, seed=seed, rows=rows)
    return paths["survey"]


def test_import_killed_half_way_leaves_the_database_as_it_was(tmp_path):
    path = tmp_path / "cx.db"
    db = store.connect(path)
    sample.import_sample(db, sample.write_sample(tmp_path / "small"))
    before = {t: store.count_rows(db, t) for t in (*store.KINDS, "datasets", "survey_counts")}
    db.conn.close()
    big = bulk_file(tmp_path / "big", 200_000, seed=3)
    child = subprocess.Popen(
        [sys.executable, "-m", "cxdata", "import", str(big), "--kind", "survey", "--db", str(path)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # Kill it while it writes: once the write-ahead log has grown past a few megabytes.
    wal = Path(str(path) + "-wal")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and child.poll() is None:
        if wal.exists() and wal.stat().st_size > 4 << 20:
            break
        time.sleep(0.02)
    assert child.poll() is None, "the import finished before it could be interrupted"
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    db = store.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    after = {t: store.count_rows(db, t) for t in before}
    assert after == before
    assert counts.consistent(db)


def _import_in_process(db_path: Path, csv: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cxdata",
            "import",
            str(csv),
            "--kind",
            "survey",
            "--source",
            csv.stem,
            "--db",
            str(db_path),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_imports_and_a_reader_at_once(tmp_path):
    path = tmp_path / "cx.db"
    store.connect(path).conn.close()
    first = bulk_file(tmp_path / "a", 30_000, seed=1).rename(tmp_path / "first.csv")
    second = bulk_file(tmp_path / "b", 20_000, seed=2).rename(tmp_path / "second.csv")
    seen: set[int] = set()
    errors: list[str] = []
    stop = threading.Event()

    def reader():
        db = store.connect(path)
        while not stop.is_set():
            try:
                table = nps.trend(db, "month", nps.Query())
                seen.add(int(table["n"].sum()) if not table.empty else 0)
            except sqlite3.OperationalError as exc:  # "database is locked" must not escape
                errors.append(str(exc))

    thread = threading.Thread(target=reader)
    thread.start()
    procs = [_import_in_process(path, first), _import_in_process(path, second)]
    outputs = [p.communicate(timeout=300) for p in procs]
    stop.set()
    thread.join()
    assert [p.returncode for p in procs] == [0, 0], [o[1] for o in outputs]
    assert not any("locked" in o[1] for o in outputs) and errors == []
    # The reader only ever saw whole imports: 0, either one, or both.
    assert seen <= {0, 30_000, 20_000, 50_000}
    db = store.connect(path)
    assert store.count_rows(db, "survey") == 50_000 and counts.consistent(db)


def test_backup_while_writing_is_consistent_and_restores(tmp_path):
    path = tmp_path / "cx.db"
    db = store.connect(path)
    sample.import_sample(db, sample.write_sample(tmp_path / "small"))
    big = bulk_file(tmp_path / "big", 30_000, seed=5)
    writer = _import_in_process(path, big)
    time.sleep(0.3)
    report = safekeeping.backup(db, tmp_path / "backup.db")
    writer.communicate(timeout=300)
    copy = store.connect(tmp_path / "backup.db")
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert report["survey"] in (9_130, 9_130 + 30_000)  # before the import, or after it
    assert counts.consistent(copy)  # a whole import or none, never half of one
    copy.conn.close()
    # Something goes wrong afterwards; the backup brings the data back.
    store.delete_dataset(db, store.list_datasets(db)[-1]["id"])
    db.conn.close()
    restored = safekeeping.restore(tmp_path / "backup.db", path)
    assert restored["survey"] == report["survey"]
    assert (tmp_path / "cx.db.before-restore").exists()


def test_restore_refuses_what_is_not_a_backup(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(InputError, match="not a SQLite database|not a sound"):
        safekeeping.restore(junk, tmp_path / "cx.db")
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(InputError, match="not a sound CX Compass backup"):
        safekeeping.restore(other, tmp_path / "cx.db")


def test_erase_removes_a_customer_everywhere_and_logs_only_that_it_happened(sample_db, tmp_path):
    customer = sample_db.execute(
        "SELECT customer_id FROM survey WHERE customer_id IN "
        "(SELECT customer_id FROM relationship) AND score <= 6 LIMIT 1"
    ).fetchone()[0]
    detractor = sample_db.execute(
        "SELECT id FROM survey WHERE customer_id = ? AND score <= 6", [customer]
    ).fetchone()[0]
    from cxdata import followups

    followups.save_followups(sample_db, [{"survey_id": detractor, "status": "contacted"}])
    bad = tmp_path / "bad.csv"
    bad.write_text(f"customer_id,date,score\n{customer},2025-01-01,11\nOTHER,2025-01-01,9\n")
    ingest.import_file(sample_db, bad, "survey")  # a rejected row that holds the id
    result = safekeeping.erase_customer(sample_db, customer)
    assert result["total"] > 0 and result["removed"]["followups"] == 1
    assert result["removed"]["rejected_rows"] == 1
    for table in store.KINDS:
        assert (
            sample_db.execute(
                f"SELECT count(*) FROM {table} WHERE customer_id = ?", [customer]
            ).fetchone()[0]
            == 0
        )
    assert counts.consistent(sample_db)
    log = sample_db.execute("SELECT * FROM erasures").fetchall()
    assert len(log) == 1 and customer not in str(log)


def test_erase_of_an_unknown_customer_changes_nothing_but_is_logged(sample_db):
    before = store.count_rows(sample_db, "survey")
    assert safekeeping.erase_customer(sample_db, "NOBODY")["total"] == 0
    assert store.count_rows(sample_db, "survey") == before
