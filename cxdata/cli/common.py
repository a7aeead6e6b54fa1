"""What several commands share: the formatting of a missing number and ``--map`` parsing.

Nothing here imports the library, so building the parser (``--help``) stays quick.
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
