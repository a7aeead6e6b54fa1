"""What several commands share: the formatting of a missing number, ``--map`` parsing, the
database a read command may open, and how a FILE was read.

Nothing here imports the library at module level, so building the parser (``--help``) stays
quick.
"""

from __future__ import annotations

from collections.abc import Sequence

from cxdata.errors import InputError
from cxdata.formatting import number


def fmt(x, spec="+.1f") -> str:
    """A number in ``spec``, or ``–`` when there is none (:func:`cxdata.formatting.number`).

    >>> fmt(None), fmt(2.345, ".2f")
    ('–', '2.35')
    """
    return number(x, spec)


def parse_map(items: Sequence[str]) -> dict[str, str | None]:
    """``--map FIELD=COLUMN`` items as a mapping; ``FIELD=`` leaves the field unmapped.

    >>> parse_map(["score=NPS", "segment="])
    {'score': 'NPS', 'segment': None}
    """
    out: dict[str, str | None] = {}
    for item in items:
        if "=" not in item:
            raise InputError(f"--map '{item}' should look like FIELD=COLUMN, e.g. score=NPS.")
        fld, column = item.split("=", 1)
        out[fld.strip()] = column.strip() or None
    return out


def existing_database(db_arg: str | None):
    """The database a read-only command asks about, opened; refused when there is no file, so
    a mistyped ``--db`` is an error rather than an empty database created on the spot."""
    from cxdata import store

    path = store.database_path(db_arg)
    if not path.exists():
        raise InputError(
            f"No database at {path}: check --db (or $CXDATA_DB), or import data first "
            "(python -m cxdata import FILE)."
        )
    return store.connect(path)


def file_reading(report: dict) -> dict:
    """What a command that reads FILE reports about the reading, as ``import`` does:
    ``file``, ``rows``, ``accepted``, ``rejected``, ``mapping``, ``assumptions`` and the first
    ``rejected_rows``."""
    keys = ("file", "rows", "accepted", "rejected", "mapping", "assumptions", "rejected_rows")
    return {k: report.get(k) for k in keys}


def print_file_reading(reading: dict, *, used: str = "accepted") -> None:
    """The columns used, the assumptions and the rejected rows of a FILE read by a command."""
    print(
        f"Read {reading['file']}: {reading['rows']:,} rows, {reading['accepted']:,} {used}, "
        f"{reading['rejected']:,} rejected."
    )
    if reading["mapping"]:
        print("Columns used:")
        for fld, column in reading["mapping"].items():
            shown = ", ".join(column) if isinstance(column, list) else column
            print(f"  {fld:<26} ← {shown}")
    if reading["assumptions"]:
        print("Assumptions:")
        for item in reading["assumptions"]:
            print(f"  - {item}")
    shown = (reading.get("rejected_rows") or [])[:5]
    for r in shown:
        print(f"  rejected row {r['row']} (line {r['line']}): {r['reason']}")
    if reading["rejected"] > len(shown) and shown:
        print(f"  … and {reading['rejected'] - len(shown):,} more rejected rows")
    print()


def initiatives_file(path: str, scenario: str):
    """One scenario's initiatives from an initiatives CSV given on the command line (``plan``,
    ``effects``); a file with a bad row is refused naming the row."""
    from pathlib import Path

    from cxdata import ingest, milestones

    portfolio, problems = milestones.read_initiatives(ingest.read_path(path))
    if problems:
        first = problems[0]
        raise InputError(f"{Path(path).name}, row {first['row']}: {first['reason']}.")
    return portfolio[portfolio["scenario"] == scenario]
