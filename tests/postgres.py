"""A real, throwaway PostgreSQL server for the tests of the PostgreSQL store.

Registered in tests/conftest.py (``pytest_plugins``). What it gives a test:

``pg_server`` (session)
    A ``postgresql://`` URL to a superuser role (``cx``) on a cluster started for this test session:
    ``initdb`` into a temporary directory (UTF8, ``--no-locale``, so text sorts in C byte order as
    SQLite does), the server listening only on a unix socket in that directory, durability turned
    off for speed. Stopped and removed when the session ends. Starting takes about a second.

``pg_url`` (function)
    The URL of a new, empty database on that server, dropped after the test.

``new_database(base_url)`` / ``drop_database(url)``
    The same as plain functions, for fixtures of a wider scope (a session-wide sample database).

Where the server comes from:

- ``CXDATA_TEST_PG_URL`` set: that server is used as it is (no cluster is started); it needs a role
  allowed to create databases. Each test's database is named ``cx_test_<pid>_<n>_<random>``.
- otherwise the highest major under ``/usr/lib/postgresql/*/bin`` (Debian's layout; another glob
  can be given in ``CXDATA_TEST_PG_BIN``). Run as root, ``initdb`` and the server run as the
  ``postgres`` system user (or ``cxtest``, created for the purpose when there is no ``postgres``
  user), because PostgreSQL refuses to run as root.

No server to be had: the test is skipped, saying what is missing; under ``CI=true`` it fails
instead (``.ci/run`` installs the ``postgresql`` package, so a missing server there is a fault).
The reason is worked out once per session, not once per test.

Mark such tests ``@pytest.mark.postgres``; ``pytest -m postgres`` runs only them,
``-m "not postgres"`` leaves them out.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn
from urllib.parse import quote, urlsplit, urlunsplit

import pytest

URL_VARIABLE = "CXDATA_TEST_PG_URL"
BIN_VARIABLE = "CXDATA_TEST_PG_BIN"
DEFAULT_BIN_GLOB = "/usr/lib/postgresql/*/bin"
ROLE = "cx"
SERVICE_USERS = ("postgres", "cxtest")
SERVER_SETTINGS = {
    "listen_addresses": "''",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "100",
}


def pytest_configure(config):
    config.addinivalue_line("markers", "postgres: tests that need a PostgreSQL server")


# -- Deciding what to do without a server ---------------------------------------------------------


class ServerUnavailable(Exception):
    """No PostgreSQL server could be had; the message says why."""


def unavailable(reason: str, ci: bool) -> NoReturn:
    """Skip the test for want of a server, or fail it when running in CI.

    Parameters
    ----------
    reason:
        What is missing or what went wrong, in one sentence.
    ci:
        True under ``CI=true``: CI installs PostgreSQL, so its absence there is an error.
    """
    if ci:
        pytest.fail(
            f"{reason}. The PostgreSQL tests must run in CI: .ci/run installs the postgresql "
            f"package (apt-get install -y postgresql) when no initdb is found.",
            pytrace=False,
        )
    pytest.skip(f"{reason}; install the postgresql package or set {URL_VARIABLE}")


def running_in_ci() -> bool:
    return os.environ.get("CI") == "true"


# -- URLs and databases ----------------------------------------------------------------------------


def database_url(url: str, dbname: str) -> str:
    """The same server URL naming another database; user, host, port and query are kept.

    >>> database_url("postgresql://cx@/postgres?host=/tmp/pg&port=5433", "cx_test_1")
    'postgresql://cx@/cx_test_1?host=/tmp/pg&port=5433'
    >>> database_url("postgresql://me:pw@db.example:5432/app?sslmode=require", "x")
    'postgresql://me:pw@db.example:5432/x?sslmode=require'
    """
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + quote(dbname)))


def _dbname(url: str) -> str:
    name = urlsplit(url).path.lstrip("/")
    if not name:
        raise ValueError(f"the URL names no database: {url}")
    return name


_numbers = itertools.count(1)


def new_database(base_url: str, template: str | None = None) -> str:
    """Create a new database on the server of ``base_url`` (empty, or a copy of the database
    the URL ``template`` names, which nobody may be connected to); return its URL.

    The name is unique across concurrent test runs sharing one server
    (``cx_test_<pid>_<n>_<random>``). Drop it with :func:`drop_database`.
    """
    import psycopg
    from psycopg import sql

    name = f"cx_test_{os.getpid()}_{next(_numbers)}_{secrets.token_hex(3)}"
    statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template is not None:
        statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(_dbname(template)))
    with psycopg.connect(base_url, autocommit=True) as conn:
        conn.execute(statement)
    return database_url(base_url, name)


def replace_database(url: str, template: str) -> str:
    """Drop the database ``url`` names and create it again, under the same name, as a copy of
    the database ``template`` names (nobody may be connected to it); return ``url``."""
    import psycopg
    from psycopg import sql

    drop_database(url)
    with psycopg.connect(database_url(url, "postgres"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(_dbname(url)), sql.Identifier(_dbname(template))
            )
        )
    return url


def drop_database(url: str, maintenance_db: str = "postgres") -> None:
    """Drop the database ``url`` names, closing any connection still open to it.

    The statement runs from ``maintenance_db`` on the same server (a database cannot drop itself).
    """
    import psycopg
    from psycopg import sql

    from cxdata.store import postgres

    postgres.close_pool(url)  # this process's idle connections to it go first
    name = _dbname(url)
    with psycopg.connect(database_url(url, maintenance_db), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


# -- A throwaway cluster ---------------------------------------------------------------------------


def find_binaries(pattern: str = DEFAULT_BIN_GLOB) -> Path | None:
    """The directory of the highest PostgreSQL major matching ``pattern`` that has ``initdb``.

    Majors compare as numbers (16 after 9), read from the directory above ``bin``.
    """

    def major(path: Path) -> tuple[int, str]:
        name = path.parent.name
        return (int(name) if name.isdigit() else -1, name)

    found = [Path(p) for p in glob.glob(pattern) if os.access(Path(p) / "initdb", os.X_OK)]
    return max(found, key=major) if found else None


def _service_user() -> pwd.struct_passwd | None:
    """The unprivileged user the server runs as when the tests run as root; None when not root."""
    if os.geteuid() != 0:
        return None
    for name in SERVICE_USERS:
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    name = SERVICE_USERS[-1]
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
        check=True,
        capture_output=True,
    )
    return pwd.getpwnam(name)


def _free_port() -> int:
    # The server listens on no TCP port, but the number names its socket file; a free TCP port
    # keeps the URL usable should someone turn TCP on while debugging.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Cluster:
    """A running throwaway cluster: its URL and how to stop it."""

    bin_dir: Path
    root: Path
    port: int
    user: pwd.struct_passwd | None
    started_in: float = 0.0

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def url(self) -> str:
        return f"postgresql://{ROLE}@/postgres?host={self.root}&port={self.port}"

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        as_user = {}
        if self.user is not None:
            as_user = {"user": self.user.pw_uid, "group": self.user.pw_gid, "extra_groups": []}
        return subprocess.run(
            [str(self.bin_dir / args[0]), *args[1:]],
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, "LC_ALL": "C"},
            **as_user,
        )

    def start(self) -> None:
        begun = time.perf_counter()
        initdb = self._run(
            "initdb", "-D", str(self.data_dir), "-U", ROLE, "-A", "trust", "-E", "UTF8",
            "--no-locale", "--no-sync", "--no-instructions",
        )  # fmt: skip
        if initdb.returncode != 0:
            raise ServerUnavailable(f"initdb failed ({self.bin_dir}): {_tail(initdb.stderr)}")
        options = " ".join(
            ["-k", str(self.root), "-p", str(self.port)]
            + [f"-c {name}={value}" for name, value in SERVER_SETTINGS.items()]
        )
        log = self.root / "server.log"
        started = self._run(
            "pg_ctl", "-D", str(self.data_dir), "-l", str(log), "-w", "-t", "30", "-o", options,
            "start",
        )  # fmt: skip
        if started.returncode != 0:
            server_log = log.read_text(errors="replace") if log.exists() else ""
            raise ServerUnavailable(
                f"the PostgreSQL server did not start ({self.bin_dir}): "
                f"{_tail(started.stderr + started.stdout + server_log)}"
            )
        self.started_in = time.perf_counter() - begun

    def stop(self) -> None:
        if (self.data_dir / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


def _tail(text: str, lines: int = 8) -> str:
    return " | ".join(line for line in text.strip().splitlines()[-lines:] if line.strip())


def start_cluster(pattern: str | None = None) -> Cluster:
    """Start a throwaway cluster from the binaries matching ``pattern`` (default: the
    ``CXDATA_TEST_PG_BIN`` glob, else Debian's ``/usr/lib/postgresql/*/bin``).

    Raises
    ------
    ServerUnavailable
        No binaries, or initdb or the server failed (the message carries their last lines).
    """
    pattern = pattern or os.environ.get(BIN_VARIABLE) or DEFAULT_BIN_GLOB
    bin_dir = find_binaries(pattern)
    if bin_dir is None:
        raise ServerUnavailable(f"PostgreSQL server binaries not found under {pattern}")
    try:
        user = _service_user()
    except (OSError, subprocess.CalledProcessError) as error:
        raise ServerUnavailable(
            f"running as root, and no user to run PostgreSQL as (useradd failed: {error})"
        ) from error
    # Under /tmp, not $TMPDIR: a unix socket's path must stay under about 100 characters.
    root = Path(tempfile.mkdtemp(prefix="cx-pg-", dir="/tmp" if os.path.isdir("/tmp") else None))
    if user is not None:
        os.chown(root, user.pw_uid, user.pw_gid)
    cluster = Cluster(bin_dir=bin_dir, root=root, port=_free_port(), user=user)
    try:
        cluster.start()
    except BaseException:
        cluster.stop()
        raise
    return cluster


# -- Fixtures --------------------------------------------------------------------------------------

# Why no server could be had, worked out on the first request and given to every later one.
_failure: list[str] = []


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """URL of a superuser role on a PostgreSQL server for this session (see the module's text)."""
    if _failure:
        unavailable(_failure[0], running_in_ci())
    external = os.environ.get(URL_VARIABLE)
    if external:
        yield external
        return
    try:
        cluster = start_cluster()
    except ServerUnavailable as error:
        _failure.append(str(error))
    if _failure:  # outside the except: the message stands alone, no chained traceback
        unavailable(_failure[0], running_in_ci())
    try:
        yield cluster.url
    finally:
        cluster.stop()


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """URL of a new, empty database for this test, dropped (connections and all) afterwards."""
    url = new_database(pg_server)
    try:
        yield url
    finally:
        drop_database(url, maintenance_db=urlsplit(pg_server).path.lstrip("/") or "postgres")
