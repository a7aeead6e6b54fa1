"""The command line: ``python -m cxdata COMMAND …`` (SPEC §8).

Each command is a few lines over a ``cxdata`` function. Output is a readable summary, or JSON
with ``--json``. Exit 0 on success; 2 on bad input, with one line on stderr naming the problem.

One module per group of commands holds its arguments, its call into the library and its
printer (:mod:`~cxdata.cli.imports`, :mod:`~cxdata.cli.datasets`, :mod:`~cxdata.cli.trends`,
:mod:`~cxdata.cli.drivers`, :mod:`~cxdata.cli.maturity`, :mod:`~cxdata.cli.plan`,
:mod:`~cxdata.cli.effects`,
:mod:`~cxdata.cli.brief`, :mod:`~cxdata.cli.safekeeping`); this module builds the parser from
them and turns bad input into exit 2. The library is imported inside each command, so
``python -m cxdata --help`` loads neither pandas nor scipy nor altair nor the store, and a
command loads only what it uses (tests/test_cli_startup.py checks both).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from cxdata.cli import (
    brief,
    datasets,
    drivers,
    effects,
    followups,
    imports,
    maturity,
    plan,
    safekeeping,
    trends,
    value,
)
from cxdata.errors import InputError

# In the order --help lists them.
GROUPS = (
    imports,
    datasets,
    trends,
    drivers,
    value,
    maturity,
    plan,
    effects,
    followups,
    brief,
    safekeeping,
)


def parser() -> argparse.ArgumentParser:
    """The ``python -m cxdata`` parser: every command takes ``--db`` and ``--json``."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        metavar="PATH",
        help="database file (default: $CXDATA_DB, else data/cx.db)",
    )
    common.add_argument("--json", action="store_true", help="print machine-readable JSON")

    top = argparse.ArgumentParser(
        prog="python -m cxdata",
        description="CX Compass: import and analyse customer-experience data.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=imports.EXAMPLES,
    )
    commands = top.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for group in GROUPS:
        group.add_commands(commands, common)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit code (0, 2 on bad input, 130 when interrupted)."""
    args = parser().parse_args(argv)  # --help and a bad argument end here
    import json
    import sqlite3

    try:
        result = args.run(args)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except sqlite3.DatabaseError as exc:
        print(
            f"error: the database could not be used ({exc}); nothing was changed.", file=sys.stderr
        )
        return 2
    except KeyboardInterrupt:
        print("error: interrupted; nothing was changed.", file=sys.stderr)
        return 130
    try:
        if args.json:
            print(json.dumps(result, indent=2, ensure_ascii=False, default=str))
        else:
            args.show(result)
    except BrokenPipeError:  # e.g. piped into `head`: stop quietly
        sys.stderr.close()
    return 0
