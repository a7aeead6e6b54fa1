"""``datasets`` (the imports in the database) and ``delete`` (undo one import)."""

from __future__ import annotations

import argparse

from cxdata.cli.common import existing_database
from cxdata.errors import InputError


def add_commands(commands, common: argparse.ArgumentParser) -> None:
    lst = commands.add_parser(
        "datasets",
        parents=[common],
        help="list the imports: id, kind, file, rows stored, when, rejected rows",
        description=(
            "List every import, newest first: its id (for delete), kind, source, file name, "
            "the rows it holds now, when it was imported and how many rows it rejected."
        ),
    )
    lst.set_defaults(run=list_datasets, show=print_datasets)

    dele = commands.add_parser(
        "delete",
        parents=[common],
        help="delete one import; rows it overwrote get their earlier values back",
        description=(
            "Delete one import (as the Data page does): rows only it wrote are removed, rows "
            "it overwrote get back the values of the most recent remaining import that wrote "
            "them, extra columns nothing uses any more are dropped, and the same file can be "
            "imported again."
        ),
    )
    dele.add_argument(
        "--dataset", required=True, type=int, metavar="ID", help="the id 'datasets' lists"
    )
    dele.set_defaults(run=delete_dataset, show=print_deletion)


def list_datasets(args: argparse.Namespace) -> dict:
    from cxdata import store
    from cxdata.formatting import natural_date

    db = existing_database(args.db)
    try:
        datasets = store.list_datasets(db)
    finally:
        db.conn.close()
    return {
        "datasets": [
            {
                "dataset_id": d["id"],
                "kind": d["kind"],
                "source": d["source"],
                "file": d["file_name"],
                "rows": d["rows_stored"],
                "imported_at": d["imported_at"],
                "imported": natural_date(d["imported_at"]),
                "rejected": d["rejected"],
            }
            for d in datasets
        ]
    }


def print_datasets(result: dict) -> None:
    if not result["datasets"]:
        print("No imports yet.")
        return
    print(f"{'id':>5}  {'kind':<13} {'file':<32} {'rows':>10}  {'imported':<12} {'rejected':>9}")
    for d in result["datasets"]:
        print(
            f"{d['dataset_id']:>5}  {d['kind']:<13} {d['file']:<32} {d['rows']:>10,}  "
            f"{d['imported']:<12} {d['rejected']:>9,}"
        )


def delete_dataset(args: argparse.Namespace) -> dict:
    from cxdata import store

    db = existing_database(args.db)
    try:
        deletion = store.dataset_deletion(db, args.dataset)
    finally:
        db.conn.close()
    if deletion.kind is None:
        raise InputError(f"No dataset {args.dataset}: 'datasets' lists the ids.")
    return {
        "dataset_id": deletion.dataset_id,
        "kind": deletion.kind,
        "removed": deletion.removed,
        "restored": deletion.restored,
        "dropped_columns": list(deletion.dropped_columns),
    }


def print_deletion(result: dict) -> None:
    print(
        f"deleted dataset {result['dataset_id']} ({result['kind']}): "
        f"{result['removed']:,} rows removed, {result['restored']:,} restored to an earlier "
        "import's values"
    )
    if result["dropped_columns"]:
        print(f"dropped {len(result['dropped_columns']):,} unused columns")
