"""The Data page in a real browser: empty state, uploading a messy file, the dataset list."""

from playwright.sync_api import expect

from tests.conftest import DATA
from tests.e2e.conftest import shot

UPLOAD_INPUT = '[data-testid="stFileUploader"] input[type="file"]'


def test_empty_state_offers_the_sample(server, page):
    page.goto(server())
    expect(page.get_by_text("Start here: your database is empty")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("button", name="Load sample data")).to_be_visible()
    shot(page, "data_empty_state")


def test_data_page_has_its_address_even_with_an_empty_database(server, page):
    # The Data page was the default page of an empty database, so /data said "page not found".
    page.goto(server() + "/data")
    expect(page.get_by_text("Start here: your database is empty")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Page not found")).to_have_count(0)


def test_upload_with_errors_shows_report_and_dataset_list(server, page):
    page.goto(server())
    expect(page.get_by_text("Start here")).to_be_visible(timeout=30_000)
    page.set_input_files(UPLOAD_INPUT, str(DATA / "bad_values.csv"))
    expect(page.get_by_role("button", name="Import")).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_text("Imported 1 of 7 rows from bad_values.csv")).to_be_visible(
        timeout=30_000
    )
    # The rejected rows table is a canvas grid: its cells are in the DOM for screen readers.
    expect(page.get_by_text("Rejected rows (first 6 of 6)")).to_be_visible()
    cell = page.locator("[role=gridcell]", has_text="score '11' is outside 0–10")
    expect(cell).to_have_count(1)
    download = page.get_by_role("button", name="Download all 6 rejected rows (CSV)").first
    expect(download).to_be_visible()
    shot(page, "data_after_upload_with_errors")
    expect(page.get_by_text("Stored datasets")).to_be_visible()
    expect(page.get_by_role("combobox", name="Dataset")).to_have_value(
        "#1 · bad_values.csv (survey)"
    )
