"""Browser tests: the real app served on a free port, driven by Debian's chromium."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).parent / "screenshots"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def wait_for_app(url: str, output) -> str:
    """``url`` once the app there answers its health check (60 s at most); else an error
    with what ``output()`` says the server wrote."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return url
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the app did not start: " + output())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        message = "Debian's chromium is not installed (apt-get install -y chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message + ": browser tests must run in CI", pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture
def server(tmp_path):
    """Start the app as `make run` serves it (`streamlit run serve.py`) on a free port with its
    own database; yield its URL."""

    def start(database: Path | None = None) -> str:
        port = _free_port()
        env = {**os.environ, "CXDATA_DB": str(database or tmp_path / "cx.db")}
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(ROOT / "serve.py"),
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
                "--browser.gatherUsageStats",
                "false",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        procs.append(proc)
        return wait_for_app(f"http://127.0.0.1:{port}", lambda: proc.stderr.read().decode()[-2000:])

    procs: list[subprocess.Popen] = []
    yield start
    for proc in procs:
        proc.terminate()
        proc.wait(timeout=20)


def _page_of(browser, width: int, height: int):
    context = browser.new_context(viewport={"width": width, "height": height})
    yield context.new_page()
    context.close()


@pytest.fixture
def page(browser):
    """A laptop-sized page."""
    yield from _page_of(browser, 1400, 1000)


@pytest.fixture
def big(browser):
    """A 1920×1080 page: the leadership meeting's screen share."""
    yield from _page_of(browser, 1920, 1080)


def script_done(page, timeout: float = 60_000) -> None:
    """Wait until Streamlit has finished running the page's script: the app's root element says
    so (``data-test-script-state``). A page's last text can be drawn while its script is still
    running, and a loaded machine then reads the page before its last widgets arrive."""
    page.locator("[data-testid=stApp][data-test-script-state=notRunning]").wait_for(
        state="attached", timeout=timeout
    )


def shot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def sample_database(sample_file, tmp_path) -> Path:
    """A private copy of the sample database (built once per test session)."""
    from tests.conftest import copy_database

    return copy_database(sample_file, tmp_path / "sample.db")
