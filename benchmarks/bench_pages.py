"""Each page in Streamlit's AppTest on an N-row database: the cold first run (fresh
caches), a warm rerun, and a rerun after a widget change. Targets: warm ≤ 0.5 s, cold ≤ 3 s
(absolute, only indicative on a noisy machine). Baseline for the ratio: a bare ``st.write``
app's first run.

``--compare SMALL,BIG`` (e.g. ``--compare 300000,3000000``) runs every page on both
databases in this one process instead, alternating which size goes first, best of
``--repeats``, and prints each page's ratio big / small against the criteria for pages that
do not slow down as data grows: the warm rerun within 1.5 × (+0.1 s) of the small one's, the
cold first run within 2 × (+0.3 s). "Cold" clears Streamlit's caches (and the drivers' kept
sample), opens a new session (hence a new connection) and opens the page directly, as a link
to it does; the operating system's file cache is left as it is.
"""

from __future__ import annotations

import os
import time

from common import OUT, ROOT, parser, report, scale_database

PAGES = {
    # page: (widget key, new value) for the warm rerun
    "pages/briefing.py": ("month", None),  # None: the second option
    "pages/trends.py": ("period", "quarter"),
    "pages/drivers.py": ("target", "promoter"),
    "pages/maturity.py": ("q_dept", "Marketing"),
    "pages/milestones.py": ("scenario", None),
    "pages/data.py": ("dataset", None),
}
# From SMALL to BIG rows, a page passes when BIG's time ≤ factor × SMALL's + slack.
WARM_CRITERION = (1.5, 0.1)
COLD_CRITERION = (2.0, 0.3)


def bare_app_seconds() -> float:
    from streamlit.testing.v1 import AppTest

    bare = OUT / "bare_app.py"
    OUT.mkdir(parents=True, exist_ok=True)
    bare.write_text("import streamlit as st\nst.write('hello')\n")
    start = time.perf_counter()
    AppTest.from_file(str(bare), default_timeout=120).run()
    return time.perf_counter() - start


def time_page(database, page: str, key: str, value) -> dict[str, float] | str:
    """``cold``, ``rerun`` and (when the page has the widget) ``widget`` seconds for one page
    on ``database``, or the page's error message."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from cxdata.store import links

    os.environ["CXDATA_DB"] = str(database)
    st.cache_data.clear()
    st.cache_resource.clear()
    links.forget_shared_sample()
    start = time.perf_counter()
    # Opened at the page itself, as a link to it opens it (before 2026-12-02 the first run
    # also ran the Briefing, the default page, which the cold figures then included).
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.switch_page(page).run()
    times = {"cold": time.perf_counter() - start}
    if at.exception:
        return at.exception[0].message
    start = time.perf_counter()
    at.run()
    times["rerun"] = time.perf_counter() - start
    widget = next((w for w in at.selectbox if w.key == key), None)
    if widget is not None and len(widget.options) > 1:
        new = value if value is not None else widget.options[1]
        start = time.perf_counter()
        widget.set_value(new).run()
        times["widget"] = time.perf_counter() - start
    return times


def absolute(rows: int, baseline: float) -> None:
    database = scale_database(rows)
    for page, (key, value) in PAGES.items():
        times = time_page(database, page, key, value)
        if isinstance(times, str):
            print(f"{page}: {times}")
            continue
        report(f"{page} cold first run", times["cold"], baseline, target="≤ 3 s")
        report(f"{page} warm rerun", times["rerun"], baseline, target="≤ 0.5 s")
        if "widget" in times:
            report(f"{page} rerun after {key} changed", times["widget"], baseline, target="≤ 0.5 s")


def passes(small: float, big: float, criterion: tuple[float, float]) -> bool:
    factor, slack = criterion
    return big <= factor * small + slack


def compare(small_rows: int, big_rows: int, repeats: int) -> bool:
    """Every page at both sizes; prints one line per page and figure and returns whether
    every page passed."""
    databases = {small_rows: scale_database(small_rows), big_rows: scale_database(big_rows)}
    print(
        f"pages at {small_rows:,} and {big_rows:,} responses, best of {repeats}; pass: "
        f"warm rerun ≤ {WARM_CRITERION[0]} × small + {WARM_CRITERION[1]} s, "
        f"cold first run ≤ {COLD_CRITERION[0]} × small + {COLD_CRITERION[1]} s",
        flush=True,
    )
    for page, (key, value) in PAGES.items():  # untimed: the first visit imports each module
        time_page(databases[small_rows], page, key, value)
    failed = []
    for page, (key, value) in PAGES.items():
        best: dict[int, dict[str, float]] = {small_rows: {}, big_rows: {}}
        error = None
        for run in range(max(1, repeats)):
            order = (small_rows, big_rows) if run % 2 == 0 else (big_rows, small_rows)
            for rows in order:
                times = time_page(databases[rows], page, key, value)
                if isinstance(times, str):
                    error = f"{page} at {rows:,} rows: {times}"
                    break
                for name, seconds in times.items():
                    best[rows][name] = min(seconds, best[rows].get(name, seconds))
            if error:
                break
        if error:
            print(error, flush=True)
            failed.append(page)
            continue
        figures = [
            ("cold first run", "cold", COLD_CRITERION),
            ("warm rerun", "rerun", WARM_CRITERION),
        ]
        if "widget" in best[small_rows] and "widget" in best[big_rows]:
            figures.append((f"rerun after {key} changed", "widget", WARM_CRITERION))
        for label, name, criterion in figures:
            small, big = best[small_rows][name], best[big_rows][name]
            ok = passes(small, big, criterion)
            limit = criterion[0] * small + criterion[1]
            report(
                f"{page} {label}",
                big,
                small,
                target=f"≤ {limit:.2f} s = {criterion[0]} × small + {criterion[1]} s: "
                + ("pass" if ok else "FAIL"),
            )
            if not ok:
                failed.append(f"{page} {label}")
    print(
        "every page passes" if not failed else f"{len(failed)} failed: " + "; ".join(failed),
        flush=True,
    )
    return not failed


def main() -> None:
    options = parser(__doc__)
    options.add_argument(
        "--compare",
        metavar="SMALL,BIG",
        help="run every page at both sizes in this process and print big / small against "
        "the criteria (the 'ours' column is BIG, the 'baseline' column SMALL)",
    )
    args = options.parse_args()
    os.environ.setdefault("STREAMLIT_LOGGER_LEVEL", "error")  # AppTest's bare-mode warnings
    if args.compare:
        small, big = (int(s.replace("_", "")) for s in args.compare.split(","))
        compare(small, big, args.repeats)
        return
    absolute(args.rows, bare_app_seconds())


if __name__ == "__main__":
    main()
