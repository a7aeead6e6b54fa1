"""The app server's memory: ``streamlit run serve.py`` (as ``make run`` serves it) on the
N-row database, every page toured from the sidebar in headless chromium, the server's
resident memory (VmRSS, its child processes included) read from /proc before and after.
Target: under 600 MB after the tour (the ratio is after / before). Each of ``--repeats``
tours is a new browser session; the last line is the memory once every tab has closed and
the server has given their connections back.

``--outcomes`` tours the same database with its customers' outcomes (what a point of NPS is
worth is then worked out on the Briefing, Drivers and Milestones pages).

Needs Linux (/proc) and Debian's chromium (``apt-get install -y chromium``).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from common import ROOT, parser, report, scale_database

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
TARGET_MB = 600
# Each page in the sidebar's order, and the heading it draws.
PAGES = [
    ("NPS trends", "NPS trends"),
    ("Drivers & correlation", "Drivers & correlation"),
    ("Maturity", "CX maturity"),
    ("Milestones", "Milestones"),
    ("Data", "Data"),
    ("Briefing", "CX briefing"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(database: Path, log) -> tuple[subprocess.Popen, str]:
    port = free_port()
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
        # As make run serves it: two malloc arenas (see the Makefile).
        env={"MALLOC_ARENA_MAX": "2", **os.environ, "CXDATA_DB": str(database)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.2)
    proc.kill()
    log.seek(0)
    raise SystemExit("the server did not start:\n" + log.read().decode()[-3000:])


def descendants(pid: int) -> list[int]:
    """``pid`` and every process started under it."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def memory_mb(pid: int, field: str = "VmRSS") -> float:
    """``field`` of /proc/<pid>/status (VmRSS: resident now; VmHWM: the peak), summed over
    the process and its children, in MB."""
    total_kb = 0
    for each in descendants(pid):
        try:
            for line in Path(f"/proc/{each}/status").read_text().splitlines():
                if line.startswith(field + ":"):
                    total_kb += int(line.split()[1])
        except OSError:
            pass
    return total_kb / 1024


def mb_line(figure: str, ours: float, baseline: float | None = None) -> None:
    """One line per figure, laid out as :func:`common.report`'s, in MB."""
    parts = [f"{figure:<46}", f"ours {ours:8.0f} MB"]
    if baseline is not None:
        parts += [f"baseline {baseline:8.0f} MB", f"ratio {ours / baseline:6.2f}"]
    parts.append(f"(target < {TARGET_MB} MB)")
    print("  ".join(parts), flush=True)


def drawn(page, heading: str) -> None:
    """The page's heading shown, its script finished and no exception on it."""
    from playwright.sync_api import expect

    expect(page.get_by_role("heading", name=heading).first).to_be_visible(timeout=600_000)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=600_000)
    errors = page.get_by_test_id("stException").all_inner_texts()
    if errors:
        raise SystemExit(f"{page.url}: {errors[0][:2000]}")


def tour(browser, url: str) -> float:
    """Every page opened from the sidebar in a new session, each until drawn; seconds."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    start = time.perf_counter()
    page.goto(url)
    drawn(page, "CX briefing")
    nav = page.get_by_test_id("stSidebar")
    for link, heading in PAGES:
        nav.get_by_text(link, exact=True).click()
        drawn(page, heading)
    took = time.perf_counter() - start
    tour.open.append(context)  # kept open: the sessions count in the figure after the tour
    return took


tour.open = []


def main() -> None:
    options = parser(__doc__.split("\n\n")[0])
    options.add_argument(
        "--outcomes",
        action="store_true",
        help="tour the scale database with its customers' outcomes (bench_value's value_N.db)",
    )
    args = options.parse_args()
    if not CHROMIUM.exists():
        raise SystemExit("Debian's chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    if args.outcomes:
        from bench_value import value_database

        database = value_database(args.rows)
    else:
        database = scale_database(args.rows)
    size_mb = sum(
        p.stat().st_size for p in database.parent.glob(database.name + "*") if p.is_file()
    ) / (1024 * 1024)
    print(f"{args.rows:,} rows, {database.name}: {size_mb:,.0f} MB", flush=True)
    with tempfile.TemporaryFile() as log:
        proc, url = start_server(database, log)
        try:
            before = memory_mb(proc.pid)
            mb_line("server RSS at start", before)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
                try:
                    for n in range(1, max(args.repeats, 1) + 1):
                        took = tour(browser, url)
                        report(f"tour {n} of every page (a new session)", took, target="—")
                        mb_line(f"server RSS after tour {n}", memory_mb(proc.pid), before)
                    mb_line("server peak RSS (VmHWM)", memory_mb(proc.pid, "VmHWM"), before)
                    for context in tour.open:
                        context.close()
                    time.sleep(10)  # the server notices the closed tabs (ui.common)
                    mb_line("server RSS after every tab closed", memory_mb(proc.pid), before)
                finally:
                    browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
