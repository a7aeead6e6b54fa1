"""The Arrow fast reader (used for large plain UTF-8 files) must give exactly what the pandas
reader gives: the same report and the same stored rows, for every file in the corpus; files
it cannot read (ragged rows, blank lines, bad UTF-8) fall back to pandas."""

import pytest

from cxdata import ingest, store
from cxdata.ingest import chunks
from tests.conftest import DATA

KINDS = {"transactional.csv": "transactional", "no_date_wave.csv": "relationship"}
CORPUS = sorted(p for p in DATA.glob("*.csv") if p.name not in ("mtcars.csv",))


def import_with(path, tmp_path, monkeypatch, fast: bool, name: str):
    monkeypatch.setattr(chunks, "_FAST_READ_BYTES", 0 if fast else 1 << 60)
    db = store.connect(tmp_path / f"{name}.db")
    kind = KINDS.get(path.name, "survey")
    extra = {"wave": "W1", "wave_date": "2025-03-31"} if kind == "relationship" else {}
    try:
        report = ingest.import_file(db, path, kind, **extra).to_dict()
    except Exception as exc:  # InputError: the message must match too
        return db, type(exc).__name__ + ": " + str(exc)
    report.pop("dataset_id")
    return db, report


def rows(db, kind):
    return db.execute(f"SELECT * FROM {store.quote(kind)} ORDER BY id").fetchall()


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_fast_and_pandas_readers_agree(path, tmp_path, monkeypatch):
    fast_db, fast = import_with(path, tmp_path, monkeypatch, True, "fast")
    slow_db, slow = import_with(path, tmp_path, monkeypatch, False, "slow")
    assert fast == slow
    kind = KINDS.get(path.name, "survey")
    assert rows(fast_db, kind) == rows(slow_db, kind)


def test_fast_reader_is_used_for_a_plain_file(tmp_path, monkeypatch):
    monkeypatch.setattr(chunks, "_FAST_READ_BYTES", 0)
    path = tmp_path / "plain.csv"
    path.write_text("date,score\n" + "".join(f"2025-01-{d:02d},{d % 11}\n" for d in range(1, 29)))
    used = []
    original = chunks._arrow_chunks

    def spy(*args):
        used.append(True)
        yield from original(*args)

    monkeypatch.setattr(chunks, "_arrow_chunks", spy)
    report = ingest.import_file(store.connect(tmp_path / "x.db"), path, "survey")
    assert used and report.accepted == 28
