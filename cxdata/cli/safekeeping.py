"""``backup``, ``restore`` and ``erase``: keeping the data safe, and forgetting a customer."""

from __future__ import annotations

import argparse

from cxdata.errors import InputError


def add_commands(commands, common: argparse.ArgumentParser) -> None:
    bak = commands.add_parser(
        "backup",
        parents=[common],
        help="copy the database consistently, even while the app is running",
        description=(
            "Copy the database with SQLite's online backup API to FILE (default: a new "
            "<db name>-<UTC time>.db in the backups folder next to the database, the folder "
            "an erasure checks for copies that still hold the customer)."
        ),
    )
    bak.add_argument("--out", metavar="FILE", help="where to write the copy")
    bak.set_defaults(run=backup, show=print_safekeeping)

    rst = commands.add_parser(
        "restore",
        parents=[common],
        help="replace the database with a backup (the current one is kept aside)",
        description=(
            "Check that FILE is a sound CX Compass backup (integrity, a known schema version, "
            "only CX Compass's tables and indexes), copy the current database - even a "
            "damaged one - to <db>.before-restore, and put the backup in its place. Stop the "
            "app first."
        ),
    )
    rst.add_argument("file", metavar="FILE", help="a backup made with 'backup'")
    rst.set_defaults(run=restore, show=print_safekeeping)

    era = commands.add_parser(
        "erase",
        parents=[common],
        help="remove every row of one customer (right to erasure)",
        description=(
            "Delete every survey, interaction, relationship answer, follow-up and rejected "
            "row of one customer, in one transaction, and record that an erasure happened "
            "(when and how many rows, not whose). Backups made earlier still hold the "
            "customer: the ones in the backups folder next to the database are listed."
        ),
    )
    era.add_argument("--customer", required=True, metavar="ID", help="the customer id")
    era.set_defaults(run=erase, show=print_safekeeping)

    mig = commands.add_parser(
        "migrate",
        parents=[common],
        help="copy a whole database to another place: a SQLite file to a PostgreSQL server or back",
        description=(
            "Copy every import, response, follow-up, goal, fix, maturity answer, theme and "
            "setting from one database to another, ids and all, in one transaction of the "
            "target: 'migrate --from data/cx.db --to postgresql://user@host/cx' moves a team "
            "onto a server. The target must be empty (a new database) unless --replace."
        ),
    )
    mig.add_argument(
        "--from",
        dest="source",
        required=True,
        metavar="DB",
        help="the database to copy (a file or a postgresql:// URL)",
    )
    mig.add_argument(
        "--to",
        dest="target",
        required=True,
        metavar="DB",
        help="where to copy it (created when it is a new file)",
    )
    mig.add_argument(
        "--replace", action="store_true", help="replace what the target holds (it is emptied first)"
    )
    mig.set_defaults(run=migrate, show=print_migration)


def _existing_db(args: argparse.Namespace):
    from cxdata import store

    path = store.database_path(args.db)
    if not path.exists():
        raise InputError(f"No database at {path}.")
    return store.connect(path)


def backup(args: argparse.Namespace) -> dict:
    from cxdata import safekeeping

    db = _existing_db(args)
    try:
        return safekeeping.backup(db, args.out)
    finally:
        db.conn.close()


def restore(args: argparse.Namespace) -> dict:
    from cxdata import ingest, safekeeping, store

    return safekeeping.restore(ingest.read_path(args.file), store.database_path(args.db))


def erase(args: argparse.Namespace) -> dict:
    from cxdata import safekeeping

    db = _existing_db(args)
    try:
        return safekeeping.erase_customer(db, args.customer)
    finally:
        db.conn.close()


def migrate(args: argparse.Namespace) -> dict:
    from cxdata import safekeeping

    return safekeeping.migrate(args.source, args.target, replace=args.replace)


def print_migration(result: dict) -> None:
    rows = ", ".join(
        f"{result['rows'][k]:,} {k}"
        for k in ("survey", "transactional", "relationship", "outcomes")
    )
    print(
        f"copied {result['from']} to {result['to']} in {result['seconds']:.1f} s: {rows}; "
        f"{result['total']:,} rows in {len(result['rows'])} tables"
    )


def print_safekeeping(result: dict) -> None:
    from cxdata import store

    if "removed" in result:
        parts = ", ".join(f"{n:,} {table}" for table, n in result["removed"].items() if n)
        print(f"erased {result['total']:,} rows ({parts or 'none found'}); the erasure is logged")
        print(result["backups_note"])
        return
    counts = ", ".join(f"{result[k]:,} {k}" for k in store.KINDS)
    if "out" in result:
        print(f"backed up to {result['out']}: {counts}")
        return
    print(f"restored {result['restored']} from {result['from']}: {counts}")
    if result.get("kept"):
        print(f"the database as it was is kept at {result['kept']}")
