"""The follow-up numbers without a filter come from the per-day counts by department plus the
edited follow-ups (the Briefing and Trends pages' first run read 250,000 detractors at ten
million responses): they equal the row-by-row count, whatever the edits, SLAs, missing
departments and day."""

import random

import pytest

from cxdata import followups, store
from cxdata.store import app_tables


def _edit_at_random(db, rng: random.Random, share: float) -> None:
    ids = [r[0] for r in db.execute("SELECT id FROM survey WHERE score <= 6").fetchall()]
    departments = [
        r[0] for r in db.execute("SELECT DISTINCT department FROM survey").fetchall() if r[0]
    ]
    picked = rng.sample(ids, int(len(ids) * share))
    with store.transaction(db) as conn:
        for i, name in enumerate(departments):
            if rng.random() < 0.6:
                conn.execute(
                    "INSERT INTO departments (name, position, aliases, sla_days, source, "
                    "added_at) VALUES (?, ?, '[]', ?, 'settings', '2026-12-01 00:00:00') "
                    "ON CONFLICT (name) DO UPDATE SET sla_days = excluded.sla_days",
                    [name, i, rng.choice([None, 1, 3, 30])],
                )
        # A third of the edited detractors lose their department, as rows of some tools do.
        for survey_id in picked[: len(picked) // 3]:
            conn.execute("UPDATE survey SET department = NULL WHERE id = ?", [survey_id])
        for survey_id in picked:
            conn.execute(
                "INSERT INTO followups (survey_id, owner_department, status, due_at, "
                "opened_at, closed_at) VALUES (?, ?, ?, ?, '2026-01-01', ?)",
                [
                    survey_id,
                    rng.choice([None, None, *departments]),
                    rng.choice(["open", "contacted", "resolved"]),
                    rng.choice([None, None, "2025-06-01", "2026-12-31"]),
                    None,
                ],
            )
        # Rows without a department that nobody edited, counted as "(none)" by day.
        conn.execute(
            "UPDATE survey SET department = NULL WHERE id IN "
            "(SELECT id FROM survey WHERE score <= 6 ORDER BY id DESC LIMIT 40)"
        )
    from cxdata.store import counts

    with store.transaction(db) as conn:
        counts.rebuild(conn)


@pytest.mark.parametrize("seed, share", [(1, 0.0), (2, 0.05), (3, 0.3)])
def test_counts_from_the_per_day_counts_equal_the_row_by_row_count(sample_db, seed, share):
    rng = random.Random(seed)
    _edit_at_random(sample_db, rng, share)
    latest = app_tables.latest_response_at(sample_db)[:10]
    for days in (7, 60, 400, None):
        since = followups._since(sample_db, days)
        for today in (latest, "2024-01-01", "2030-01-01", rng.choice(["2025-03-15", latest])):
            fast = app_tables._unfiltered_followup_counts(sample_db, since, today)
            rows = app_tables._row_followup_counts(sample_db, since, today, None, None)
            assert fast == rows, (days, today)
            assert fast["open"] > 0


def test_a_department_scope_counts_only_its_detractors(sample_db):
    name = sample_db.execute(
        "SELECT department FROM survey WHERE department IS NOT NULL LIMIT 1"
    ).fetchone()[0]
    scoped = store.connect(store.scoped_address(sample_db.path, name))
    try:
        since = followups._since(scoped, 60)
        today = app_tables.latest_response_at(scoped)[:10]
        fast = app_tables._unfiltered_followup_counts(scoped, since, today)
        assert fast == app_tables._row_followup_counts(scoped, since, today, None, None)
        everyone = app_tables._unfiltered_followup_counts(sample_db, since, today)
        assert 0 < fast["open"] < everyone["open"]
    finally:
        scoped.conn.close()


def test_detractors_of_a_month_come_from_the_per_day_counts(sample_db):
    for start, end in [
        ("2025-01-01", "2025-02-01"),
        ("2000-01-01", "2100-01-01"),
        ("2026-06-30", "2026-07-02"),
    ]:
        counted = sample_db.execute(
            "SELECT count(*) FROM survey WHERE score <= 6 AND substr(responded_at, 1, 10) >= ? "
            "AND substr(responded_at, 1, 10) < ?",
            [start, end],
        ).fetchone()[0]
        assert app_tables.detractors_between(sample_db, start, end) == counted
    assert app_tables.detractors_between(sample_db, "2000-01-01", "2100-01-01") > 0
