from pathlib import Path

import pytest

from cxdata import store

DATA = Path(__file__).parent / "data"


@pytest.fixture
def db(tmp_path):
    database = store.connect(tmp_path / "cx.db")
    yield database
    database.conn.close()


@pytest.fixture
def write_csv(tmp_path):
    """Write text (or bytes) to a file in tmp_path and return its path."""

    def write(name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
        return path

    return write
