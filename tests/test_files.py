"""Files we write appear whole or not at all (issue 18, item 5): a failed write leaves no
truncated file under the final name, and an earlier file of that name as it was."""

import errno
import os

import pytest

from cxdata import cli, files, safekeeping, store
from cxdata.errors import InputError


def _disk_full(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_write_atomic_writes_text_as_utf8(tmp_path):
    files.write_atomic(tmp_path / "a.html", "café")
    assert (tmp_path / "a.html").read_bytes() == "café".encode()
    assert [p.name for p in tmp_path.iterdir()] == ["a.html"]


@pytest.mark.parametrize("failing", ["replace", "fsync"])
def test_a_failed_write_leaves_no_file_and_no_temporary(tmp_path, monkeypatch, failing):
    monkeypatch.setattr(files.os, failing, _disk_full)
    with pytest.raises(InputError, match="Could not write .*No space left"):
        files.write_atomic(tmp_path / "brief.html", "<html>" * 1000)
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_keeps_the_earlier_file(tmp_path, monkeypatch):
    (tmp_path / "brief.html").write_text("last month")
    monkeypatch.setattr(files.os, "fsync", _disk_full)
    with pytest.raises(InputError):
        files.write_atomic(tmp_path / "brief.html", "this month")
    assert (tmp_path / "brief.html").read_text() == "last month"
    assert [p.name for p in tmp_path.iterdir()] == ["brief.html"]


def test_written_files_get_the_usual_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        files.write_atomic(tmp_path / "a.txt", b"x")
    finally:
        os.umask(old)
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o644


def test_a_backup_that_fails_half_way_leaves_no_file(tmp_path, monkeypatch):
    db = store.connect(tmp_path / "cx.db")

    def half_then_full(database, target):
        with open(target, "wb") as f:
            f.write(b"SQLite format 3\x00" + b"\x00" * 100)
        _disk_full()

    monkeypatch.setattr(safekeeping.files, "copy_database", half_then_full)
    with pytest.raises(InputError, match="Could not write"):
        safekeeping.backup(db, tmp_path / "out" / "backup.db")
    assert list((tmp_path / "out").iterdir()) == []


def test_brief_out_on_a_full_disk_leaves_no_html(sample_db, tmp_path, monkeypatch, capsys):
    sample_db.conn.close()
    monkeypatch.setattr(files.os, "fsync", _disk_full)
    out = tmp_path / "reports" / "brief.html"
    out.parent.mkdir()
    code = cli.main(["brief", "--db", str(tmp_path / "sample.db"), "--out", str(out)])
    assert code == 2 and "No space left" in capsys.readouterr().err
    assert list(out.parent.iterdir()) == []
