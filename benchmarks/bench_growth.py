"""How the figures grow with the number of responses: the same measurements at several sizes,
printed one line per figure and then as a markdown table (one column per size, and the
growth from the smallest to the largest), ready for benchmarks/README.md.

    python benchmarks/bench_growth.py --sizes 100000,1000000,10000000 --pages --import

Each size uses the cached ``scale_N.db`` (survey, transactional and relationship files of
``python -m cxdata sample --rows N``; built on first use, minutes at 10M). Figures:

- command line, wall time of the whole command as a user runs it (best of ``--repeats``):
  ``correlate``, ``drivers --target score`` and ``datasets``; the baseline is the command
  line's own start-up (``python -m cxdata nps --help``);
- with ``--pages``: each page's cold first run and warm rerun in AppTest (bench_pages.py);
- with ``--import``: a fresh survey import, the floor and the merge of an overlapping export,
  one run each in child processes (bench_import.py), with peak memory.

Without ``--sizes`` it measures at N/10 and N (``--rows``, default ``$BENCH_ROWS`` or 1M).
Targets at 10M (issue "ten million responses"): correlate ≤ 2 s, Drivers page first visit
≤ 3 s; the others are printed to see how they grow.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from common import OUT, command_seconds, parser, report, scale_database, survey_file

COMMANDS = {
    "`correlate`": ["correlate"],
    "`drivers --target score`": ["drivers", "--target", "score"],
    "`datasets`": ["datasets"],
}
TARGETS = {"`correlate`": "≤ 2 s at 10M"}


def seconds(value: float) -> str:
    """Seconds for the table: two decimals below 10 s, one above."""
    return f"{value:.2f} s" if value < 10 else f"{value:.1f} s"


def read_through(path: Path) -> None:
    """Read a file once, so the operating system's cache holds it (as a server's would after
    its first visits): the figures are then of the work, not of the disk."""
    with open(path, "rb") as f:
        while f.read(1 << 24):
            pass


def measure(rows: int, args, startup: float) -> dict[str, str]:
    """Every figure at one size, as printed text by figure name."""
    database = scale_database(rows)
    figures: dict[str, str] = {}
    for name, command in COMMANDS.items():
        if args.cached_files:
            read_through(database)
        took = command_seconds([*command, "--db", str(database)], args.repeats)
        report(
            f"{name.strip('`')} at {rows:,}",
            took,
            startup,
            target=TARGETS.get(name, "printed (baseline: start-up)"),
        )
        figures[f"CLI {name}"] = seconds(took)
    if args.pages:
        from bench_pages import PAGES, time_page

        for page, (key, value) in PAGES.items():
            best: dict[str, float] = {}
            if args.cached_files:
                read_through(database)
            for _ in range(max(1, args.repeats)):
                times = time_page(database, page, key, value)
                if isinstance(times, str):
                    print(f"{page} at {rows:,}: {times}", flush=True)
                    break
                best = {n: min(t, best.get(n, t)) for n, t in times.items()}
            name = page.removeprefix("pages/").removesuffix(".py")
            for label, key_ in (("cold first run", "cold"), ("warm rerun", "rerun")):
                if key_ in best:
                    target = "≤ 3 s at 10M" if (name, key_) == ("drivers", "cold") else "printed"
                    report(f"{name} page {label} at {rows:,}", best[key_], target=target)
                    figures[f"{name} page, {label}"] = seconds(best[key_])
    if args.imports:
        from bench_import import merge_file, run_side

        path = survey_file(rows)
        with tempfile.TemporaryDirectory(dir=OUT) as tmp:
            folder = Path(tmp)
            fresh = run_side("ours", path, folder / "ours.db")
            floor = run_side("floor", path, folder / "floor.db")
            (folder / "floor.db").unlink()
            merge = run_side("merge", merge_file(path, rows), folder / "ours.db")
        report(
            f"import at {rows:,} vs floor",
            fresh["seconds"],
            floor["seconds"],
            target="ratio ≤ 1.25, peak ≤ 800 MB",
            memory=fresh["peak_mb"],
            baseline_memory=floor["peak_mb"],
        )
        merged = 2 * (rows // 5)
        fresh_share = fresh["seconds"] * merged / rows  # a fresh import of as many rows
        report(
            f"merge {merged:,} (half stored) at {rows:,}",
            merge["seconds"],
            fresh_share,
            target="ratio ≤ 1.5 (baseline: fresh import per row)",
        )
        figures["import (survey file), peak"] = (
            f"{seconds(fresh['seconds'])} / {fresh['peak_mb']:.0f} MB"
        )
        figures["import floor, peak"] = f"{seconds(floor['seconds'])} / {floor['peak_mb']:.0f} MB"
        figures["import ÷ floor"] = f"{fresh['seconds'] / floor['seconds']:.2f}"
        figures["merge 40 % (half stored); per row ÷ fresh"] = (
            f"{seconds(merge['seconds'])}; {merge['seconds'] / fresh_share:.2f}"
        )
    return figures


def growth(first: str, last: str) -> str:
    """``last / first`` for figures in seconds (the number before " s")."""
    try:
        a, b = (float(v.split(" s")[0]) for v in (first, last))
    except ValueError:
        return ""
    return f"{b / a:.1f} ×" if a > 0 else ""


def markdown(table: dict[int, dict[str, str]]) -> str:
    sizes = sorted(table)
    names = list(dict.fromkeys(n for size in sizes for n in table[size]))
    head = ["figure", *(f"{s:,}" for s in sizes), f"{sizes[-1] // sizes[0]:,}× rows"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name in names:
        cells = [table[s].get(name, "not measured") for s in sizes]
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {growth(cells[0], cells[-1])} |")
    return "\n".join(lines)


def main() -> None:
    options = parser(__doc__)
    options.add_argument("--sizes", metavar="N,N,…", help="sizes (default: N/10 and N)")
    options.add_argument("--pages", action="store_true", help="also each page in AppTest")
    options.add_argument(
        "--import", dest="imports", action="store_true", help="also import, floor and merge"
    )
    options.add_argument(
        "--cached-files",
        action="store_true",
        help="read the database file before each command and page (a machine that reclaims "
        "its file cache otherwise measures the disk)",
    )
    args = options.parse_args()
    os.environ.setdefault("STREAMLIT_LOGGER_LEVEL", "error")
    if args.sizes:
        sizes = [int(s.replace("_", "")) for s in args.sizes.split(",")]
    else:
        sizes = [max(1000, args.rows // 10), args.rows]
    startup = command_seconds(["nps", "--help"], args.repeats)
    report("command line start-up (nps --help)", startup, target="< 0.5 s")
    sizes = sorted(set(sizes))
    if args.pages:  # untimed: the first visit of each page imports its modules
        from bench_pages import PAGES, time_page

        for page, (key, value) in PAGES.items():
            time_page(scale_database(sizes[0]), page, key, value)
    table = {rows: measure(rows, args, startup) for rows in sizes}
    print()
    print(markdown(table))


if __name__ == "__main__":
    main()
