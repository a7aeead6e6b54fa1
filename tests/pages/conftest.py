from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def fresh_database(db_address, monkeypatch):
    """Every page test gets its own empty database and empty caches."""
    monkeypatch.setenv("CXDATA_DB", str(db_address))
    st.cache_data.clear()
    yield db_address


@pytest.fixture
def app():
    """The app, started at its default page."""

    def start(page: str | None = None) -> AppTest:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
        if page:
            at.switch_page(page).run()
        return at

    return start


@pytest.fixture
def sample_db(sample_file, sample_template, fresh_database, monkeypatch):
    """The app's database (CXDATA_DB) holding the sample story."""
    from cxdata import store
    from tests.conftest import sample_address
    from tests.postgres import replace_database

    if sample_template is None:
        yield store.connect(sample_address(sample_file, None, fresh_database))
        return
    # The app's database (fresh_database) becomes a copy of the sample, under its own name.
    database = store.connect(replace_database(str(fresh_database), sample_template))
    yield database
    database.conn.close()


def chart_specs(at) -> list[dict]:
    """The Vega-Lite specs of every chart on the page."""
    import json

    charts = at.get("vega_lite_chart") + at.get("arrow_vega_lite_chart")
    return [json.loads(c.proto.spec) for c in charts]
