"""The organisation's departments: a list stored in the database, not a fixed one.

The list is what the organisation says it is (a settings editor: :func:`table` and
:func:`save`), seeded by the sample and by maturity files, and completed by the department
names the data uses (survey, transactional and maturity ``department`` values) that are not
stored yet. A department may go by other names, its aliases ("CS" for "Customer Service"):
:func:`resolve` gives the one name everything is counted under. Each department may have an
SLA: the days a follow-up of one of its detractors is due in (default
:data:`DEFAULT_SLA_DAYS`).

>>> key("  customer   SERVICE ")
'customer service'
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pandas as pd

from cxdata.errors import InputError
from cxdata.formatting import utc_now_text
from cxdata.store import departments as stored

DEFAULT_SLA_DAYS = 7
TABLE_COLUMNS = stored.DEPARTMENT_COLUMNS  # name, aliases, sla_days, source
SOURCES = ("settings", "sample", "data", "maturity file", "questionnaire")


@dataclass(frozen=True)
class Department:
    name: str
    aliases: tuple[str, ...] = ()
    sla_days: int | None = None  # None: the default
    source: str = "settings"


def key(name: str) -> str:
    """How two names are compared: case- and space-insensitive (runs of spaces are one)."""
    return " ".join(str(name).split()).casefold()


def stored_list(db) -> list[Department]:
    """The stored departments, in their order."""
    return [
        Department(name, tuple(json.loads(aliases or "[]")), sla, source)
        for name, aliases, sla, source in stored.stored_departments(db)
    ]


def resolver(departments: Iterable[Department]) -> Callable[[str], str]:
    """A function from a name or alias to the canonical name (for many look-ups at once);
    a name it does not know comes back stripped as given.

    >>> to = resolver([Department("Customer Service", ("CS",))])
    >>> to(" cs "), to("customer service"), to(" Claims ")
    ('Customer Service', 'Customer Service', 'Claims')
    """
    names: dict[str, str] = {}
    for dept in departments:
        names.setdefault(key(dept.name), dept.name)
    for dept in departments:
        for alias in dept.aliases:
            names.setdefault(key(alias), dept.name)

    def resolve_one(name: str) -> str:
        text = str(name).strip()
        return names.get(key(text), text)

    return resolve_one


def db_resolver(db) -> Callable[[str], str]:
    """:func:`resolver` over the stored departments."""
    return resolver(stored_list(db))


def resolve(db, name: str) -> str:
    """The canonical name for ``name`` (a department's name or one of its aliases, in any
    case and spacing); an unknown name is returned stripped as given."""
    return db_resolver(db)(name)


def names(db) -> list[str]:
    """The organisation's departments in their order: the stored list, then the departments
    the data uses that are not stored yet (resolved through aliases, so "CS" and "Customer
    Service" are one), in alphabetical order."""
    listed = stored_list(db)
    to = resolver(listed)
    out = [d.name for d in listed]
    known = {key(n) for n in out}
    seen = sorted({to(n) for n in stored.data_department_names(db)}, key=key)
    for name in seen:
        if key(name) not in known:
            known.add(key(name))
            out.append(name)
    return out


def sla_days(db, name: str) -> int:
    """Days a follow-up owned by department ``name`` (or an alias of it) is due in: its
    stored SLA, else :data:`DEFAULT_SLA_DAYS`."""
    canonical = resolve(db, name)
    for dept in stored_list(db):
        if dept.name == canonical and dept.sla_days is not None:
            return int(dept.sla_days)
    return DEFAULT_SLA_DAYS


def table(db) -> pd.DataFrame:
    """The departments for a settings editor: name, aliases (comma-separated text), sla_days
    (blank = the default of 7) and source; departments the data uses and not yet stored are
    at the end with source "data" (saving the table stores them)."""
    listed = stored_list(db)
    rows = [(d.name, ", ".join(d.aliases), d.sla_days, d.source) for d in listed]
    stored_names = {d.name for d in listed}
    rows += [(n, "", None, "data") for n in names(db) if n not in stored_names]
    frame = pd.DataFrame(rows, columns=TABLE_COLUMNS)
    frame["sla_days"] = frame["sla_days"].astype("Int64")
    return frame


def add(db, new_names: Iterable[str], source: str) -> list[str]:
    """Append the names that are neither a stored department nor an alias of one (in their
    order, each once), with ``source``; returns the names added."""
    fresh = new_departments(stored_list(db), new_names)
    if fresh:
        stored.add_departments(db, fresh, source, utc_now_text())
    return fresh


def new_departments(listed: Iterable[Department], candidates: Iterable[str]) -> list[str]:
    """Of ``candidates`` (stripped), those neither in ``listed`` by name or alias, each once."""
    listed = list(listed)
    known = {key(d.name) for d in listed} | {key(a) for d in listed for a in d.aliases}
    out = []
    for name in candidates:
        text = str(name).strip()
        if text and key(text) not in known:
            known.add(key(text))
            out.append(text)
    return out


def append_in(conn, fresh: list[str], source: str) -> None:
    """Store ``fresh`` names (from :func:`new_departments`) inside the caller's transaction."""
    if fresh:
        stored.append_departments(conn, fresh, source, utc_now_text())


# --- the settings editor -------------------------------------------------------------------


@dataclass
class SaveReport:
    """What :func:`save` did: the names saved, in order, and each row it could not save."""

    saved: list[str] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)  # {"row" (1-based), "name", "reason"}

    @property
    def message(self) -> str:
        text = f"Saved {len(self.saved)} department(s)."
        if self.rejected:
            text += f" {len(self.rejected)} row(s) not saved: " + "; ".join(
                f"row {r['row']} ({r['name'] or 'blank'}): {r['reason']}" for r in self.rejected
            )
        return text

    def to_dict(self) -> dict:
        return {"saved": self.saved, "rejected": self.rejected}


def save(db, frame: pd.DataFrame) -> SaveReport:
    """Store an edited department list (columns name, aliases, sla_days, optional source), in
    the frame's order, replacing the stored one in one transaction.

    A row is not saved, and is reported with its reason, when its name is blank, when it
    repeats an earlier row's name, when one of its aliases is another department's name or
    alias, or when its SLA is not a whole number of days of at least 1. A row with every cell
    blank (an editor's empty new row) is no department and is skipped. ``aliases`` is
    comma-separated text or a list; a blank SLA means the default.
    """
    report = SaveReport()
    previous = {d.name: d for d in stored_list(db)}
    rows = _edited_rows(frame)
    names_at = {}  # key → row of the first row naming it
    for number, name, _, _, _ in rows:
        if name and key(name) not in names_at:
            names_at[key(name)] = number
    accepted: list[tuple[str, str, int | None, str]] = []
    taken: dict[str, str] = {}  # alias key → the department that has it
    for number, name, aliases, sla, source in rows:
        reason = _row_problem(number, name, aliases, sla, names_at, taken)
        if reason:
            report.rejected.append({"row": number, "name": name, "reason": reason})
            continue
        own = [a for a in dict.fromkeys(aliases) if key(a) != key(name)]
        taken.update({key(a): name for a in own})
        was = previous.get(name)
        origin = was.source if was else (source if source in SOURCES else "settings")
        accepted.append((name, json.dumps(own), _whole_days(sla), origin))
        report.saved.append(name)
    stored.replace_departments(db, accepted, utc_now_text())
    return report


def _edited_rows(frame: pd.DataFrame) -> list[tuple[int, str, list[str], object, str]]:
    """(row number, name, aliases, sla cell, source) of each row not entirely blank."""
    out = []
    for number, row in enumerate(frame.to_dict("records"), start=1):
        name = _text(row.get("name"))
        aliases = _aliases(row.get("aliases"))
        sla = row.get("sla_days")
        sla = None if _blank(sla) else sla
        if not name and not aliases and sla is None:
            continue
        out.append((number, name, aliases, sla, _text(row.get("source"))))
    return out


def _row_problem(number, name, aliases, sla, names_at, taken) -> str | None:
    if not name:
        return "the name is blank"
    first = names_at[key(name)]
    if first != number:
        return f"'{name}' is already the name of row {first}"
    if key(name) in taken:
        return f"'{name}' is already an alias of {taken[key(name)]}"
    for alias in aliases:
        other = names_at.get(key(alias))
        # A later row named like this alias is the one refused (when it comes), so that a
        # name the data uses can be made an alias of the department above it.
        if other is not None and other < number:
            return f"alias '{alias}' is the name of another department (row {other})"
        if key(alias) in taken:
            return f"alias '{alias}' is already an alias of {taken[key(alias)]}"
    if sla is not None and _whole_days(sla) is None:
        return f"SLA '{sla}' is not a whole number of days of at least 1"
    return None


def _whole_days(value) -> int | None:
    """A whole number of days ≥ 1 from a cell (7, 7.0, "7"), else None."""
    if value is None or _blank(value) or isinstance(value, bool):
        return None
    try:
        number = float(str(value).strip().replace(",", "."))
    except ValueError:
        return None
    return int(number) if number.is_integer() and number >= 1 else None


def _blank(value) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _text(value) -> str:
    return "" if _blank(value) else " ".join(str(value).split())


def _aliases(value) -> list[str]:
    if isinstance(value, (list, tuple)):
        parts = [str(v) for v in value]
    elif _blank(value):
        parts = []
    else:
        parts = str(value).split(",")
    return [t for p in parts if (t := _text(p))]


def check_name(name: str) -> str:
    """``name`` stripped, or an InputError when it is blank."""
    text = _text(name)
    if not text:
        raise InputError("Name the department.")
    return text
