"""Bounded memory (issue 18, item 5): a cell longer than MAX_FIELD_CHARS is refused by the
byte scan, with its row, line and column, before a CSV reader builds it (pandas needs about 17
times a cell's size), and peak memory stays a small multiple of that limit, not of the file."""

import tracemalloc

import pytest

from cxdata import ingest, store
from cxdata.errors import InputError

HEADER = b"response_id,date,score,comment\n"
# The limit (cxdata.ingest.sniff.MAX_FIELD_CHARS) as documented, 1 MiB; a test checks they agree.
MAX_FIELD_CHARS = 1 << 20


def giant_file(path, size: int):
    with open(path, "wb") as f:
        f.write(HEADER + b"a,2025-01-02,9,x\nb,2025-01-03,8,")
        chunk = b"y" * (1 << 20)
        for _ in range(size // len(chunk)):
            f.write(chunk)
        f.write(b"\nc,2025-01-04,7,z\n")
    return path


def test_a_3_mb_cell_is_refused_with_its_row_line_and_column(db, tmp_path):
    path = giant_file(tmp_path / "big.csv", 3 << 20)
    with pytest.raises(InputError) as error:
        ingest.import_file(db, path, "survey")
    assert "row 2 (line 3), column 'comment'" in str(error.value)
    assert f"{MAX_FIELD_CHARS:,} characters" in str(error.value)
    assert store.count_rows(db, "survey") == 0


def test_a_long_cell_in_a_utf16_file_is_refused(db, tmp_path):
    path = tmp_path / "wide.csv"
    text = "response_id,date,score,comment\na,2025-01-02,9," + "y" * (MAX_FIELD_CHARS + 10)
    path.write_bytes(text.encode("utf-16"))
    with pytest.raises(InputError, match="row 1 \\(line 2\\), column 'comment'"):
        ingest.import_file(db, path, "survey")


def test_the_documented_limit_is_the_one_applied():
    import importlib

    from cxdata.ingest import sniff as _  # noqa: F401  (the package re-exports the function)

    assert importlib.import_module("cxdata.ingest.sniff").MAX_FIELD_CHARS == MAX_FIELD_CHARS


def test_cells_just_under_the_limit_are_read(db, tmp_path):
    path = tmp_path / "under.csv"
    path.write_bytes(HEADER + b"a,2025-01-02,9," + b"y" * (MAX_FIELD_CHARS - 1) + b"\n")
    assert ingest.import_file(db, path, "survey").accepted == 1


@pytest.mark.slow
def test_peak_memory_of_refusing_a_200_mb_cell_is_bounded(db, tmp_path):
    """It took 3.5 GB (17 times the cell) to read a 200 MB cell; the scan refuses it holding a
    block at a time."""
    size = 200 << 20
    path = giant_file(tmp_path / "huge.csv", size)
    tracemalloc.start()
    with pytest.raises(InputError, match="row 2"):
        ingest.import_file(db, path, "survey")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < size / 20, peak
