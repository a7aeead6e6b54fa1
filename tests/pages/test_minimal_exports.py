"""Every page works on what real exports often are: a date and a score, little else."""

import pytest

from cxdata import ingest, store
from tests.conftest import DATA

PAGES = [
    "pages/briefing.py",
    "pages/trends.py",
    "pages/drivers.py",
    "pages/maturity.py",
    "pages/milestones.py",
    "pages/data.py",
]


@pytest.mark.parametrize(
    "export", ["qualtrics_export.csv", "surveymonkey_export.csv", "two_score_columns.csv"]
)
def test_every_page_renders_on_a_real_export(app, fresh_database, export):
    db = store.connect(fresh_database)
    ingest.import_file(db, DATA / export, "survey")
    db.conn.close()
    for page in PAGES:
        at = app(page)
        assert not at.exception, f"{page} on {export}: {at.exception}"


def test_every_page_renders_on_a_date_and_score_only(app, fresh_database, tmp_path):
    path = tmp_path / "tiny.csv"
    path.write_text(
        "date,score\n"
        + "".join(f"2026-0{m}-1{d},{(m * d) % 11}\n" for m in range(1, 10) for d in range(0, 9))
    )
    db = store.connect(fresh_database)
    ingest.import_file(db, path, "survey")
    db.conn.close()
    for page in PAGES:
        at = app(page)
        assert not at.exception, f"{page}: {at.exception}"


def test_every_page_renders_with_only_relationship_and_interactions(app, fresh_database):
    db = store.connect(fresh_database)
    ingest.import_file(
        db, DATA / "no_date_wave.csv", "relationship", wave="2025Q1", wave_date="2025-03-31"
    )
    ingest.import_file(db, DATA / "transactional.csv", "transactional")
    db.conn.close()
    for page in PAGES:
        at = app(page)
        assert not at.exception, f"{page}: {at.exception}"
