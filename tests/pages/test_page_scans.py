"""No page reads every response to draw itself, except where the figure needs them (SPEC §9):
each page is run once on the sample with empty caches, every statement its
connections execute is recorded, and SQLite's EXPLAIN QUERY PLAN says which of them scan a
whole data table (survey, transactional, relationship, outcomes). A scan that is bounded by
the statement's own ``LIMIT`` (at its end: a subquery's bounds only the subquery) is let
pass: it stops at its limit, though a filter that few rows match may read far before it;
any other must be listed in ``KNOWN_SCANS`` with why. A new one fails
this test: make it an index lookup or a maintained aggregate, or list it here knowingly."""

import re
import sqlite3

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from cxdata.store import links, schema

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
    # What a point of NPS is worth: every outcome that says whether the customer churned,
    # each linked to its customer's responses through the index; the value needs them all
    # (280,000 outcomes of ten million responses: 1.8 s).
    r"^WITH o AS MATERIALIZED \( SELECT o\.id, o\.customer_id, o\.observed_at, o\.churned": (
        "outcome link",
        {BRIEFING, DRIVERS, MILESTONES},
    ),
    # ...and its customer base (every customer with an outcome), from the whole
    # (customer_id, observed_at) index of the outcomes.
    r"^SELECT count\(DISTINCT customer_id\) FROM outcomes$": (
        "outcome link",
        {BRIEFING, DRIVERS, MILESTONES},
    ),
}

# The pages run with a sample size below the sample's rows, as a database of millions of
# responses runs with links.SAMPLE_ROWS: the Drivers page's reads are the sampled ones.
SMALL_SAMPLE = 2_000


def recorded_statements(monkeypatch, page: str) -> list[str]:
    seen: list[str] = []
    opened = schema.open_file

    def traced(*args, **kwargs):
        db = opened(*args, **kwargs)
        db.conn.set_trace_callback(seen.append)
        return db

    monkeypatch.setattr(schema, "open_file", traced)
    monkeypatch.setattr(links, "SAMPLE_ROWS", SMALL_SAMPLE)
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
        if re.search(r"\bLIMIT\s+(\?|\d+)\s*;?\s*$", sql, re.I) and not re.search(
            r"\bGROUP BY\b", sql, re.I
        ):
            continue  # reads at most its LIMIT of rows (the statement's own, at its end)
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


def test_every_listed_scan_is_still_made(sample_db, fresh_database, monkeypatch):
    """A scan made index-only or maintained leaves the list, so the list stays the work left."""
    made: set[str] = set()
    for page in sorted({p for _, pages in KNOWN_SCANS.values() for p in pages}):
        scans = full_scans(fresh_database, recorded_statements(monkeypatch, page))
        made |= {known for known in KNOWN_SCANS for s in scans if re.search(known, s)}
    assert made == set(KNOWN_SCANS)
