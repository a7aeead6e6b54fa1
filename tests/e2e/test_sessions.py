"""Browser sessions and the server's database connections: a closed tab gives its connection
back (ui.common.close_ended_sessions), on a real server driven by chromium."""

import os
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

# Each page and the heading it draws once its script has got going.
PAGES = [
    ("briefing", "CX briefing"),
    ("trends", "NPS trends"),
    ("drivers", "Drivers & correlation"),
    ("maturity", "CX maturity"),
    ("milestones", "Milestones"),
    ("data", "Data"),
]
# Well inside Streamlit's server.disconnectedSessionTTL (120 s by default): the connections
# must close when the tabs do, not when Streamlit finally drops the sessions.
CLOSE_WITHIN_S = 30


def server_pid(url: str) -> int:
    """The process serving ``url`` (started by the ``server`` fixture: ``streamlit run
    serve.py --server.port PORT``)."""
    port = str(urlsplit(url).port)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        args = [a.decode(errors="replace") for a in argv]
        if any(a.endswith("serve.py") for a in args) and port in args:
            return int(entry.name)
    raise AssertionError(f"no server process for {url}")


def open_files(pid: int, database: Path) -> list[str]:
    """The server's file descriptors on the database file, its -wal and its -shm, by suffix
    ("" for the file itself): the operating system's count, not the app's."""
    target = str(database.resolve())
    found = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            name = os.readlink(fd)
        except OSError:
            continue
        if name in (target, target + "-wal", target + "-shm"):
            found.append(name[len(target) :])
    return sorted(found)


def wait_until(condition, seconds: float, what) -> float:
    """Seconds until ``condition()`` held; an assertion error with ``what()`` if it did not
    within ``seconds``."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > seconds:
            raise AssertionError(f"not within {seconds} s: {what()}")
        time.sleep(0.25)
    return time.monotonic() - start


def drawn(page, heading: str) -> None:
    """The page's heading shown and its script finished (Streamlit's running indicator gone),
    with no exception on it."""
    expect(page.get_by_role("heading", name=heading).first).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=60_000)
    assert page.get_by_test_id("stException").count() == 0, page.url


@pytest.fixture
def contexts(browser):
    """Open browser contexts (each its own session with the server); closed at the end."""
    opened = []

    def new():
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        opened.append(context)
        return context

    yield new
    for context in opened:
        context.close()


def test_closed_tabs_give_back_their_connections(server, contexts, sample_database):
    if not Path("/proc/self/fd").is_dir():
        pytest.skip("/proc is Linux-only")
    url = server(sample_database)
    pid = server_pid(url)
    keeper = contexts().new_page()  # stays open throughout
    keeper.goto(url + "/trends")
    drawn(keeper, "NPS trends")
    one_session = open_files(pid, sample_database)
    assert one_session.count("-wal") == 1, one_session  # one connection, one -wal handle each

    tabs = []
    for i in range(6):
        context = contexts()
        tab = context.new_page()
        path, heading = PAGES[i % len(PAGES)]
        tab.goto(f"{url}/{path}")
        drawn(tab, heading)
        tabs.append(context)
    seven = open_files(pid, sample_database)
    assert seven.count("-wal") >= 7, seven  # every session holds its own connection

    for context in tabs:
        context.close()
    # SQLite keeps the file itself open for a closed connection while another connection of
    # the process holds a lock on it (POSIX locks belong to the process), so with the
    # keeper's connection open only the -wal handles, one per open connection, tell.
    wait_until(
        lambda: open_files(pid, sample_database).count("-wal") == 1,
        CLOSE_WITHIN_S,
        lambda: f"six closed tabs, one open: {open_files(pid, sample_database)}",
    )

    # The session still open keeps working: another page, then back.
    nav = keeper.get_by_test_id("stSidebar")
    nav.get_by_text("Data", exact=True).click()
    drawn(keeper, "Data")
    expect(keeper.get_by_role("heading", name="Stored datasets")).to_be_visible(timeout=60_000)
    nav.get_by_text("NPS trends", exact=True).click()
    drawn(keeper, "NPS trends")

    keeper.context.close()
    took = wait_until(
        lambda: open_files(pid, sample_database) == [],
        CLOSE_WITHIN_S,
        lambda: f"every tab closed: {open_files(pid, sample_database)}",
    )
    print(f"the last connection closed {took:.1f} s after its tab")


# Lets a test cut a page's websocket and keep it from reconnecting until told: a network that
# drops and comes back, as far as the server can tell.
CUTTABLE_SOCKETS = """
(() => {
  const Native = window.WebSocket;
  window.__sockets = [];
  window.__offline = false;
  window.WebSocket = function (url, protocols) {
    const socket = new Native(window.__offline ? "ws://127.0.0.1:9/" : url, protocols);
    window.__sockets.push(socket);
    return socket;
  };
  window.WebSocket.prototype = Native.prototype;
  Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
})();
"""


def test_a_tab_that_comes_back_gets_a_new_connection(server, contexts, sample_database):
    """A session whose connection was closed while its browser was away (a dropped network,
    a laptop lid) opens a new one on its next run, and draws as before."""
    if not Path("/proc/self/fd").is_dir():
        pytest.skip("/proc is Linux-only")
    url = server(sample_database)
    pid = server_pid(url)
    context = contexts()
    context.add_init_script(CUTTABLE_SOCKETS)
    tab = context.new_page()
    tab.goto(url + "/trends")
    drawn(tab, "NPS trends")
    tab.evaluate("window.__offline = true; window.__sockets.forEach(s => s.close())")
    wait_until(
        lambda: open_files(pid, sample_database) == [],
        CLOSE_WITHIN_S,
        lambda: f"tab cut off: {open_files(pid, sample_database)}",
    )
    tab.evaluate("window.__offline = false")
    # Back on the same session (Streamlit keeps it for server.disconnectedSessionTTL) once
    # the page's next attempt to reconnect gets through: its next run opens a new connection
    # and draws as before.
    tab.wait_for_function(
        "window.__sockets.some(s => s.readyState === 1 && !s.url.includes(':9/'))",
        timeout=60_000,
    )
    tab.get_by_test_id("stSidebar").get_by_text("Data", exact=True).click()
    drawn(tab, "Data")
    expect(tab.get_by_role("heading", name="Stored datasets")).to_be_visible(timeout=60_000)
    assert open_files(pid, sample_database).count("-wal") == 1
