"""An import into an empty SQLite table hands its rows to a process of its own
(cxdata.ingest.stager), which writes them to a scratch file that the import copies from in its
transaction. The stored rows must be exactly those of the import's own insert, value for value
and type for type; the scratch file never outlives the import; a failure of the child stores
nothing."""

import os
import sys

import pytest

import cxdata.ingest as ingest_module
from cxdata import ingest, store
from cxdata.ingest import stager
from tests.test_ingest_fast_read import CORPUS, KINDS

pytestmark = pytest.mark.sqlite_only("the scratch file is SQLite's")


@pytest.fixture
def staged_always(monkeypatch):
    """Every import into an empty table defers its key and goes through the child; returns the
    scratch files made."""
    monkeypatch.setattr(ingest_module, "_DEFER_INDEXES_ROWS", 0)
    monkeypatch.setattr(ingest_module, "_STAGE_ROWS", 0)
    made = []
    original = stager.scratch_path

    def spy(database_file):
        made.append(original(database_file))
        return made[-1]

    monkeypatch.setattr(ingest_module, "scratch_path", spy)
    return made


def typed_rows(db, kind):
    """Every stored row, each value with its SQLite type (5 and 5.0 differ here)."""
    names = [c.name for c in db[kind].columns]
    values = ", ".join(f"{store.quote(n)}, typeof({store.quote(n)})" for n in names)
    return db.execute(f"SELECT {values} FROM {store.quote(kind)} ORDER BY id").fetchall()


def import_file(path, db_path, **options):
    kind = KINDS.get(path.name, "survey")
    if path.name == "no_date_wave.csv":
        options = {"wave": "W1", "wave_date": "2025-03-31", **options}
    db = store.connect(db_path)
    try:
        report = ingest.import_file(db, path, kind, **options).to_dict()
        report.pop("dataset_id")
    except Exception as exc:  # InputError: the message must match too
        report = type(exc).__name__ + ": " + str(exc)
    return db, kind, report


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_rows_through_the_child_are_the_rows_of_the_own_insert(
    path, tmp_path, monkeypatch, staged_always
):
    staged_db, kind, staged = import_file(path, tmp_path / "staged.db")
    with monkeypatch.context() as m:
        m.setattr(ingest_module, "_STAGE_ROWS", 1 << 60)
        own_db, _, own = import_file(path, tmp_path / "own.db")
    assert staged == own
    if isinstance(own, dict):
        assert staged_always  # the rows went through the child
        assert typed_rows(staged_db, kind) == typed_rows(own_db, kind)
    assert not [p for p in staged_always if p.exists()]  # every scratch file is gone
    assert not list(tmp_path.glob(stager.SCRATCH_PREFIX + "*"))


def test_the_child_is_used_for_a_large_import_and_leaves_nothing(tmp_path, staged_always):
    lines = [
        f"R{i},2025-01-{1 + i % 28:02d},{i % 11},{i % 5},{'yes' if i % 3 else ''}"
        for i in range(3000)
    ]
    path = tmp_path / "plain.csv"
    path.write_text("response_id,date,score,ease,comment\n" + "\n".join(lines) + "\n")
    db, kind, report = import_file(path, tmp_path / "x.db")
    assert report["accepted"] == 3000 and len(staged_always) == 1
    assert not staged_always[0].exists()
    assert db.execute(
        "SELECT ease, typeof(ease) FROM survey WHERE response_id = 'R7'"
    ).fetchone() == (
        2.0,
        "real",
    )
    attached = [name for _, name, _ in db.execute("PRAGMA database_list").fetchall()]
    assert stager.SCRATCH_PREFIX not in str(attached) and "cx_scratch" not in attached


def test_a_child_that_fails_stores_nothing(tmp_path, monkeypatch, staged_always):
    path = tmp_path / "plain.csv"
    path.write_text(
        "response_id,date,score\n" + "".join(f"R{i},2025-01-05,{i % 11}\n" for i in range(500))
    )
    db = store.connect(tmp_path / "x.db")
    with monkeypatch.context() as m:
        m.setattr(sys, "executable", "/bin/false")  # the child exits at once, with an error
        with pytest.raises(RuntimeError, match="row writer stopped"):
            ingest.import_file(db, path, "survey")
    assert db.execute("SELECT count(*) FROM survey").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM datasets").fetchone()[0] == 0
    assert not [p for p in staged_always if p.exists()]
    assert ingest.import_file(db, path, "survey").accepted == 500  # and the next try works


def test_a_scratch_file_left_by_a_killed_import_is_deleted(tmp_path):
    # A process that no longer runs (pid 2**22 + 1 is above Linux's default pid_max).
    left = tmp_path / f"{stager.SCRATCH_PREFIX}{2**22 + 1}-abc.db"
    left.write_bytes(b"personal data")
    ours = tmp_path / f"{stager.SCRATCH_PREFIX}{os.getpid()}-def.db"  # still running
    ours.write_bytes(b"")
    new = stager.scratch_path(str(tmp_path / "cx.db"))
    assert not left.exists() and ours.exists() and new.exists()
    assert oct(new.stat().st_mode & 0o777) == "0o600"  # only its owner may read it


def test_a_chunk_the_child_cannot_take_is_imported_without_it(tmp_path, monkeypatch, staged_always):
    path = tmp_path / "plain.csv"
    path.write_text(
        "response_id,date,score\n" + "".join(f"R{i},2025-01-05,{i % 11}\n" for i in range(500))
    )

    def refuse(self, names, columns):
        raise stager.ScratchUnusable("a column changed type")

    monkeypatch.setattr(stager.Stager, "send", refuse)
    db = store.connect(tmp_path / "x.db")
    assert ingest.import_file(db, path, "survey").accepted == 500
    assert db.execute("SELECT count(*) FROM datasets").fetchone()[0] == 1
    assert not [p for p in staged_always if p.exists()]
