from pathlib import Path

import pytest

from cxdata import store

pytest_plugins = ["tests.postgres"]

DATA = Path(__file__).parent / "data"
E2E = Path(__file__).parent / "e2e"


def pytest_collection_modifyitems(items):
    """Every test under tests/e2e/ drives chromium: marked ``browser`` (``make test-fast``
    leaves them out)."""
    for item in items:
        if E2E in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


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


@pytest.fixture(scope="session")
def sample_file(tmp_path_factory) -> Path:
    """The sample story as a database file, built once per test session (about 3 s)."""
    from cxdata import sample

    folder = tmp_path_factory.mktemp("sample")
    database = store.connect(folder / "cx.db")
    sample.import_sample(database, sample.write_sample(folder / "csv"))
    database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    database.conn.close()
    return folder / "cx.db"


def copy_database(source: Path, target: Path) -> Path:
    import shutil

    shutil.copyfile(source, target)
    return target


@pytest.fixture
def sample_db(sample_file, tmp_path):
    """A private, writable copy of the sample database."""
    database = store.connect(copy_database(sample_file, tmp_path / "sample.db"))
    yield database
    database.conn.close()
