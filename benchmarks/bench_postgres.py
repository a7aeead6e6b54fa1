"""The PostgreSQL store on an N-row survey CSV, against raw SQL on the same server in the same
process: the import, the monthly trend and a re-import of the same file.

The server: ``CXDATA_BENCH_PG_URL`` (a role allowed to create databases) when set; otherwise a
throwaway cluster started for the run (``tests.postgres.start_cluster``: a unix socket only,
durability off) and removed at the end. With no server to be had the figures are skipped with
a line saying why and the script exits 0, so ``make bench`` runs on a machine without
PostgreSQL; under ``CI=true`` it exits 1 instead.

- Import. Ours: ``cxdata.ingest.import_file`` into a fresh database (the schema made before the
  clock starts). Baseline: ``COPY … FROM STDIN WITH (FORMAT csv, HEADER)`` streaming the file's
  bytes into a bare table of the file's columns (in the types ours gives them, plus the
  ``source`` and ``dataset_id`` the keys use, filled by defaults), printed alone (the floor)
  and with the survey table's unique key and secondary indexes built afterwards (their
  definitions read from ours). Best of ``--repeats``, alternating which side goes first.
  Target: ratio ≤ 3 against COPY + indexes, peak ≤ 600 MB.
- Monthly trend (``nps.trend``), whole database and filtered, against one
  ``date_trunc('month', responded_at)`` ``GROUP BY`` over the survey table with the same filter.
  Target: ratio ≤ 2; the filters ours answers with SQL on the responses are printed only.
- Re-import of the same file (found by its SHA-256, nothing written) against hashing the file
  with ``hashlib``. Target: ratio ≤ 3.
"""

from __future__ import annotations

import csv
import hashlib
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from common import arguments, best_of, peak_mb, report, survey_file

URL_VARIABLE = "CXDATA_BENCH_PG_URL"
SESSION = "-c TimeZone=UTC -c DateStyle=ISO"
BLOCK = 1 << 20


class Unavailable(Exception):
    """No PostgreSQL server for the benchmark; the message says why."""


@contextmanager
def server() -> Iterator[str]:
    """A superuser (or createdb) URL on a server: the given one, or a throwaway cluster."""
    external = os.environ.get(URL_VARIABLE)
    try:
        import psycopg

        if external:
            with psycopg.connect(external, connect_timeout=10):
                pass
        else:
            from tests.postgres import ServerUnavailable, start_cluster
    except ImportError as error:
        raise Unavailable(f"{error.name or error} is not installed") from error
    except psycopg.OperationalError as error:
        raise Unavailable(f"cannot connect to {URL_VARIABLE}: {error}") from error
    if external:
        yield external
        return
    try:
        cluster = start_cluster()
    except ServerUnavailable as error:
        raise Unavailable(str(error)) from error
    try:
        yield cluster.url
    finally:
        cluster.stop()


def maintenance_db(base: str) -> str:
    return urlsplit(base).path.lstrip("/") or "postgres"


# -- Import ------------------------------------------------------------------------------------


def ours_import(path: Path, base: str) -> tuple[float, str]:
    """Seconds ``import_file`` takes into a fresh database, and that database's URL."""
    from cxdata import ingest, store
    from tests.postgres import new_database

    url = new_database(base)
    db = store.connect(url)
    start = time.perf_counter()
    ingest.import_file(db, path, "survey")
    elapsed = time.perf_counter() - start
    db.conn.close()
    return elapsed, url


def raw_table(path: Path, ours_url: str) -> tuple[str, list[str], list[str]]:
    """The baseline's table (the file's columns in the types ours stored them as, plus the
    key's ``source`` and ``dataset_id`` as ours filled them), its column list for COPY, and
    ours' unique key and secondary indexes (not the primary key) rewritten for it."""
    import psycopg

    with open(path, newline="", encoding="utf-8") as f:
        header = next(csv.reader(f))
    with psycopg.connect(ours_url, options=SESSION) as conn:
        types = dict(
            conn.execute(
                "SELECT column_name, format_type(atttypid, atttypmod) FROM information_schema"
                ".columns JOIN pg_attribute ON attrelid = 'survey'::regclass "
                "AND attname = column_name WHERE table_name = 'survey'"
            ).fetchall()
        )
        source, dataset_id = conn.execute(
            "SELECT source, dataset_id FROM survey LIMIT 1"
        ).fetchone()
        indexes = [
            definition.replace(" ON public.survey ", " ON public.raw ")
            for (definition,) in conn.execute(
                "SELECT pg_get_indexdef(indexrelid) FROM pg_index "
                "WHERE indrelid = 'survey'::regclass AND NOT indisprimary ORDER BY indexrelid"
            )
        ]
    quoted = [f'"{name}"' for name in header]
    columns = [f"{q} {types[name]}" for q, name in zip(quoted, header)]
    columns += [
        f"source text NOT NULL DEFAULT '{source}'",
        f"dataset_id bigint DEFAULT {dataset_id}",
    ]
    return f"CREATE TABLE raw ({', '.join(columns)})", quoted, indexes


def raw_import(
    path: Path, base: str, table: tuple[str, list[str], list[str]]
) -> tuple[float, float]:
    """Seconds for a bare COPY of the file, and for COPY plus the same indexes."""
    import psycopg

    from tests.postgres import drop_database, new_database

    create, columns, indexes = table
    url = new_database(base)
    try:
        with psycopg.connect(url, autocommit=True, options=SESSION) as conn:
            conn.execute(create)
            start = time.perf_counter()
            sql = f"COPY raw ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, HEADER)"
            with conn.cursor() as cursor, cursor.copy(sql) as copy, open(path, "rb") as f:
                while block := f.read(BLOCK):
                    copy.write(block)
            copied = time.perf_counter() - start
            for statement in indexes:
                conn.execute(statement)
            indexed = time.perf_counter() - start
    finally:
        drop_database(url, maintenance_db(base))
    return copied, indexed


def import_figures(path: Path, base: str, rows: int, repeats: int) -> str:
    """Print the import's figures; return the URL of a database holding the file (ours)."""
    from tests.postgres import drop_database

    ours_times, copy_times, indexed_times = [], [], []
    memory = 0.0
    kept = ""
    table = None
    for run in range(max(1, repeats)):
        # Ours first on the first run, so the peak memory is ours; after that the order
        # alternates, so neither side always follows the other's writes being flushed.
        if run % 2 == 0:
            elapsed, url = ours_import(path, base)
            memory = memory or peak_mb()
            table = table or raw_table(path, url)
            copied, indexed = raw_import(path, base, table)
        else:
            copied, indexed = raw_import(path, base, table)
            elapsed, url = ours_import(path, base)
        ours_times.append(elapsed)
        copy_times.append(copied)
        indexed_times.append(indexed)
        if kept:
            drop_database(kept, maintenance_db(base))
        kept = url
    ours = min(ours_times)
    report(
        f"PG import {rows:,} rows vs COPY + indexes",
        ours,
        min(indexed_times),
        target="ratio ≤ 3, peak ≤ 600 MB",
        memory=memory,
    )
    report(f"PG import {rows:,} rows vs bare COPY", ours, min(copy_times), target="printed only")
    return kept


# -- Trend -------------------------------------------------------------------------------------


def raw_trend_sql(column: str | None, segment: str | None) -> str:
    """The baseline: promoters, passives and detractors per month in one GROUP BY."""
    where = f' WHERE "{column}" = %s' if column else ""
    by = f', "{segment}"' if segment else ""
    return (
        "SELECT date_trunc('month', responded_at)" + by + ", "
        "count(*) FILTER (WHERE score <= 6), count(*) FILTER (WHERE score BETWEEN 7 AND 8), "
        "count(*) FILTER (WHERE score >= 9) FROM survey" + where + " GROUP BY 1" + by
    )


def trend_figures(url: str, repeats: int) -> None:
    import psycopg

    from cxdata import nps, store

    db = store.connect(url)
    cases = {
        "whole database": (nps.Query(), None, "ratio ≤ 2"),
        "channel = Chat": (nps.Query(where=(("channel", "Chat"),)), None, "ratio ≤ 2"),
        "touchpoint = Repair": (nps.Query(where=(("touchpoint", "Repair"),)), None, "ratio ≤ 2"),
        "department = Sales": (nps.Query(where=(("department", "Sales"),)), None, "ratio ≤ 2"),
        "region = North": (nps.Query(where=(("region", "North"),)), None, "ratio ≤ 2"),
        "product = TV by region (SQL)": (
            nps.Query(where=(("product", "TV"),)),
            "region",
            "printed only",
        ),
        "ease = 5 (SQL)": (nps.Query(where=(("ease", "5"),)), None, "printed only"),
    }
    with psycopg.connect(url, autocommit=True, options=SESSION) as raw:
        for label, (query, segment, target) in cases.items():
            (column, value), *_ = query.where or ((None, None),)
            sql = raw_trend_sql(column, segment)
            params = [value] if column else None
            found = raw.execute(sql, params).fetchall()
            if not found:
                raise SystemExit(f"the baseline found no rows for {label}: {sql}")
            baseline = best_of(lambda s=sql, p=params: raw.execute(s, p).fetchall(), repeats)
            ours = best_of(lambda q=query, s=segment: nps.trend(db, "month", q, s), repeats)
            report(f"PG monthly trend, {label}", ours, baseline, target=target)
    db.conn.close()


# -- Re-import ---------------------------------------------------------------------------------


def reimport_figure(path: Path, url: str, repeats: int) -> None:
    from cxdata import ingest, store

    db = store.connect(url)

    def again() -> None:
        if not ingest.import_file(db, path, "survey").already_imported:
            raise SystemExit("the re-import was not recognised as the same file")

    def digest() -> None:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            while block := f.read(BLOCK):
                h.update(block)
        h.hexdigest()

    ours = best_of(again, repeats)
    baseline = best_of(digest, repeats)
    report("PG re-import of the same file (no-op)", ours, baseline, target="ratio ≤ 3")
    db.conn.close()


def main() -> None:
    args = arguments(__doc__)
    path = survey_file(args.rows)
    try:
        with server() as base:
            from cxdata.store import postgres
            from tests.postgres import drop_database

            url = import_figures(path, base, args.rows, args.repeats)
            try:
                trend_figures(url, args.repeats)
                reimport_figure(path, url, args.repeats)
            finally:
                drop_database(url, maintenance_db(base))
                postgres.close_pools()
    except Unavailable as error:
        ci = os.environ.get("CI") == "true"
        reason = " ".join(str(error).split()).rstrip(".?")
        hint = "" if os.environ.get(URL_VARIABLE) else f"; install postgresql or set {URL_VARIABLE}"
        print(
            f"PostgreSQL figures skipped: {reason}{hint}"
            + (" (an error under CI=true)" if ci else ""),
            flush=True,
        )
        sys.exit(1 if ci else 0)


if __name__ == "__main__":
    main()
