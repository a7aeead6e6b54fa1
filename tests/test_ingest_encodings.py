"""Encodings decided per file (issue 18, item 3): a UTF-8 file with a few invalid bytes stays
UTF-8 (the bytes read as U+FFFD, their rows named in the warnings), a BOM or UTF-16 file with
malformed bytes gives a message instead of a traceback, UTF-16 without a BOM is recognised,
and a NUL anywhere in an 8-bit file is refused as binary, wherever it is."""

import codecs
import importlib

import pytest

from cxdata import ingest, store
from cxdata.errors import InputError
from cxdata.ingest.sniff import sniff

TEXT = "response_id,date,score,comment\na,2025-01-02,9,Très bien\nb,2025-01-03,8,Très\n"
BAD = b"c,2025-01-04,7,bad \xff here\n"


def comments(db) -> list[str]:
    return [r[0] for r in db.execute("SELECT comment FROM survey ORDER BY response_id")]


def test_utf8_with_one_invalid_byte_stays_utf8(db, write_csv):
    report = ingest.import_file(db, write_csv("u.csv", TEXT.encode() + BAD), "survey")
    assert report.file_format["encoding"] == "utf-8"
    assert comments(db) == ["Très bien", "Très", "bad \ufffd here"]
    assert any("row 3 (line 4)" in w and "\ufffd" in w for w in report.warnings)


def test_a_windows_1252_file_is_still_windows_1252(db, write_csv):
    report = ingest.import_file(db, write_csv("w.csv", TEXT.encode("cp1252")), "survey")
    assert report.file_format["encoding"] == "cp1252"
    assert comments(db) == ["Très bien", "Très"] and report.warnings == []


def test_a_bom_and_an_invalid_byte_give_a_warning_not_a_traceback(db, write_csv):
    path = write_csv("b.csv", codecs.BOM_UTF8 + TEXT.encode() + BAD)
    report = ingest.import_file(db, path, "survey")
    assert report.accepted == 3 and comments(db)[2] == "bad \ufffd here"
    assert any("row 3 (line 4)" in w for w in report.warnings)


def test_malformed_utf16_gives_a_warning_not_a_traceback(db, write_csv):
    lone_surrogate = b"\x00\xd8"
    content = codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le") + lone_surrogate
    content += "c,2025-01-04,7,z\n".encode("utf-16-le")
    report = ingest.import_file(db, write_csv("m.csv", content), "survey")
    assert report.accepted == 3
    assert any("row 3 (line 4)" in w for w in report.warnings)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_bom_is_recognised(db, write_csv, encoding):
    report = ingest.import_file(db, write_csv("n.csv", TEXT.encode(encoding)), "survey")
    assert report.file_format["encoding"] == encoding
    assert comments(db) == ["Très bien", "Très"]


def test_a_nul_far_into_the_file_is_refused_as_binary(db, write_csv, tmp_path):
    body = b"a,2025-01-02,9,x\n" * 40_000  # 680 KB: past the head the sniffer reads as text
    path = write_csv("nul.csv", TEXT.encode() + body + b"z,2025-01-02,9,\x00\x01\n")
    before = store.count_rows(db, "survey")
    with pytest.raises(InputError, match=r"binary data at byte 680,0\d\d"):
        ingest.import_file(db, path, "survey")
    assert store.count_rows(db, "survey") == before


def test_the_scan_stops_at_the_block_holding_a_nul(write_csv, monkeypatch):
    scan = importlib.import_module("cxdata.ingest.sniff")
    blocks = []
    real = scan._CellLengths.add
    monkeypatch.setattr(scan, "_BLOCK", 1024)
    monkeypatch.setattr(scan._CellLengths, "add", lambda self, b: blocks.append(b) or real(self, b))
    body = b"a,2025-01-02,9,x\n" * 20_000  # 340 KB: past the head read as text
    path = write_csv("late.csv", TEXT.encode() + body + b"\x00" + b"x" * 100_000)
    with pytest.raises(InputError, match="binary data at byte 340,"):
        sniff(path)
    assert len(blocks) == 340_090 // 1024  # the 98 blocks after it neither read nor hashed
