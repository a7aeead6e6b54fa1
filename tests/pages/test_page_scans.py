"""No page reads every response to draw itself, except where the figure needs them (SPEC §9):
each page is run once on the sample with empty caches, every statement its
connections execute is recorded, and SQLite's EXPLAIN QUERY PLAN says which of them scan a
whole data table (survey, transactional, relationship, outcomes). A scan that is bounded
(``LIMIT``) is fine; any other must be listed in ``KNOWN_SCANS`` with why. A new one fails
this test: make it an index lookup or a maintained aggregate, or list it here knowingly."""

import re
import sqlite3

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from cxdata.store import schema

from .conftest import ROOT

pytestmark = pytest.mark.sqlite_only("SQLite's EXPLAIN QUERY PLAN")

PAGES = ["pages/briefing.py", "pages/trends.py", "pages/drivers.py", "pages/maturity.py",
         "pages/milestones.py", "pages/data.py"]  # fmt: skip

DATA_TABLES = ("survey", "transactional", "relationship", "outcomes")
SQL_WORDS = {"WHERE", "ON", "JOIN", "LEFT", "GROUP", "ORDER", "LIMIT", "USING", "AND", "UNION",
             "INNER", "CROSS", "SET", "VALUES", "WINDOW"}  # fmt: skip

BRIEFING, DRIVERS, MILESTONES, DATA = (
    "pages/briefing.py", "pages/drivers.py", "pages/milestones.py", "pages/data.py"
)  # fmt: skip

# Whole-table scans the pages still make: a regular expression over the statement (its values
# replaced by ?) → why it is there and the pages that may make it.
KNOWN_SCANS = {
    # What a point of NPS is worth: how far the link from relationship responses to
    # outcomes reaches, over every outcome; to become counts kept with the link.
    r"^SELECT count\(\*\), count\(DISTINCT customer_id\) FROM outcomes$": (
        "outcome link",
        {BRIEFING, DRIVERS, MILESTONES},
    ),
    # Drivers: the relationship → earlier touchpoint lookback, one pass over the relationship
    # responses (5 s at 10 million); to become a maintained link table.
    r"FROM relationship r LEFT JOIN survey s ON s.customer_id = r.customer_id": (
        "lookback",
        {DRIVERS},
    ),
    # Drivers: the KPIs of each response's interaction (counts, buckets, the sampled rows);
    # to be read through a maintained link and an indexed sample key.
    r"FROM survey s (LEFT )?JOIN transactional t ON t.id = \(SELECT min\(t2.id\)": (
        "KPIs",
        {DRIVERS},
    ),
    # Drivers: the size of the table the 100,000-row sample is drawn from, and how many
    # responses answered each rating.
    r'^SELECT count\(\*\) FROM "survey"$': ("sample size", {DRIVERS}),
    r'^SELECT count\("[^"]+"\)(, count\("[^"]+"\))* FROM survey$': ("ratings", {DRIVERS}),
    # Drivers: theme shares from every comment (read into Python); to be counted in SQL.
    r'^SELECT comment, score FROM "survey" WHERE comment IS NOT NULL': ("themes", {DRIVERS}),
}


def recorded_statements(monkeypatch, page: str) -> list[str]:
    seen: list[str] = []
    opened = schema.open_file

    def traced(*args, **kwargs):
        db = opened(*args, **kwargs)
        db.conn.set_trace_callback(seen.append)
        return db

    monkeypatch.setattr(schema, "open_file", traced)
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()  # the Briefing
    if page != BRIEFING:
        seen.clear()  # only what this page asks, from empty caches
        st.cache_data.clear()
        at.switch_page(page).run()
    assert not at.exception
    return seen


def shape(sql: str) -> str:
    text = " ".join(sql.split())
    return re.sub(r"'(?:[^']|'')*'|(?<![\w\"])-?\d+(\.\d+)?\b", "?", text)


def full_scans(path, statements: list[str]) -> dict[str, list[str]]:
    """The statements (by shape) whose plan scans a data table without a bound."""
    check = sqlite3.connect(path)
    found: dict[str, list[str]] = {}
    for sql in statements:
        if not re.match(r"\s*(SELECT|WITH)\b", sql, re.I):
            continue
        if re.search(r"\bLIMIT\b", sql, re.I) and not re.search(r"\bGROUP BY\b", sql, re.I):
            continue  # reads at most its LIMIT of rows
        plan = [row[-1] for row in check.execute("EXPLAIN QUERY PLAN " + sql).fetchall()]
        # The plan names a table by its alias when it has one (FROM survey s: "SCAN s").
        names = set(DATA_TABLES) | {
            alias
            for table, alias in re.findall(
                rf"\b\"?({'|'.join(DATA_TABLES)})\"?\s+(?:AS\s+)?(\w+)", sql, re.I
            )
            if alias.upper() not in SQL_WORDS
        }
        scans = [p for p in plan if re.match(r"SCAN (\w+)", p) and p.split()[1] in names]
        if scans:
            found[shape(sql)] = scans
    check.close()
    return found


@pytest.mark.parametrize("page", PAGES)
def test_a_page_scans_no_data_table_it_need_not(page, sample_db, fresh_database, monkeypatch):
    statements = recorded_statements(monkeypatch, page)
    assert statements, "no statement was recorded: the trace is not attached"
    unexpected = {
        s: plan
        for s, plan in full_scans(fresh_database, statements).items()
        if not any(
            re.search(known, s) and page in pages for known, (_, pages) in KNOWN_SCANS.items()
        )
    }
    assert not unexpected, "\n".join(f"{plan}: {s[:300]}" for s, plan in unexpected.items())
