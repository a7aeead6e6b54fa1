"""Hostile text in comments is shown as text: no element is created, no script runs, and
Markdown is not interpreted — on the verbatims explorer and on the briefing."""

from playwright.sync_api import expect

from cxdata import ingest, store

IMG = "<img src=x onerror=alert(1)> the bill was wrong again"
SCRIPT = "<script>alert(2)</script> waited two hours on hold"
MARKDOWN = "**great** [click here](http://example.org) staff were lovely"


def hostile_database(folder):
    rows = ["response_id,date,score,comment"]
    for day in range(1, 31):
        rows.append(f"R{day},2026-10-{day:02d},{day % 11},fine")
    rows += [
        f'H1,2026-10-31 10:00,2,"{IMG}"',
        f'H2,2026-10-31 11:00,1,"{SCRIPT}"',
        f'H3,2026-10-31 12:00,10,"{MARKDOWN}"',
    ]
    path = folder / "hostile.csv"
    path.write_text("\n".join(rows) + "\n")
    db = store.connect(folder / "cx.db")
    ingest.import_file(db, path, "survey")
    db.conn.close()
    return folder / "cx.db"


def assert_inert(page):
    expect(page.locator("img[src='x']")).to_have_count(0)
    assert page.locator("script", has_text="alert(2)").count() == 0
    assert page.locator("a[href='http://example.org']").count() == 0
    assert page.locator("strong", has_text="great").count() == 0


def test_hostile_comments_are_inert_text(server, page, tmp_path):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    url = server(hostile_database(tmp_path))

    page.goto(url + "/briefing")
    expect(page.get_by_text("October 2026 · CX briefing")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("<script>alert(2)</script>", exact=False)).to_be_visible()
    expect(page.get_by_text("**great** [click here]", exact=False)).to_be_visible()
    assert_inert(page)

    page.goto(url + "/trends")
    expect(page.get_by_role("heading", name="Verbatims")).to_be_attached(timeout=60_000)
    grid = page.get_by_test_id("stDataFrame").nth(1)
    expect(grid.locator("[role=gridcell]", has_text="<img src=x onerror=alert(1)>")).to_have_count(
        1, timeout=30_000
    )
    assert_inert(page)
    assert dialogs == []
