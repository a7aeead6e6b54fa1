import os
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


def pytest_addoption(parser):
    parser.addoption(
        "--backend",
        choices=("sqlite", "postgres"),
        default=os.environ.get("CXDATA_TEST_BACKEND", "sqlite"),
        help="where the db, sample_db and page-database fixtures keep their data: a SQLite "
        "file (default) or a database on a throwaway PostgreSQL server (tests/postgres.py)",
    )


@pytest.fixture(scope="session")
def backend(request) -> str:
    """The backend under test: 'sqlite' or 'postgres' (``--backend``)."""
    return request.config.getoption("--backend")


def pytest_runtest_setup(item):
    """A test marked ``sqlite_only`` (it reads the database file itself, or SQLite's own
    catalogue) is skipped in the PostgreSQL run, saying why."""
    marker = item.get_closest_marker("sqlite_only")
    if marker and item.config.getoption("--backend") == "postgres":
        pytest.skip("SQLite only: " + (marker.args[0] if marker.args else "reads the file"))


@pytest.fixture
def db_address(backend, tmp_path, request):
    """The address of a new, empty database on the backend under test: a file in tmp_path,
    or a database on the throwaway PostgreSQL server (dropped afterwards)."""
    if backend == "sqlite":
        yield tmp_path / "cx.db"
        return
    from tests.postgres import drop_database, new_database

    url = new_database(request.getfixturevalue("pg_server"))
    yield store.database_path(url)
    drop_database(url)


@pytest.fixture
def db(db_address):
    database = store.connect(db_address)
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


@pytest.fixture(scope="session")
def sample_template(backend, request, sample_file):
    """PostgreSQL run: a server database holding the sample story, the template every
    sample_db copies (CREATE DATABASE … TEMPLATE: a file copy on the server)."""
    if backend != "postgres":
        yield None
        return
    from cxdata import sample
    from cxdata.store import postgres
    from tests.postgres import drop_database, new_database

    server = request.getfixturevalue("pg_server")
    url = new_database(server)
    database = store.connect(url)
    sample.import_sample(database, sample.write_sample(sample_file.parent / "pg_csv"))
    database.conn.close()
    postgres.close_pool(url)  # a template takes no connections
    yield url
    drop_database(url)


def sample_address(sample_file, sample_template, target: Path):
    """A private, writable copy of the sample database: the file copied to ``target``, or a
    new server database made from the template."""
    if sample_template is None:
        return copy_database(sample_file, target)
    from tests.postgres import new_database

    return store.database_path(new_database(_server_of(sample_template), sample_template))


def _server_of(url: str) -> str:
    from tests.postgres import database_url

    return database_url(url, "postgres")


@pytest.fixture
def sample_db(sample_file, sample_template, tmp_path):
    """A private, writable copy of the sample database."""
    address = sample_address(sample_file, sample_template, tmp_path / "sample.db")
    database = store.connect(address)
    yield database
    database.conn.close()
    if sample_template is not None:
        from tests.postgres import drop_database

        drop_database(str(address))
