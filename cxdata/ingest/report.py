"""What an import did, as returned to the caller and stored with the dataset (SPEC §8).

:class:`ImportReport` is filled in as the import goes (the plan's mapping and assumptions, then
counts chunk by chunk); :class:`Warnings` gathers the optional cells stored empty, one message
per column; :data:`Progress` is the callback through which an import says how far it is.
Nothing here reads files or touches the database.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import pandas as pd

# Called with (fraction done, message) as an import or a preview goes through the file.
Progress = Callable[[float, str], None]

# Rejected rows listed in the report itself; all of them are stored (see rejections_frame).
REPORTED_REJECTIONS = 100

# The counts stored with a dataset, in this order.
_COUNTS = (
    "rows",
    "accepted",
    "inserted",
    "updated",
    "rejected",
    "blank",
    "skipped",
    "duplicates_in_file",
)


@dataclass
class ImportReport:
    """What an import did, row by row in aggregate (SPEC §8 ``import`` JSON shape)."""

    dataset_id: int | None
    file: str
    kind: str
    source: str
    rows: int = 0
    accepted: int = 0
    inserted: int = 0
    updated: int = 0
    rejected: int = 0
    blank: int = 0
    skipped: int = 0
    duplicates_in_file: int = 0
    already_imported: bool = False
    mapping: dict[str, str] = field(default_factory=dict)
    assumptions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rejected_rows: list[dict] = field(default_factory=list)
    extra_columns: list[str] = field(default_factory=list)
    file_format: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)

    def counts(self) -> dict:
        """The row counts, as stored with the dataset."""
        return {k: getattr(self, k) for k in _COUNTS}


def already_imported(report: ImportReport, earlier: dict) -> ImportReport:
    """``report`` for a file whose content was imported before (``earlier``: that dataset)."""
    report.dataset_id = earlier["id"]
    report.already_imported = True
    report.rows = earlier["rows"]
    report.mapping = earlier["mapping"]
    report.file_format = earlier["file_format"]
    report.assumptions = [
        f"This file was already imported on {earlier['imported_at'][:10]} "
        f"(dataset {earlier['id']}); nothing was changed."
    ]
    return report


def no_valid_rows(report: ImportReport, name: str) -> str:
    """The refusal of file ``name`` when none of its rows was accepted, with the first reason."""
    if report.rejected_rows:
        first = report.rejected_rows[0]
        text = (
            f"File '{name}' has no valid rows ({report.rejected:,} rejected, "
            f"{report.blank:,} blank, {report.skipped:,} test/preview): "
            f"row {first['row']}: {first['reason']}."
        )
        return text + _not_a_score_question(report)
    return (
        f"File '{name}' has no valid rows: {report.blank:,} blank and {report.skipped:,} "
        "test/preview/spam rows."
    )


_WORD_SCORE = re.compile(r"^score '([^'\d]+)' is not a number")


def _not_a_score_question(report: ImportReport) -> str:
    """When the listed rows were refused for scores written in words ('Yes', 'Maybe') — every
    score given is a word, the other refusals have none — the column is a different question
    (yes/no, a rating in words), not the 0–10 one."""
    reasons = [r["reason"] for r in report.rejected_rows]
    words = [m for m in map(_WORD_SCORE.match, reasons) if m]
    scored = [r for r in reasons if r.startswith("score '")]  # a score given but unreadable
    # Every given score is a word, and they are most of the refusals (the rest: left empty).
    if not words or len(words) < len(scored) or 2 * len(words) < len(reasons):
        return ""
    seen = list(dict.fromkeys(m.group(1) for m in words))[:4]
    listed = ", ".join(f"'{w}'" for w in seen)
    return (
        f" Its score column holds words ({listed}), not numbers: it is a different question "
        "than the 0–10 likelihood to recommend that NPS needs. If another column holds that "
        "score, name it with --map score=COLUMN (or pick it on the Data page)."
    )


class Warnings:
    """Optional cells stored empty, counted per column with the first row and value."""

    LISTED_ROWS = 10  # rows named in the message about unreadable bytes

    def __init__(self):
        self.by_column: dict[str, list] = {}
        self.replaced_rows = 0
        self.replaced_listed: list[tuple[int, int]] = []  # (row 1-based, line) named
        self.notes: list[str] = []  # the plan's own warnings (e.g. a mostly empty comment)

    def plan_notes(self, notes: list[str]) -> None:
        """The warnings the plan made before any row was read (given with every chunk)."""
        self.notes = list(notes)

    def replaced(self, rows: list[int], lines: list[int]) -> None:
        """Rows (0-based) holding bytes the encoding could not read, and the lines of the
        first of them."""
        self.replaced_rows += len(rows)
        room = self.LISTED_ROWS - len(self.replaced_listed)
        self.replaced_listed += [(r + 1, line) for r, line in zip(rows[:room], lines)]

    def add(self, column: str, failed: pd.Series, raw: pd.Series, what: str) -> None:
        if not failed.any():
            return
        first = int(failed.idxmax())
        entry = self.by_column.setdefault(column, [0, first, str(raw[first]), what])
        entry[0] += int(failed.sum())

    def messages(self) -> list[str]:
        out = self.notes + [
            f"Column '{col}': {n:,} value(s) that are not {what} were stored empty "
            f"(first at row {row + 1}: '{value}')."
            for col, (n, row, value, what) in self.by_column.items()
        ]
        if self.replaced_rows:
            listed = ", ".join(f"row {r:,} (line {line:,})" for r, line in self.replaced_listed)
            more = self.replaced_rows - len(self.replaced_listed)
            out.append(
                f"{self.replaced_rows:,} row(s) hold bytes that are not valid in the file's "
                f"encoding, stored as '\ufffd': {listed}"
                + (f" and {more:,} more." if more else ".")
            )
        return out
