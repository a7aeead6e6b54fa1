"""The app on a PostgreSQL database named the Streamlit way, in secrets.toml:

    [connections.cxdata]
    url = "postgresql://…"

CXDATA_DB, when set, wins over it (as it does over the default file)."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cxdata import ingest, store

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.postgres


@pytest.fixture
def server_db(pg_url, tmp_path):
    """A server database holding one small survey export."""
    path = tmp_path / "october_export.csv"
    lines = ["date,score,channel"] + [
        f"2026-10-{1 + i % 28:02d},{i % 11},{'Chat' if i % 2 else 'Phone'}" for i in range(120)
    ]
    path.write_text("\n".join(lines) + "\n")
    db = store.connect(pg_url)
    ingest.import_file(db, path, "survey")
    db.conn.close()
    return pg_url


def data_page(url: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.secrets["connections"] = {"cxdata": {"url": url}}
    at.run()
    at.switch_page("pages/data.py").run()
    return at


def test_the_app_opens_the_server_named_in_secrets(server_db, monkeypatch, tmp_path):
    monkeypatch.delenv("CXDATA_DB", raising=False)
    monkeypatch.chdir(tmp_path)  # no data/cx.db here: only the server can hold the export
    at = data_page(server_db)
    assert not at.exception
    shown = " ".join(str(t.value) for t in at.get("markdown") + at.get("caption"))
    tables = " ".join(str(df.value.to_dict()) for df in at.dataframe)
    assert "october_export.csv" in shown + tables
    assert not (tmp_path / "data" / "cx.db").exists()


def test_cxdata_db_wins_over_secrets(server_db, monkeypatch, tmp_path):
    monkeypatch.setenv("CXDATA_DB", str(tmp_path / "local.db"))
    at = data_page(server_db)
    assert not at.exception
    tables = " ".join(str(df.value.to_dict()) for df in at.dataframe)
    assert "october_export.csv" not in tables
    assert (tmp_path / "local.db").exists()
