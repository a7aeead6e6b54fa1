"""Erasure, backups, restores, read-only databases and busy writers (issue 18)."""

import hashlib
import json
import os
import sqlite3
import stat

import pytest

from cxdata import cli, ingest, safekeeping, store
from cxdata.errors import InputError
from cxdata.store import sql

MARKER = "MARKER-ZQX-7731-unique"


def _db_with_customer(folder):
    """``folder``/cx.db holding customers C123 (comment MARKER), C1234 and C9."""
    folder.mkdir(parents=True, exist_ok=True)
    db = store.connect(folder / "cx.db")
    csv = folder / "survey.csv"
    csv.write_text(
        "response_id,customer_id,date,score,comment\n"
        f"r1,C123,2025-01-05,3,{MARKER}\n"
        "r2,C1234,2025-01-06,9,fine\n"
        "r3,C9,2025-01-07,10,good\n"
    )
    ingest.import_file(db, csv, "survey")
    return db


def _file_bytes(path) -> bytes:
    out = b""
    for name in (str(path), str(path) + "-wal"):
        if os.path.exists(name):
            with open(name, "rb") as f:
                out += f.read()
    return out


# --- 1. secure delete ---------------------------------------------------------------------


def test_erased_text_is_gone_from_the_file_even_where_sqlite_defaults_to_keeping_it(
    tmp_path, monkeypatch
):
    """This platform's SQLite is built with secure delete on; SQLite's own default is off.
    Every new connection starts with it off here, as on such a build: ours must turn it on."""
    real_connect = sqlite3.connect

    def connect_as_sqlite_defaults(*args, **kwargs):
        conn = real_connect(*args, **kwargs)
        conn.execute("PRAGMA secure_delete = OFF")
        return conn

    monkeypatch.setattr(sqlite3, "connect", connect_as_sqlite_defaults)
    db = _db_with_customer(tmp_path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert MARKER.encode() in _file_bytes(tmp_path / "cx.db")
    safekeeping.erase_customer(db, "C123")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert MARKER.encode() not in _file_bytes(tmp_path / "cx.db")


def test_erasure_empties_the_write_ahead_log(tmp_path):
    db = _db_with_customer(tmp_path)
    result = safekeeping.erase_customer(db, "C123")
    assert result["wal_cleared"] is True
    assert os.path.getsize(str(tmp_path / "cx.db") + "-wal") == 0


# --- 2. rejected rows with spaces around the id -------------------------------------------


def test_erasure_removes_a_rejected_row_whose_id_cell_has_spaces_around_it(tmp_path):
    db = _db_with_customer(tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "response_id,customer_id,date,score\n"
        'x1,"  C123 ",2025-02-01,11\n'
        "x2,C1234 ,2025-02-01,12\n"
        "x3,C9,2025-02-01,5\n"
    )
    ingest.import_file(db, bad, "survey")
    stored = [r[0] for r in db.execute("SELECT cells FROM dataset_rejections")]
    assert any("  C123 " in json.loads(cells) for cells in stored)  # kept as it came
    result = safekeeping.erase_customer(db, "C123")
    assert result["removed"]["rejected_rows"] == 1
    left = [json.loads(r[0]) for r in db.execute("SELECT cells FROM dataset_rejections")]
    assert [cells[1] for cells in left] == ["C1234 "]  # C1234 is someone else


# --- 3. backups made before the erasure ---------------------------------------------------


def test_erasure_lists_earlier_backups_in_the_backup_folder_that_hold_the_customer(tmp_path):
    db = _db_with_customer(tmp_path)
    made = safekeeping.backup(db)  # the default: backups/ next to the database
    assert os.path.dirname(made["out"]) == str(tmp_path / "backups")
    result = safekeeping.erase_customer(db, "C123")
    assert result["backups_holding"] == [{"path": made["out"], "rows": 1}]
    assert (
        made["out"] in result["backups_note"]
        and "still holds the customer" in (result["backups_note"])
    )
    assert "outside" in result["backups_note"]


def test_erase_command_prints_the_backup_note_and_gives_it_in_json(tmp_path, capsys):
    db = _db_with_customer(tmp_path)
    made = safekeeping.backup(db)
    db.conn.close()
    path = str(tmp_path / "cx.db")
    assert cli.main(["erase", "--customer", "C1234", "--db", path, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["backups_holding"][0]["path"] == made["out"]
    assert cli.main(["erase", "--customer", "C9", "--db", path]) == 0
    assert "made before this erasure still holds the customer: " + made["out"] in (
        capsys.readouterr().out
    )


# --- 4. restore -----------------------------------------------------------------------------


def _sha(path) -> str:
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


@pytest.fixture
def backup_file(tmp_path):
    db = _db_with_customer(tmp_path / "src")
    out = safekeeping.backup(db, tmp_path / "backup.db")["out"]
    db.conn.close()
    return out


def test_restore_over_a_corrupt_database_succeeds_and_keeps_the_corrupt_file(tmp_path, backup_file):
    path = tmp_path / "cx.db"
    path.write_bytes(b"SQLite format 3\x00" + b"\x07" * 5000)  # a damaged database
    result = safekeeping.restore(backup_file, path)
    assert result["survey"] == 3
    assert result["kept"] == str(tmp_path / "cx.db.before-restore")
    assert (tmp_path / "cx.db.before-restore").read_bytes()[16:32] == b"\x07" * 16
    assert store.count_rows(store.connect(path), "survey") == 3


def test_restore_of_a_truncated_backup_is_refused_and_changes_nothing(tmp_path, backup_file):
    db = _db_with_customer(tmp_path)
    db.conn.close()
    path = tmp_path / "cx.db"
    before = _sha(path)
    broken = tmp_path / "broken.db"
    data = open(backup_file, "rb").read()
    broken.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="nothing was changed"):
        safekeeping.restore(broken, path)
    assert _sha(path) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("cx.db")) == ["cx.db"]


@pytest.mark.parametrize(
    "extra, named",
    [
        (
            "CREATE TRIGGER wipe AFTER INSERT ON datasets BEGIN DELETE FROM survey; END",
            "trigger wipe",
        ),
        ("CREATE VIEW peek AS SELECT comment FROM survey", "view peek"),
        ("CREATE TABLE stash (x)", "table stash"),
    ],
)
def test_restore_refuses_a_backup_carrying_objects_we_never_create(
    tmp_path, backup_file, extra, named
):
    conn = sqlite3.connect(backup_file)
    conn.execute(extra)
    conn.commit()
    conn.close()
    db = _db_with_customer(tmp_path)
    db.conn.close()
    before = _sha(tmp_path / "cx.db")
    with pytest.raises(InputError, match=f"never creates: {named}.*nothing was changed"):
        safekeeping.restore(backup_file, tmp_path / "cx.db")
    assert _sha(tmp_path / "cx.db") == before


def test_restore_refuses_a_backup_from_a_newer_version(tmp_path, backup_file):
    conn = sqlite3.connect(backup_file)
    conn.execute("INSERT INTO schema_version VALUES (?, 'later')", [store.SCHEMA_VERSION + 1])
    conn.commit()
    conn.close()
    with pytest.raises(InputError, match="schema version .* not one this version"):
        safekeeping.restore(backup_file, tmp_path / "cx.db")


def test_restore_says_where_the_old_database_went(tmp_path, backup_file, capsys):
    _db_with_customer(tmp_path).conn.close()
    path = str(tmp_path / "cx.db")
    assert cli.main(["restore", backup_file, "--db", path]) == 0
    assert cli.main(["restore", backup_file, "--db", path]) == 0  # an earlier copy stays
    out = capsys.readouterr().out
    assert f"kept at {path}.before-restore\n" in out and f"kept at {path}.before-restore-2" in out


# --- 6. read-only databases ------------------------------------------------------------------


def _read_only_folder_db(tmp_path):
    db = _db_with_customer(tmp_path / "ro")
    db.conn.close()  # the last connection: -wal and -shm are removed
    folder = tmp_path / "ro"
    assert not (folder / "cx.db-shm").exists()
    return folder


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through any permission bits")
def test_a_database_in_a_read_only_folder_can_be_read_not_written(tmp_path):
    folder = _read_only_folder_db(tmp_path)
    os.chmod(folder / "cx.db", stat.S_IRUSR)
    os.chmod(folder, stat.S_IRUSR | stat.S_IXUSR)
    try:
        db = store.connect(folder / "cx.db")
        assert store.count_rows(db, "survey") == 3
        with pytest.raises(InputError, match="read-only.*Copy it to a writable folder"):
            safekeeping.erase_customer(db, "C123")
    finally:
        os.chmod(folder, stat.S_IRWXU)


def test_a_database_the_os_reports_unwritable_is_opened_read_only(tmp_path, monkeypatch):
    """Runs as root too, where chmod stops nothing: the OS's answer (``os.access``) is faked,
    so this covers the decision, the read-only open of a WAL database without ``-shm`` and
    the refused write — not the permission error itself (the test above does, as non-root)."""
    folder = _read_only_folder_db(tmp_path)
    real_access = os.access
    monkeypatch.setattr(
        os, "access", lambda p, mode: False if mode == os.W_OK else real_access(p, mode)
    )
    db = store.connect(folder / "cx.db")
    assert db.read_only and store.count_rows(db, "survey") == 3
    with pytest.raises(InputError, match="is read-only"):
        safekeeping.erase_customer(db, "C123")
    assert store.count_rows(db, "survey") == 3


def test_a_read_only_database_that_needs_migrating_says_so(tmp_path, monkeypatch):
    folder = _read_only_folder_db(tmp_path)
    conn = sqlite3.connect(folder / "cx.db")
    conn.execute("DELETE FROM schema_version WHERE version = ?", [store.SCHEMA_VERSION])
    conn.commit()
    conn.close()
    monkeypatch.setattr(sql, "read_only_needed", lambda path: True)
    with pytest.raises(InputError, match="is read-only"):
        store.connect(folder / "cx.db")


# --- 7. busy writers ---------------------------------------------------------------------


def test_a_short_writer_behind_a_long_import_gets_a_clear_message(tmp_path):
    db = _db_with_customer(tmp_path)
    importer = store.connect(tmp_path / "cx.db")
    importer.execute("BEGIN IMMEDIATE")  # holds the write lock, as a long import does
    db.execute("PRAGMA busy_timeout = 200")
    try:
        with pytest.raises(InputError, match=r"Another import is writing.*\(waited 0.2 s\)"):
            safekeeping.erase_customer(db, "C123")
    finally:
        importer.execute("ROLLBACK")
    assert safekeeping.erase_customer(db, "C123")["total"] == 1  # once it finished
