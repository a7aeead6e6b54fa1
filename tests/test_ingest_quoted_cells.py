"""Bounded memory for quoted cells (issue 18): a quoted cell longer than MAX_FIELD_CHARS is one
cell however many delimiters and line breaks it holds, and the byte scan refuses it with its
row, line and column before a CSV reader builds it (pandas needs about 17 times its size)."""

import resource
import tracemalloc

import pytest

from cxdata import ingest, store
from cxdata.errors import InputError

MAX_FIELD_CHARS = 1 << 20  # cxdata.ingest.sniff.MAX_FIELD_CHARS (test_ingest_memory checks it)
HEADER = b"response_id,date,score,comment\n"
PIECE = b"aaa,aaa\naaa;aaa\taaa|aaa\r\n"  # every candidate delimiter and line break


def comments(db):
    return [r[0] for r in db.execute("SELECT comment FROM survey ORDER BY response_id")]


def quoted_giant(path, size: int, header: bytes = HEADER, sep: bytes = b","):
    with open(path, "wb") as f:
        f.write(header + sep.join([b"a", b"2025-01-02", b"9", b"x"]) + b"\n")
        f.write(sep.join([b"b", b"2025-01-03", b"8", b'"']))
        chunk = PIECE * ((1 << 20) // len(PIECE))
        for _ in range(size // len(chunk)):
            f.write(chunk)
        f.write(b'"\n' + sep.join([b"c", b"2025-01-04", b"7", b"z"]) + b"\n")
    return path


def test_a_3_mb_quoted_cell_of_delimiters_and_line_breaks_is_refused_where_it_starts(db, tmp_path):
    path = quoted_giant(tmp_path / "big.csv", 3 << 20)
    with pytest.raises(InputError) as error:
        ingest.import_file(db, path, "survey")
    assert "row 2 (line 3), column 'comment'" in str(error.value)
    assert f"{MAX_FIELD_CHARS:,} characters" in str(error.value)
    assert store.count_rows(db, "survey") == 0


def test_the_same_text_in_many_cells_is_imported(db, tmp_path):
    path = tmp_path / "many.csv"
    with open(path, "wb") as f:
        f.write(HEADER)
        for i in range(3 * (1 << 20) // (len(PIECE) * 40)):
            f.write(b'r%d,2025-01-02,9,"%s"\n' % (i, PIECE * 40))
    report = ingest.import_file(db, path, "survey")
    assert report.accepted == report.rows > 3000 and report.rejected == 0
    assert store.count_rows(db, "survey") == report.rows


def test_a_2_mb_quoted_cell_of_commas_in_a_tsv_is_one_cell_and_refused(db, tmp_path):
    header = b"response_id\tdate\tscore\tcomment\n"
    rows = b"".join(b"r%d\t2025-01-02\t9\tfine, thanks\n" % i for i in range(100))
    path = tmp_path / "big.tsv"
    with open(path, "wb") as f:
        cell = b'"' + (b"a," * 40 + b"\n") * (2 * (1 << 20) // 81) + b'"'
        f.write(header + rows + b"b\t2025-01-03\t8\t" + cell + b"\n")
        f.write(b"c\t2025-01-04\t7\tz\n")
    with pytest.raises(InputError, match=r"row 101 \(line 102\), column 'comment'"):
        ingest.import_file(db, path, "survey")
    assert store.count_rows(db, "survey") == 0


def test_quoted_multi_line_comments_and_literal_quotes_import_unchanged(db, tmp_path):
    path = tmp_path / "normal.csv"
    path.write_bytes(
        HEADER
        + b'a,2025-01-02,9,"Great, really.\r\nWould ""buy"" again."\r\n'
        + b'b,2025-01-03,8,my 5" screen broke\r\n'
        + b'c,2025-01-04,7,""\r\n'
        + b'd,2025-01-05,6,"two\n\nbreaks"\r\n'
    )
    report = ingest.import_file(db, path, "survey")
    assert (report.accepted, report.rejected) == (4, 0)
    assert comments(db) == [
        'Great, really.\r\nWould "buy" again.',
        'my 5" screen broke',
        None,
        "two\n\nbreaks",
    ]


def test_a_quote_never_closed_is_still_reported_as_such(db, tmp_path):
    path = tmp_path / "open.csv"
    path.write_bytes(HEADER + b'a,2025-01-02,9,x\nb,2025-01-03,8,"' + PIECE * 60_000)
    with pytest.raises(InputError, match=r"row 2 \(line 3\) opens a quote .* never closed"):
        ingest.import_file(db, path, "survey")


def test_a_long_quoted_cell_in_a_utf16_file_is_refused(db, tmp_path):
    path = tmp_path / "wide.csv"
    text = HEADER.decode() + 'a,2025-01-02,9,"' + PIECE.decode() * 50_000 + '"\n'
    path.write_bytes(text.encode("utf-16"))
    with pytest.raises(InputError, match=r"row 1 \(line 2\), column 'comment'"):
        ingest.import_file(db, path, "survey")


@pytest.mark.slow
def test_refusing_a_200_mb_quoted_cell_takes_little_memory(db, tmp_path):
    size = 200 << 20
    path = quoted_giant(tmp_path / "huge.csv", size)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    tracemalloc.start()
    with pytest.raises(InputError, match="row 2 \\(line 3\\), column 'comment'"):
        ingest.import_file(db, path, "survey")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < size / 20, peak
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - rss < size / 4
