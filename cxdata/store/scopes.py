"""Views scoped to one department: a connection that sees only that department's rows.

A scoped connection is an ordinary one to the same file on which temporary views shadow the
tables by name (SQLite resolves an unqualified name in the ``temp`` schema first), so every
query of every module — the pages' loaders, downloads, the brief — reads the department's
rows without knowing it is scoped:

- ``survey`` and ``transactional``: the rows whose ``department`` is the department or one of
  its aliases (case and spaces ignored);
- ``relationship`` and ``outcomes``: those of customers who answered one of those touchpoint
  surveys (they have no department);
- ``survey_counts``: the per-day counts recomputed from the scoped survey rows;
- ``initiatives``: the fixes the department owns; ``maturity_responses``: its answers.

Follow-ups stay a table: every query of them joins the (scoped) survey rows. The views make
a scoped connection read-only for the data: an import or delete through it fails, which the
app never offers a scoped user.

The scope travels with the database's *address*, ``<path>#department=<name>``
(:func:`scoped_address`), so the pages' cached loaders, keyed on the address, never serve one
scope's figures to another.
"""

from __future__ import annotations

import urllib.parse

from cxdata.store.counts import BAND_SUMS, DIMENSIONS, NONE
from cxdata.store.sql import is_postgres, quote

_MARK = "#department="


def scoped_address(path: object, department: str | None) -> str:
    """The address of the database at ``path`` as seen by ``department`` (None: everything).

    >>> scoped_address("/data/cx.db", "Field Service")
    '/data/cx.db#department=Field%20Service'
    >>> split_address(scoped_address("/data/cx.db", "Field Service"))
    ('/data/cx.db', 'Field Service')
    """
    text = str(path)
    return text if department is None else text + _MARK + urllib.parse.quote(department)


def split_address(address: object) -> tuple[str, str | None]:
    """``(path, department)`` of an address made by :func:`scoped_address`."""
    text = str(address)
    if _MARK not in text:
        return text, None
    path, _, department = text.rpartition(_MARK)
    return path, urllib.parse.unquote(department)


def restrict(conn, names: list[str]) -> None:
    """Shadow the data tables of ``conn`` with views of the rows of the department called by
    any of ``names`` (its name and aliases)."""
    wanted = sorted({" ".join(str(n).split()).lower() for n in names if str(n).strip()})
    # The tables themselves: SQLite's main schema, a server's current one (its temporary views
    # come first on the search path, as SQLite's temp schema does).
    main, temp = "main", "temp"
    if is_postgres(conn):
        main, temp = quote(conn.execute("SELECT current_schema()").fetchone()[0]), "pg_temp"
    conn.execute(f"DROP VIEW IF EXISTS {temp}.survey_counts")
    for table in (
        "survey",
        "transactional",
        "relationship",
        "outcomes",
        "initiatives",
        "maturity_responses",
    ):
        conn.execute(f"DROP VIEW IF EXISTS {temp}.{table}")

    def matches(column: str) -> str:
        # Views cannot take parameters: the names are written in as quoted literals.
        literals = ", ".join(_literal(n) for n in wanted) or "NULL"
        return f"lower(trim({column})) IN ({literals})"

    conn.execute(
        f"CREATE TEMP VIEW survey AS SELECT * FROM {main}.survey WHERE {matches('department')}"
    )
    conn.execute(
        f"CREATE TEMP VIEW transactional AS SELECT * FROM {main}.transactional "
        f"WHERE {matches('department')}"
    )
    conn.execute(
        f"CREATE TEMP VIEW relationship AS SELECT * FROM {main}.relationship WHERE customer_id IN "
        f"(SELECT customer_id FROM {temp}.survey WHERE customer_id IS NOT NULL)"
    )
    conn.execute(
        f"CREATE TEMP VIEW outcomes AS SELECT * FROM {main}.outcomes WHERE customer_id IN "
        f"(SELECT customer_id FROM {temp}.survey WHERE customer_id IS NOT NULL)"
    )
    conn.execute(
        f"CREATE TEMP VIEW initiatives AS SELECT * FROM {main}.initiatives WHERE {matches('owner')}"
    )
    conn.execute(
        f"CREATE TEMP VIEW maturity_responses AS SELECT * FROM {main}.maturity_responses "
        f"WHERE {matches('department')}"
    )
    day = "date(responded_at)"
    parts = [
        f"SELECT {day} AS day, '' AS dim, '' AS value, {BAND_SUMS} FROM {temp}.survey GROUP BY 1"
    ]
    for dim in DIMENSIONS:
        parts.append(
            f"SELECT {day}, '{dim}', coalesce(CAST({quote(dim)} AS TEXT), {_literal(NONE)}), "
            f"{BAND_SUMS} FROM {temp}.survey GROUP BY 1, 3"
        )
    conn.execute(
        "CREATE TEMP VIEW survey_counts (day, dim, value, detractors, passives, promoters) AS "
        + " UNION ALL ".join(parts)
    )


def department_names(conn, department: str) -> list[str]:
    """The department's name and its aliases, as the departments table lists them (the name
    alone when it is not listed)."""
    import json

    key = " ".join(department.split()).lower()
    for name, aliases in conn.execute("SELECT name, aliases FROM departments").fetchall():
        others = json.loads(aliases or "[]")
        if key in {" ".join(str(n).split()).lower() for n in (name, *others)}:
            return [name, *others]
    return [department]


def _literal(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"
