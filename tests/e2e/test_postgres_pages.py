"""The whole app in a real browser on a PostgreSQL database holding the sample story: every page
from the sidebar, presentation mode's ▶ through all six pages, and a note on the trend saved
through the page and read back after a reload; and the Drivers page quick on a database just
imported into, before autovacuum has analysed it.

Each page's readouts (its paragraphs, captions and headline numbers) are compared with the same
page served from the SQLite sample, so "runs on PostgreSQL" means "says the same thing", not only
"draws without an exception". Every test opens its own copy of the server database (CREATE
DATABASE … TEMPLATE), so a write in one test is never seen by another.
"""

import os
import re
import subprocess
import sys
import time
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from cxdata import effects, sample, store
from cxdata.store import postgres
from tests.e2e.conftest import ROOT, _free_port, script_done, shot, wait_for_app
from tests.postgres import drop_database, new_database

pytestmark = pytest.mark.postgres

# path, sidebar link, the page's title, a text its script draws near its end (the page has run).
PAGES = [
    ("", "Briefing", "CX briefing", "Voices (personal data masked)"),
    ("trends", "NPS trends", "NPS trends", "Follow-up: close the loop"),
    ("drivers", "Drivers & correlation", "Drivers & correlation", "Drivers in any table"),
    ("maturity", "Maturity", "CX maturity", "Upload an assessment (CSV)"),
    ("milestones", "Milestones", "Milestones", "Scenarios side by side"),
    ("data", "Data", "Data", "Currency"),
]
# The sample's imports as the Data page lists them: kind → file, rows read, rows stored now (the
# sample's generator writes these; the grid's cells carry the numbers without separators).
SAMPLE_IMPORTS = {
    "survey": ("survey.csv", "9130", "9130"),
    "transactional": ("transactional.csv", "11869", "11869"),
    "relationship": ("relationship.csv", "4761", "4761"),
    "outcomes": ("outcomes.csv", "2834", "2834"),
    "maturity": ("maturity.csv", "1200", "1200"),  # 1,168 of them answered, 32 "n/a"
}
# What a page says in words and headline numbers (charts and canvas tables left out).
READOUTS = (
    "[data-testid=stMain] [data-testid=stMarkdownContainer],"
    " [data-testid=stMain] [data-testid=stMetric],"
    " [data-testid=stMain] [data-testid=stCaptionContainer]"
)


@pytest.fixture(scope="module")
def pg_sample(pg_server, tmp_path_factory):
    """A server database holding the sample story, built once for this file: the template each
    test's copy is made from (so nothing may stay connected to it)."""
    url = new_database(pg_server)
    database = store.connect(url)
    sample.import_sample(database, sample.write_sample(tmp_path_factory.mktemp("pg_sample")))
    database.conn.close()
    postgres.close_pool(url)
    yield url
    drop_database(url, maintenance_db=_maintenance(pg_server))


@pytest.fixture
def pg_copy(pg_server, pg_sample):
    """A private, writable copy of the sample on the server; dropped after the test."""
    url = new_database(pg_server, template=pg_sample)
    yield url
    drop_database(url, maintenance_db=_maintenance(pg_server))


@pytest.fixture
def app(tmp_path):
    """Start the app as the ``server`` fixture of tests/e2e/conftest.py does (``streamlit run
    serve.py``, CXDATA_DB set to the database), but with the server's output kept in a file:
    an exception on a page is then reported with its traceback. Yields ``start(address) -> url``."""
    started: list[tuple[subprocess.Popen, object]] = []

    def start(address) -> str:
        port = _free_port()
        log = open(tmp_path / f"server_{port}.log", "w+")
        proc = subprocess.Popen(
            [
                sys.executable, "-m", "streamlit", "run", str(ROOT / "serve.py"),
                "--server.port", str(port), "--server.address", "127.0.0.1",
                "--server.headless", "true", "--browser.gatherUsageStats", "false",
            ],
            cwd=ROOT,
            env={**os.environ, "CXDATA_DB": str(address)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        started.append((proc, log))
        return wait_for_app(f"http://127.0.0.1:{port}", server_output)

    def server_output() -> str:
        text = []
        for _, log in started:
            log.flush()
            log.seek(0)
            text.append(log.read()[-6000:])
        return "\n".join(text)

    start.output = server_output
    yield start
    for proc, log in started:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def _maintenance(server_url: str) -> str:
    return urlsplit(server_url).path.lstrip("/") or "postgres"


def settled(page, app, title: str, last: str, timeout: float = 60_000) -> None:
    """Wait until the page has drawn its title and its last section, with no error on it."""
    expect(page.get_by_role("heading", name=title).first).to_be_visible(timeout=60_000)
    try:
        expect(page.get_by_text(last, exact=True).first).to_be_attached(timeout=timeout)
    except AssertionError:
        assert_clean(page, app)  # an exception stopped the page: report it with its traceback
        raise
    script_done(page, timeout)
    page.wait_for_timeout(500)  # the last charts and tables draw
    assert_clean(page, app)


def assert_clean(page, app) -> None:
    """No exception and no error message on the page (the server's output when there is)."""
    main = page.get_by_test_id("stMain")
    problems = main.get_by_test_id("stException").all_inner_texts()
    problems += main.get_by_test_id("stAlertContentError").all_inner_texts()
    assert not problems, f"{page.url}: {problems}\nserver output:\n{app.output()}"


def readouts(page) -> list[str]:
    return [" ".join(t.split()) for t in page.locator(READOUTS).all_inner_texts() if t.strip()]


def sidebar_link(page, name: str):
    return page.get_by_test_id("stSidebar").get_by_role("link", name=name, exact=True)


def walk_the_sidebar(page, app, url: str, prefix: str | None) -> tuple[dict, dict]:
    """Open the briefing, then every other page by its sidebar link; return each page's
    readouts and seconds from click to settled (screenshots named ``<prefix>_<page>``)."""
    said, took = {}, {}
    for path, link, title, last in PAGES:
        begun = time.perf_counter()
        if path:
            sidebar_link(page, link).click()
            expect(page).to_have_url(re.compile(rf"/{path}(\?|$)"), timeout=30_000)
        else:
            page.goto(url)
        settled(page, app, title, last)
        took[link] = round(time.perf_counter() - begun, 1)
        said[link] = readouts(page)
        if prefix:
            shot(page, f"{prefix}_{path or 'briefing'}")
    return said, took


def imports_listed(page) -> dict[str, tuple[str, ...]]:
    """The Data page's stored datasets: kind → (file, rows read, rows stored now), from the
    grid's cells."""
    grid = page.get_by_test_id("stDataFrame").first.locator("[role=row]")
    expect(grid.nth(len(SAMPLE_IMPORTS))).to_be_attached(timeout=30_000)
    listed = {}
    for row in grid.all()[1:]:  # the first row is the header
        cells = [" ".join(c.split()) for c in row.locator("[role=gridcell]").all_inner_texts()]
        # Dataset, File, Kind, Source, Imported, Rows read, Accepted, Rejected, Rows stored now
        listed[cells[2]] = (cells[1], cells[5], cells[8])
    return listed


def test_every_page_from_the_sidebar_says_what_it_says_on_sqlite(
    app, page, pg_copy, sample_database
):
    pg_said, took = walk_the_sidebar(page, app, app(pg_copy), "pg")
    expect(page.get_by_role("heading", name="Stored datasets")).to_be_visible()
    pg_imports = imports_listed(page)
    print("seconds to each page on PostgreSQL:", took)

    # The briefing's headline, as the sample story tells it.
    headline = "“NPS was +2 in October 2026 (439 responses)"
    assert any(line.startswith(headline) for line in pg_said["Briefing"]), pg_said["Briefing"]
    assert pg_imports == SAMPLE_IMPORTS

    page.goto("about:blank")
    sqlite_said, took = walk_the_sidebar(page, app, app(sample_database), None)
    print("seconds to each page on SQLite:", took)
    assert imports_listed(page) == pg_imports
    for name in pg_said:
        assert pg_said[name] == sqlite_said[name], name


def test_presentation_bar_moves_through_every_page(app, big, pg_copy):
    big.goto(app(pg_copy) + "/?present=1")
    nav = big.locator(".st-key-present_nav")
    order = PAGES[1:] + PAGES[:1]  # ▶ from the briefing, round to the briefing again
    expect(big.get_by_role("heading", name="CX briefing").first).to_be_visible(timeout=60_000)
    for path, _, title, _ in order:
        expect(nav).to_be_visible()
        big.wait_for_timeout(500)
        nav.get_by_role("button", name=re.compile("chevron_right")).first.click()  # ▶
        expect(big).to_have_url(re.compile(rf"/{path}\?(.*&)?present=1"), timeout=30_000)
        expect(big.get_by_role("heading", name=title).first).to_be_visible(timeout=60_000)
        big.wait_for_timeout(1500)  # the rest of the page draws
        assert_clean(big, app)
        shot(big, f"pg_present_{path or 'briefing'}_1920")


def test_a_note_on_the_trend_is_saved_on_the_server(app, page, pg_copy):
    page.goto(app(pg_copy) + "/trends")
    settled(page, app, "NPS trends", "Follow-up: close the loop")
    page.get_by_text("Notes on the trend", exact=True).click()
    page.get_by_role("textbox", name="Month").fill("2026-09")
    page.get_by_role("textbox", name="Note").fill("Price rise on mobile plans")
    page.get_by_role("textbox", name="Note").press("Enter")
    add = page.get_by_role("button", name="Add note")
    expect(add).to_be_enabled(timeout=30_000)
    add.click()
    saved = page.get_by_text("Sep 2026: Price rise on mobile plans")
    expect(saved).to_be_visible(timeout=30_000)
    assert_clean(page, app)

    page.reload()
    settled(page, app, "NPS trends", "Follow-up: close the loop")
    page.get_by_text("Notes on the trend", exact=True).click()
    expect(saved).to_be_visible(timeout=30_000)
    shot(page, "pg_trends_note_saved")

    database = store.connect(pg_copy)
    try:
        stored = effects.notes(database)
    finally:
        database.conn.close()
    assert stored[["month", "text"]].values.tolist() == [["2026-09", "Price rise on mobile plans"]]


def test_the_drivers_page_is_quick_right_after_an_import(app, page, pg_url, tmp_path):
    import psycopg

    database = store.connect(pg_url)
    # Autovacuum held off: what the page finds in the minute after an import, every time.
    with psycopg.connect(pg_url, autocommit=True) as conn:
        for table in ("survey", "transactional"):
            conn.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = false)")
    sample.import_sample(database, sample.write_sample(tmp_path / "csv"))
    database.conn.close()
    # Without planner statistics (no ANALYZE after the import's COPY) the survey→interaction
    # join of cxdata/store/links.py walked the transactional primary key once per response:
    # 11 s a query on the sample, about 45 s for this page.
    page.goto(app(pg_url) + "/drivers")
    # On the SQLite sample and on an analysed server database the page has run in 3–4 s.
    settled(page, app, "Drivers & correlation", "Drivers in any table", timeout=15_000)
