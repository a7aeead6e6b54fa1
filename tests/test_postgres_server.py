"""The throwaway PostgreSQL server the PostgreSQL store is tested against (tests/postgres.py)."""

import os
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests import postgres
from tests.postgres import database_url, drop_database, find_binaries, new_database, unavailable

psycopg = pytest.importorskip("psycopg")


# -- Without a server: skip, or fail under CI -----------------------------------------------------


def test_without_a_server_a_developer_s_run_skips_and_says_what_to_install():
    with pytest.raises(pytest.skip.Exception) as outcome:
        unavailable("PostgreSQL server binaries not found under /nowhere/*/bin", ci=False)
    message = str(outcome.value)
    assert "not found under /nowhere/*/bin" in message
    assert "install the postgresql package" in message
    assert "CXDATA_TEST_PG_URL" in message


def test_without_a_server_ci_fails_and_points_at_ci_run():
    with pytest.raises(pytest.fail.Exception) as outcome:
        unavailable("PostgreSQL server binaries not found under /nowhere/*/bin", ci=True)
    message = str(outcome.value)
    assert "not found under /nowhere/*/bin" in message
    assert ".ci/run installs the postgresql package" in message


def test_ci_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("CI", "true")
    assert postgres.running_in_ci()
    monkeypatch.setenv("CI", "false")
    assert not postgres.running_in_ci()
    monkeypatch.delenv("CI")
    assert not postgres.running_in_ci()


def test_missing_binaries_are_reported_with_the_place_looked_in(tmp_path):
    with pytest.raises(postgres.ServerUnavailable, match="binaries not found under /nowhere/"):
        postgres.start_cluster("/nowhere/*/bin")


def _fake_major(root: Path, major: str, with_initdb: bool = True) -> Path:
    bin_dir = root / major / "bin"
    bin_dir.mkdir(parents=True)
    if with_initdb:
        (bin_dir / "initdb").write_text("#!/bin/sh\n")
        (bin_dir / "initdb").chmod(0o755)
    return bin_dir


def test_the_highest_major_with_an_initdb_is_chosen_comparing_numbers(tmp_path):
    _fake_major(tmp_path, "9")
    fifteen = _fake_major(tmp_path, "15")
    _fake_major(tmp_path, "17", with_initdb=False)  # client-only install: no server binaries
    assert find_binaries(str(tmp_path / "*" / "bin")) == fifteen
    assert find_binaries(str(tmp_path / "none" / "*" / "bin")) is None


# -- URLs ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgresql://cx@/postgres?host=/tmp/cx-pg-1&port=54321",
            "postgresql://cx@/cx_test_1?host=/tmp/cx-pg-1&port=54321",
        ),
        (
            "postgresql://me:secret@db.example:5432/app?sslmode=require",
            "postgresql://me:secret@db.example:5432/cx_test_1?sslmode=require",
        ),
        ("postgresql://me@localhost", "postgresql://me@localhost/cx_test_1"),
    ],
)
def test_a_database_url_keeps_the_server_and_names_the_new_database(url, expected):
    assert database_url(url, "cx_test_1") == expected


# -- The server ------------------------------------------------------------------------------------


@pytest.mark.postgres
def test_a_test_database_takes_a_table_a_write_and_a_read(pg_url):
    with psycopg.connect(pg_url) as conn:
        conn.execute("CREATE TABLE survey (id integer PRIMARY KEY, score integer NOT NULL)")
        conn.execute("INSERT INTO survey VALUES (1, 9), (2, 3), (3, 10)")
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute("SELECT id, score FROM survey ORDER BY id").fetchall()
        (database,) = conn.execute("SELECT current_database()").fetchone()
    assert rows == [(1, 9), (2, 3), (3, 10)]
    assert database == urlsplit(pg_url).path.lstrip("/")
    assert database.startswith("cx_test_")


@pytest.mark.postgres
def test_two_test_databases_are_separate(pg_server):
    first, second = new_database(pg_server), new_database(pg_server)
    try:
        assert first != second
        with psycopg.connect(first) as conn:
            conn.execute("CREATE TABLE themes (name text)")
            conn.execute("INSERT INTO themes VALUES ('billing')")
        with psycopg.connect(second) as conn:
            (tables,) = conn.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
            ).fetchone()
        assert tables == 0
    finally:
        drop_database(first)
        drop_database(second)


@pytest.mark.postgres
def test_a_dropped_database_is_gone_even_with_a_connection_left_open(pg_server):
    url = new_database(pg_server)
    left_open = psycopg.connect(url)
    drop_database(url)
    with psycopg.connect(pg_server) as conn:
        (count,) = conn.execute(
            "SELECT count(*) FROM pg_database WHERE datname = %s", [urlsplit(url).path[1:]]
        ).fetchone()
    assert count == 0
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url).close()
    left_open.close()


@pytest.mark.postgres
def test_text_sorts_in_byte_order_as_in_sqlite(pg_url):
    with psycopg.connect(pg_url) as conn:
        (lower_first,) = conn.execute("SELECT 'a' < 'B'").fetchone()
        (collation,) = conn.execute(
            "SELECT datcollate FROM pg_database WHERE datname = current_database()"
        ).fetchone()
        (encoding,) = conn.execute("SHOW server_encoding").fetchone()
        rows = conn.execute(
            "SELECT x FROM (VALUES ('b'), ('B'), ('a'), ('Z'), ('é')) AS t(x) ORDER BY x"
        ).fetchall()
    assert lower_first is False
    assert collation == "C"
    assert encoding == "UTF8"
    assert [x for (x,) in rows] == sorted(["b", "B", "a", "Z", "é"], key=lambda s: s.encode())


@pytest.mark.postgres
def test_the_role_is_a_superuser(pg_server):
    with psycopg.connect(pg_server) as conn:
        (superuser,) = conn.execute(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
    assert superuser is True


@pytest.mark.postgres
@pytest.mark.skipif(
    bool(os.environ.get(postgres.URL_VARIABLE)), reason="a server given by URL, not started here"
)
def test_the_started_server_listens_on_a_private_socket_and_libpq_tools_take_the_url(pg_url):
    query = parse_qs(urlsplit(pg_url).query)
    (socket_dir,) = query["host"]
    (port,) = query["port"]
    assert Path(socket_dir, f".s.PGSQL.{port}").is_socket()
    with psycopg.connect(pg_url) as conn:
        (listen,) = conn.execute("SHOW listen_addresses").fetchone()
        (fsync,) = conn.execute("SHOW fsync").fetchone()
    assert listen == ""
    assert fsync == "off"
    # The same URL in libpq's own client: any tool that takes a connection URL can use it.
    psql = (
        find_binaries(os.environ.get(postgres.BIN_VARIABLE) or postgres.DEFAULT_BIN_GLOB) / "psql"
    )
    if not psql.exists():
        pytest.skip("no psql beside the server binaries")
    result = subprocess.run(
        [str(psql), pg_url, "-XAtc", "SELECT current_database()"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == urlsplit(pg_url).path[1:]


@pytest.mark.postgres
def test_a_cluster_starts_in_seconds_and_leaves_nothing_behind_when_stopped():
    try:
        cluster = postgres.start_cluster()
    except postgres.ServerUnavailable as error:
        reason = str(error)
    else:
        reason = ""
    if reason:
        unavailable(reason, postgres.running_in_ci())
    try:
        with psycopg.connect(cluster.url) as conn:
            (answer,) = conn.execute("SELECT 1 + 1").fetchone()
        assert answer == 2
        assert cluster.started_in < 15, f"initdb and start took {cluster.started_in:.1f} s"
    finally:
        cluster.stop()
    assert not cluster.root.exists()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(cluster.url, connect_timeout=2).close()
