"""The PostgreSQL store as a team uses it: the same figures as a SQLite file, imports that land
whole or not at all while others read, write and import at the same time, deletes and erasures,
migrate / backup / restore between the two backends, and the connection pool.

Every test runs against a throwaway server (tests/postgres.py: ``pg_server``, ``pg_url``).
The survey files are built here, in code, and every expected figure is counted from them
with pandas, not read back from the store.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pandas as pd
import pytest

from cxdata import cli, ingest, safekeeping, store
from cxdata.store import counts
from tests.postgres import drop_database, new_database

psycopg = pytest.importorskip("psycopg")
from cxdata.store import postgres  # noqa: E402  (needs psycopg)

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[1]
CHANNELS = ("Phone", "Chat", "Email", "Shop")
DEPARTMENTS = ("Contact Center", "Field Service", "Sales")


# -- Survey files built in code --------------------------------------------------------------------


def survey_frame(
    ids,
    *,
    seed: int,
    days: int = 30,
    start: str = "2025-03-01",
    customers: int = 2_000,
    extra: str | None = None,
) -> pd.DataFrame:
    """Survey rows with response ids ``R0000000…`` for ``ids``: a date within ``days`` days
    of ``start``, a 0–10 score, channel, department and customer (``C00000…``) drawn with
    ``seed``; ``extra`` adds a numeric column of that name (a file's own question)."""
    ids = np.asarray(list(ids))
    rng = np.random.default_rng(seed)
    n = len(ids)
    day = pd.Timestamp(start) + pd.to_timedelta(rng.integers(0, days, n), unit="D")
    frame = pd.DataFrame(
        {
            "response_id": [f"R{i:07d}" for i in ids],
            "date": day.strftime("%Y-%m-%d"),
            "score": rng.integers(0, 11, n),
            "channel": rng.choice(CHANNELS, n),
            "department": rng.choice(DEPARTMENTS, n),
            "customer_id": [f"C{i % customers:05d}" for i in ids],
        }
    )
    if extra:
        frame[extra] = rng.integers(1, 6, n)
    return frame


def write_frame(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_csv(path, index=False)
    return path


def day_bands(frame: pd.DataFrame) -> dict[str, tuple[int, int, int]]:
    """Detractors, passives and promoters per day of a frame, counted by pandas."""
    bands = frame.assign(
        detractors=frame["score"] <= 6,
        passives=frame["score"].between(7, 8),
        promoters=frame["score"] >= 9,
    )
    summed = bands.groupby("date")[["detractors", "passives", "promoters"]].sum()
    return {day: tuple(int(v) for v in row) for day, row in summed.iterrows()}


def stored_day_bands(db) -> dict[str, tuple[int, int, int]]:
    """The same from the store's per-day counts (dimension '' is every response)."""
    rows = db.execute(
        "SELECT day, detractors, passives, promoters FROM survey_counts WHERE dim = ''"
    ).fetchall()
    return {str(day)[:10]: (d, p, r) for day, d, p, r in rows}


STORED = (
    "SELECT response_id, substr(responded_at, 1, 10), score, channel, department, customer_id "
    "FROM survey ORDER BY response_id"
)


def as_stored(frame: pd.DataFrame) -> list[tuple]:
    """A frame's rows as :data:`STORED` reads them back."""
    ordered = frame.sort_values("response_id")
    return [
        (r.response_id, r.date, int(r.score), r.channel, r.department, r.customer_id)
        for r in ordered.itertuples()
    ]


# -- The server seen from outside the store --------------------------------------------------------


def dbname(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def server_query(pg_server: str, sql: str, params=()) -> list[tuple]:
    """A query on the maintenance database, through a connection of its own (not the pool)."""
    with psycopg.connect(pg_server, autocommit=True) as conn:
        return conn.execute(sql, params).fetchall()


def connections_to(pg_server: str, url: str) -> int:
    return server_query(
        pg_server,
        "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND backend_type = "
        "'client backend'",
        [dbname(url)],
    )[0][0]


@pytest.fixture(autouse=True)
def backups_here(tmp_path, monkeypatch):
    """A server database's backups (and the copy a restore keeps aside) go to tmp_path, not
    to backups/ in the working folder."""
    monkeypatch.setenv("CXDATA_BACKUPS", str(tmp_path / "backups"))


def run_cli(capsys, *args) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


# -- 1. The same figures on both backends ----------------------------------------------------------


@pytest.fixture(scope="module")
def sample_pg(pg_server, tmp_path_factory):
    """The sample story imported into a server database (the same files, seed 7, as the
    session's SQLite ``sample_file``)."""
    from cxdata import sample

    url = new_database(pg_server)
    db = store.connect(url)
    sample.import_sample(db, sample.write_sample(tmp_path_factory.mktemp("pg_sample")))
    db.conn.close()
    yield url
    drop_database(url)


COMMANDS = {
    "nps": ["nps"],
    "nps-by-month": ["nps", "--by", "month"],
    "correlate": ["correlate"],
    "drivers": ["drivers", "--target", "promoter", "--bootstrap", "20"],
    "drivers-flags": [
        "drivers",
        "--target",
        "promoter",
        "--drivers",
        "first_contact_resolution,escalated,wait_time_min",
        "--bootstrap",
        "20",
    ],  # fmt: skip
    "maturity": ["maturity"],
    "plan": ["plan", "--runs", "500"],
    "effects": ["effects"],
    "value": ["value", "--bootstrap", "200"],
    "followups": ["followups"],
}


@pytest.mark.parametrize(
    "command",
    [pytest.param(c, marks=[pytest.mark.slow]) if c.startswith("drivers") else c for c in COMMANDS],
)
def test_every_figure_is_the_same_on_both_backends(command, capsys, sample_file, sample_pg):
    args = [*COMMANDS[command], "--json"]
    code, on_file, err = run_cli(capsys, *args, "--db", sample_file)
    assert code == 0, err
    code, on_server, err = run_cli(capsys, *args, "--db", sample_pg)
    assert code == 0, err
    assert json.loads(on_file)  # a document with something in it
    assert on_server == on_file


def test_the_briefing_is_the_same_on_both_backends(capsys, tmp_path, sample_file, sample_pg):
    documents = []
    for name, address in (("file", sample_file), ("server", sample_pg)):
        out = tmp_path / f"{name}.html"
        code, printed, err = run_cli(capsys, "brief", "--out", out, "--json", "--db", address)
        assert code == 0, err
        result = json.loads(printed)
        assert result.pop("out") == str(out)
        documents.append((result, out.read_bytes()))
    (file_json, file_html), (server_json, server_html) = documents
    assert server_json == file_json
    assert server_html == file_html


def test_the_datasets_are_listed_the_same_but_for_their_import_time(capsys, sample_file, sample_pg):
    listed = []
    for address in (sample_file, sample_pg):
        code, out, err = run_cli(capsys, "datasets", "--json", "--db", address)
        assert code == 0, err
        datasets = json.loads(out)["datasets"]
        for d in datasets:
            assert len(d.pop("imported_at")) >= 19  # "YYYY-MM-DD HH:MM:SS"
        listed.append(datasets)
    assert len(listed[0]) >= 3
    assert listed[1] == listed[0]


# -- 2. The same file twice ------------------------------------------------------------------------


def test_importing_the_same_file_again_changes_nothing_on_a_server(pg_url, tmp_path):
    frame = survey_frame(range(800), seed=1)
    path = write_frame(frame, tmp_path / "march.csv")
    db = store.connect(pg_url)
    first = ingest.import_file(db, path, "survey")
    assert (first.accepted, first.inserted, first.already_imported) == (800, 800, False)
    before = (
        store.list_datasets(db),
        db.execute(STORED).fetchall(),
        store.data_version(db),
        stored_day_bands(db),
    )
    again = ingest.import_file(db, path, "survey")
    assert again.already_imported
    assert again.dataset_id == first.dataset_id
    assert "already imported" in again.assumptions[0]
    assert f"dataset {first.dataset_id}" in again.assumptions[0]
    after = (
        store.list_datasets(db),
        db.execute(STORED).fetchall(),
        store.data_version(db),
        stored_day_bands(db),
    )
    assert after == before
    assert len(after[0]) == 1 and store.count_rows(db, "survey") == 800
    assert after[1] == as_stored(frame)
    assert after[3] == day_bands(frame)
    db.conn.close()


# -- 3. and 4. Imports at the same time ------------------------------------------------------------


def import_together(url: str, paths: list[Path], chunk_rows: int = 5_000) -> list:
    """Import each file on a thread of its own, each with its own connection, started at the
    same moment; returns each import's report (or the exception it raised)."""
    barrier = threading.Barrier(len(paths))

    def run(path):
        db = store.connect(url)
        try:
            barrier.wait(timeout=30)
            return ingest.import_file(db, path, "survey", chunk_rows=chunk_rows)
        except Exception as error:  # reported to the test, which fails on it
            return error
        finally:
            db.conn.close()

    with ThreadPoolExecutor(len(paths)) as threads:
        return list(threads.map(run, paths))


def _no_errors(results):
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors


@pytest.mark.slow
def test_two_imports_of_different_files_at_once_both_land_with_exact_counts(pg_url, tmp_path):
    db = store.connect(pg_url)
    base = survey_frame(range(1_000_000, 1_000_500), seed=3)
    ingest.import_file(db, write_frame(base, tmp_path / "base.csv"), "survey")
    first = survey_frame(range(0, 30_000), seed=4)
    second = survey_frame(range(30_000, 60_000), seed=5)
    paths = [write_frame(first, tmp_path / "a.csv"), write_frame(second, tmp_path / "b.csv")]
    results = import_together(pg_url, paths)
    _no_errors(results)
    assert [(r.already_imported, r.accepted, r.inserted) for r in results] == [
        (False, 30_000, 30_000),
        (False, 30_000, 30_000),
    ]
    datasets = store.list_datasets(db)
    assert sorted(d["file_name"] for d in datasets) == ["a.csv", "b.csv", "base.csv"]
    assert sorted(d["rows_stored"] for d in datasets) == [500, 30_000, 30_000]
    assert store.count_rows(db, "survey") == 60_500
    assert counts.consistent(db)
    everything = pd.concat([base, first, second])
    assert stored_day_bands(db) == day_bands(everything)
    assert db.execute(STORED).fetchall() == as_stored(everything)
    db.conn.close()


def wait_for_backend(pg_server: str, url: str, condition: str, seconds: float = 60) -> None:
    """Wait until a session on the database at ``url`` matches ``condition`` (SQL on
    pg_stat_activity)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = server_query(
            pg_server,
            f"SELECT 1 FROM pg_stat_activity WHERE datname = %s AND ({condition})",
            [dbname(url)],
        )
        if found:
            return
        time.sleep(0.02)
    pytest.fail(f"no session on the database matched {condition} within {seconds} s")


@pytest.mark.slow
@pytest.mark.parametrize("table_had_rows", [False, True], ids=["empty-table", "table-had-rows"])
def test_two_imports_sharing_response_ids_at_once_keep_one_row_per_id(
    pg_server, pg_url, tmp_path, table_had_rows
):
    """Two exports of the same tool that overlap on 10,000 responses (the same answers in
    both), the second started while the first holds its rows uncommitted: one row per
    response id, and the per-day counts count each once."""
    db = store.connect(pg_url)
    everything = survey_frame(range(50_000), seed=6)
    if table_had_rows:
        base = survey_frame(range(1_000_000, 1_000_500), seed=7)
        ingest.import_file(db, write_frame(base, tmp_path / "base.csv"), "survey")
        everything = pd.concat([everything, base])
    first, second = everything.iloc[:30_000], everything.iloc[20_000:50_000]
    # One chunk: the first import holds all its rows uncommitted while the second starts.
    held = HeldImport(pg_url, write_frame(first, tmp_path / "a.csv"), chunk_rows=100_000)
    try:
        assert held.written_one_chunk.wait(60), held.result
        wait_for_backend(pg_server, pg_url, "state = 'idle in transaction'")  # rows written
        results = []
        other = threading.Thread(
            target=lambda: results.extend(import_together(pg_url, [tmp_path / "b.csv"]))
        )
        write_frame(second, tmp_path / "b.csv")
        other.start()
        wait_for_backend(pg_server, pg_url, "wait_event_type = 'Lock'")  # on the shared ids
    finally:
        held.release()
    other.join(120)
    results.insert(0, held.result)
    _no_errors(results)
    assert [r.accepted for r in results] == [30_000, 30_000]
    # The 10,000 shared responses are new to whichever import wrote them first.
    assert sum(r.inserted for r in results) == 50_000
    assert store.count_rows(db, "survey") == len(everything)
    assert db.execute(STORED).fetchall() == as_stored(everything)
    counted = db.execute(
        "SELECT sum(detractors + passives + promoters) FROM survey_counts WHERE dim = ''"
    ).fetchone()[0]
    assert counted == len(everything)
    assert stored_day_bands(db) == day_bands(everything)
    assert counts.consistent(db)
    db.conn.close()


def test_the_same_file_from_two_places_at_once_is_imported_once(pg_url, tmp_path):
    frame = survey_frame(range(20_000), seed=8)
    path = write_frame(frame, tmp_path / "march.csv")
    results = import_together(pg_url, [path, path])
    _no_errors(results)
    assert sorted(r.already_imported for r in results) == [False, True]
    done = next(r for r in results if not r.already_imported)
    again = next(r for r in results if r.already_imported)
    assert again.dataset_id == done.dataset_id
    assert "already imported" in again.assumptions[0]
    db = store.connect(pg_url)
    assert [d["id"] for d in store.list_datasets(db)] == [done.dataset_id]
    assert store.count_rows(db, "survey") == 20_000
    assert counts.consistent(db)
    assert stored_day_bands(db) == day_bands(frame)
    db.conn.close()


# -- 5. Readers and an erasure while an import runs ------------------------------------------------


class HeldImport:
    """An import on a thread, held open (inside its transaction) after its first chunk until
    :meth:`release`."""

    def __init__(self, url: str, path: Path, chunk_rows: int):
        self.written_one_chunk = threading.Event()
        self._go_on = threading.Event()
        self.result = None
        self.chunks_seen = 0

        def progress(fraction, text):
            if " of " in text:  # "Imported 20,000 of 200,000 rows…": inside the transaction
                self.chunks_seen += 1
                if self.chunks_seen == 1:
                    self.written_one_chunk.set()
                    assert self._go_on.wait(120), "the test never released the import"

        def run():
            db = store.connect(url)
            try:
                self.result = ingest.import_file(
                    db, path, "survey", chunk_rows=chunk_rows, progress=progress
                )
            except Exception as error:
                self.result = error
            finally:
                db.conn.close()

        self.thread = threading.Thread(target=run, name="held-import")
        self.thread.start()

    def release(self) -> None:
        self._go_on.set()
        self.thread.join(120)


def within(seconds: float, fn, *args):
    """``fn(*args)`` on another thread; fails the test if it takes longer than ``seconds``."""
    pool = ThreadPoolExecutor(1)
    future = pool.submit(fn, *args)
    try:
        return future.result(timeout=seconds)
    except FutureTimeout:
        pytest.fail(f"{getattr(fn, '__name__', fn)} was still waiting after {seconds} s")
    finally:
        pool.shutdown(wait=False)


@pytest.mark.slow
def test_an_import_blocks_neither_readers_nor_an_erasure(pg_url, tmp_path):
    db = store.connect(pg_url)
    base = survey_frame(range(1_000_000, 1_002_000), seed=9, customers=400)
    ingest.import_file(db, write_frame(base, tmp_path / "base.csv"), "survey")
    # The big file's customers (C10000…) are not the base file's (C00000–C00399).
    big = survey_frame(range(200_000), seed=10, extra="effort")
    big["customer_id"] = [f"C{10_000 + i % 5_000:05d}" for i in range(len(big))]
    held = HeldImport(pg_url, write_frame(big, tmp_path / "big.csv"), chunk_rows=20_000)
    try:
        assert held.written_one_chunk.wait(60), held.result
        reader = store.connect(pg_url)
        started = time.perf_counter()
        seen = within(2, lambda: reader.execute("SELECT count(*) FROM survey").fetchone()[0])
        listed = within(2, store.list_datasets, reader)
        assert time.perf_counter() - started < 2
        assert seen == len(base)
        assert [(d["file_name"], d["rows_stored"]) for d in listed] == [("base.csv", 2_000)]
        erased = within(20, safekeeping.erase_customer, reader, "C00007")
        expected = int((base["customer_id"] == "C00007").sum())
        assert expected > 0
        assert erased["removed"]["survey"] == expected
        assert held.thread.is_alive() and held.result is None  # still open all along
        reader.conn.close()
    finally:
        held.release()
    assert not isinstance(held.result, BaseException), held.result
    assert held.result.accepted == len(big)
    remaining = pd.concat([base[base["customer_id"] != "C00007"], big])
    assert store.count_rows(db, "survey") == len(remaining)
    assert counts.consistent(db)
    assert stored_day_bands(db) == day_bands(remaining)
    db.conn.close()


# -- 6. An import killed half-way ------------------------------------------------------------------


def _copy_running(pg_server: str, url: str) -> int | None:
    rows = server_query(
        pg_server,
        "SELECT pid FROM pg_stat_activity WHERE datname = %s AND query ILIKE 'COPY%%'",
        [dbname(url)],
    )
    return rows[0][0] if rows else None


@pytest.fixture
def killed_import(pg_server, pg_url, tmp_path):
    """A database holding one small import, and a big import of a file with an extra column
    (``effort``) killed with SIGKILL once the server shows it copying rows. Returns the
    database, the base frame, the big file and the survey columns before the kill."""
    db = store.connect(pg_url)
    base = survey_frame(range(1_000_000, 1_000_300), seed=11)
    ingest.import_file(db, write_frame(base, tmp_path / "base.csv"), "survey")
    columns = store.table_columns(db, "survey")
    big = write_frame(survey_frame(range(400_000), seed=12, extra="effort"), tmp_path / "big.csv")
    process = subprocess.Popen(
        [sys.executable, "-m", "cxdata", "import", str(big), "--kind", "survey", "--db", pg_url],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        backend = None
        while backend is None and process.poll() is None and time.monotonic() < deadline:
            backend = _copy_running(pg_server, pg_url)
            time.sleep(0.02)
        assert process.poll() is None, "the import ended before it could be killed: make it bigger"
        assert backend is not None, "the server never showed the import's COPY"
        process.send_signal(signal.SIGKILL)
        process.wait(30)
        # The server ends the killed client's session (and rolls back) when it sees it gone.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and server_query(
            pg_server, "SELECT 1 FROM pg_stat_activity WHERE pid = %s", [backend]
        ):
            time.sleep(0.05)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    yield db, base, big, columns
    db.conn.close()


@pytest.mark.slow
def test_a_killed_import_leaves_no_rows_and_the_file_can_come_again(killed_import):
    db, base, big, _ = killed_import
    assert [d["file_name"] for d in store.list_datasets(db)] == ["base.csv"]
    assert db.execute(STORED).fetchall() == as_stored(base)
    assert db.execute("SELECT count(*) FROM dataset_rejections").fetchone()[0] == 0
    assert counts.consistent(db)
    assert stored_day_bands(db) == day_bands(base)
    again = ingest.import_file(db, big, "survey")
    assert (again.already_imported, again.accepted, again.inserted) == (False, 400_000, 400_000)
    assert store.count_rows(db, "survey") == 400_300
    assert counts.consistent(db)


@pytest.mark.slow
def test_a_killed_import_leaves_no_extra_columns(killed_import, pg_url):
    """The killed import added its column before its transaction; the next connection
    (the user's next command or page) finds it abandoned and unused, and drops it."""
    db, _, _, columns = killed_import
    assert "effort" in store.table_columns(db, "survey")  # what the kill left
    after = store.connect(pg_url)
    try:
        assert store.table_columns(after, "survey") == columns
        assert after.execute("SELECT count(*) FROM pending_columns").fetchone()[0] == 0
    finally:
        after.conn.close()


# -- 7. Deleting a dataset, erasing a customer -----------------------------------------------------


def test_deleting_an_import_brings_back_the_rows_it_overwrote(pg_url, tmp_path):
    db = store.connect(pg_url)
    august = survey_frame(range(300), seed=13)
    september = survey_frame(range(200, 400), seed=14)  # 100 of August's answers, re-scored
    september["channel"] = "Chat"
    a = ingest.import_file(db, write_frame(august, tmp_path / "august.csv"), "survey")
    s = ingest.import_file(db, write_frame(september, tmp_path / "september.csv"), "survey")
    assert (s.inserted, s.updated) == (100, 100)
    merged = pd.concat([august[august["response_id"] < "R0000200"], september])
    assert db.execute(STORED).fetchall() == as_stored(merged)
    assert counts.consistent(db)
    deletion = store.dataset_deletion(db, s.dataset_id)
    assert (deletion.removed, deletion.restored) == (100, 100)
    assert db.execute(STORED).fetchall() == as_stored(august)
    assert db.execute("SELECT DISTINCT dataset_id FROM survey").fetchall() == [(a.dataset_id,)]
    assert db.execute("SELECT count(*) FROM row_versions").fetchone()[0] == 0
    assert counts.consistent(db)
    assert stored_day_bands(db) == day_bands(august)
    db.conn.close()


def _vacuumed_at(db) -> str | None:
    row = db.execute(
        "SELECT last_vacuum FROM pg_stat_user_tables WHERE relname = 'survey'"
    ).fetchone()
    return row[0] if row else None


def test_an_erasure_removes_the_customer_everywhere_and_vacuums(pg_url, tmp_path):
    db = store.connect(pg_url)
    customer = "C00007"
    august = survey_frame(range(300), seed=15, customers=50)
    september = survey_frame(range(250, 350), seed=16, customers=50)
    ingest.import_file(db, write_frame(august, tmp_path / "august.csv"), "survey")
    # A rejected row that names the customer, kept with its cells for the import report.
    with open(write_frame(september, tmp_path / "september.csv"), "a") as f:
        f.write(f"R9999999,2025-03-02,eleven,Phone,Sales,{customer}\n")
    ingest.import_file(db, tmp_path / "september.csv", "survey")
    tickets = tmp_path / "tickets.csv"
    tickets.write_text(
        "interaction_id,occurred_at,customer_id,handle_time_min\n"
        f"T1,2025-03-01,{customer},4.5\nT2,2025-03-02,C00008,3.0\n"
    )
    ingest.import_file(db, tickets, "transactional")
    both = pd.concat([august, september]).drop_duplicates("response_id", keep="last")
    held = {
        "survey": int((both["customer_id"] == customer).sum()),
        "transactional": 1,
        "row_versions": int(
            (august[august["response_id"] >= "R0000250"]["customer_id"] == customer).sum()
        ),
        "rejected_rows": 1,
    }
    assert all(held.values()), held
    assert _vacuumed_at(db) is None
    result = safekeeping.erase_customer(db, customer)
    assert {k: result["removed"][k] for k in held} == held
    assert result["wal_cleared"] is True
    for table in ("survey", "transactional", "relationship", "outcomes", "row_versions"):
        left = db.execute(f"SELECT count(*) FROM {table} WHERE customer_id = ?", [customer])
        assert left.fetchone()[0] == 0, table
    rejected = db.execute("SELECT cells FROM dataset_rejections").fetchall()
    assert all(customer not in str(cells) for (cells,) in rejected)
    assert db.execute("SELECT rows_removed FROM erasures").fetchall() == [(sum(held.values()),)]
    assert store.count_rows(db, "survey") == len(both) - held["survey"]
    assert counts.consistent(db)
    assert stored_day_bands(db) == day_bands(both[both["customer_id"] != customer])
    deadline = time.monotonic() + 5  # statistics reach the view within a moment
    while _vacuumed_at(db) is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _vacuumed_at(db) is not None
    db.conn.close()


# -- 8. and 9. migrate, backup, restore ------------------------------------------------------------


@pytest.mark.slow
def test_migrate_to_a_server_and_back_keeps_every_figure(capsys, tmp_path, pg_url, sample_file):
    back = tmp_path / "back.db"
    code, out, err = run_cli(capsys, "migrate", "--from", sample_file, "--to", pg_url, "--json")
    assert code == 0, err
    copied = json.loads(out)
    source = sqlite3.connect(sample_file)
    held = {k: source.execute(f"SELECT count(*) FROM {k}").fetchone()[0] for k in store.KINDS}
    source.close()
    assert {k: copied["rows"][k] for k in store.KINDS} == held
    code, _, err = run_cli(capsys, "migrate", "--from", pg_url, "--to", back)
    assert code == 0, err
    figures = []
    for address in (sample_file, pg_url, back):
        code, out, err = run_cli(capsys, "nps", "--by", "month", "--json", "--db", address)
        assert code == 0, err
        figures.append(out)
    assert figures[1] == figures[0]
    assert figures[2] == figures[0]

    code, out, err = run_cli(capsys, "migrate", "--from", sample_file, "--to", pg_url)
    assert code == 2
    assert "already holds data" in err and "--replace" in err
    assert out == ""
    code, _, err = run_cli(capsys, "migrate", "--from", sample_file, "--to", pg_url, "--replace")
    assert code == 0, err
    code, out, _ = run_cli(capsys, "nps", "--by", "month", "--json", "--db", pg_url)
    assert out == figures[0]


def test_a_backup_of_a_server_is_one_sqlite_file_that_restores_it(capsys, tmp_path, pg_url):
    db = store.connect(pg_url)
    first = survey_frame(range(500), seed=17)
    ingest.import_file(db, write_frame(first, tmp_path / "first.csv"), "survey")
    as_backed_up = (db.execute(STORED).fetchall(), [d["id"] for d in store.list_datasets(db)])
    out = tmp_path / "saved" / "cx.db"
    code, printed, err = run_cli(capsys, "backup", "--db", pg_url, "--out", out, "--json")
    assert code == 0, err
    assert json.loads(printed)["survey"] == 500
    assert sorted(p.name for p in out.parent.iterdir()) == ["cx.db"]  # no -wal, no -shm
    assert out.read_bytes()[:16] == b"SQLite format 3\x00"
    copy = sqlite3.connect(out)
    assert copy.execute(STORED).fetchall() == as_stored(first)
    copy.close()

    second = survey_frame(range(400, 900), seed=18)
    ingest.import_file(db, write_frame(second, tmp_path / "second.csv"), "survey")
    safekeeping.erase_customer(db, "C00003")
    assert db.execute(STORED).fetchall() != as_backed_up[0]
    db.conn.close()

    code, printed, err = run_cli(capsys, "restore", "--db", pg_url, out, "--json")
    assert code == 0, err
    assert Path(json.loads(printed)["kept"]).is_file()
    db = store.connect(pg_url)
    assert (db.execute(STORED).fetchall(), [d["id"] for d in store.list_datasets(db)]) == (
        as_backed_up
    )
    assert counts.consistent(db)
    assert stored_day_bands(db) == day_bands(first)
    db.conn.close()


# -- 10. The pool ----------------------------------------------------------------------------------


def test_the_pool_keeps_at_most_its_size_of_connections(pg_server, pg_url):
    store.connect(pg_url).conn.close()  # the schema, once
    for _ in range(50):
        db = store.connect(pg_url)
        assert db.execute("SELECT count(*) FROM survey").fetchone() == (0,)
        db.conn.close()
    assert 1 <= connections_to(pg_server, pg_url) <= postgres.POOL_SIZE
    held = [store.connect(pg_url) for _ in range(postgres.POOL_SIZE)]
    assert connections_to(pg_server, pg_url) == postgres.POOL_SIZE
    for db in held:
        db.conn.close()
    for _ in range(50):
        store.connect(pg_url).conn.close()
    assert connections_to(pg_server, pg_url) <= postgres.POOL_SIZE


def _all_back(url: str) -> int:
    """Wait until every connection of the pool of ``url`` is back and reset (the pool resets a
    returned connection, rollback and DISCARD TEMP, on a worker thread); return how many."""
    deadline = time.monotonic() + 10
    while True:
        stats = postgres.pool(url).get_stats()
        if stats.get("pool_available", 0) == stats.get("pool_size", 0):
            return stats.get("pool_size", 0)
        assert time.monotonic() < deadline, f"connections not given back: {stats}"
        time.sleep(0.01)


def test_a_scoped_connections_views_are_gone_for_the_next_holder(pg_server, sample_pg):
    plain = store.connect(sample_pg)
    total = plain.execute("SELECT count(*) FROM survey").fetchone()[0]
    sales = plain.execute("SELECT count(*) FROM survey WHERE department = 'Sales'")
    sales = sales.fetchone()[0]
    plain.conn.close()
    assert 0 < sales < total

    scoped = store.connect(store.scoped_address(sample_pg, "Sales"))
    scoped_pid = scoped.execute("SELECT pg_backend_pid()").fetchone()[0]
    assert scoped.execute("SELECT count(*) FROM survey").fetchone()[0] == sales
    scoped.conn.close()
    # Every connection the pool holds, taken at once: the scoped one is among them.
    held = [store.connect(sample_pg) for _ in range(_all_back(sample_pg))]
    pids = [db.execute("SELECT pg_backend_pid()").fetchone()[0] for db in held]
    assert scoped_pid in pids
    for db in held:
        assert db.execute("SELECT count(*) FROM survey").fetchone()[0] == total
        temp_views = db.execute(
            "SELECT count(*) FROM pg_class WHERE relpersistence = 't' AND relkind = 'v'"
        ).fetchone()[0]
        assert temp_views == 0
        db.conn.close()
    assert connections_to(pg_server, sample_pg) <= postgres.POOL_SIZE
