"""The store: the only place in CX Compass that holds SQL text.

One module per question, each a thin set of functions over one connection:

- :mod:`~cxdata.store.sql` — which database, opening it, one write transaction, the data
  version, quoting (the leaf: imports nothing else of the store);
- :mod:`~cxdata.store.schema` — every table's DDL and the forward migrations; :func:`connect`;
- :mod:`~cxdata.store.kinds` — the survey / transactional / relationship tables: keys, extra
  columns, bulk writes of an import;
- :mod:`~cxdata.store.counts` — the per-day counts by segment, kept exact by every writer, and
  the NPS band expression;
- :mod:`~cxdata.store.datasets` — import records, rejected rows, listing and deleting
  (a deleted import's overwritten rows get their earlier versions back).

Other modules of the package answer one family of questions each (responses, links, app
tables, imports, safekeeping). A ``postgresql://`` address opens a server database instead of a
file: :mod:`~cxdata.store.postgres` (the connection), :mod:`~cxdata.store.pg_schema` (its schema)
and :mod:`~cxdata.store.transfer` (copying a whole store, either way). The names below are the
ones most callers need.
"""

from __future__ import annotations

from cxdata.store.datasets import (
    DATASET_TABLES,
    Deletion,
    dataset_deletion,
    dataset_rejections,
    delete_dataset,
    find_dataset,
    forget_customer_versions,
    insert_dataset,
    insert_rejections,
    list_datasets,
    recount_rows,
    stored_rows,
    update_dataset,
)
from cxdata.store.kinds import (  # noqa: I001  (sql first: the modules below import it)
    BOOKKEEPING,
    CORE_COLUMNS,
    KEY_COLUMN,
    KINDS,
    add_columns,
    build_key,
    drop_key,
    indexes_deferred,
    insert_rows,
    key_can_wait,
    lock_import,
    max_columns,
    prepare_columns,
    refresh_statistics,
    rows_inserted,
    upsert_rows,
)
from cxdata.store.schema import (
    MIGRATIONS,
    SCHEMA_VERSION,
    connect,
    migrate,
    pending_migrations,
    schema_version,
)
from cxdata.store.scopes import scoped_address, split_address
from cxdata.store.sql import (
    DEFAULT_DB,
    ENV_VAR,
    count_rows,
    data_version,
    database_path,
    has_rows,
    is_postgres,
    is_url,
    numeric_columns,
    quote,
    table_columns,
    table_exists,
    transaction,
)

__all__ = [
    "BOOKKEEPING",
    "CORE_COLUMNS",
    "DATASET_TABLES",
    "DEFAULT_DB",
    "Deletion",
    "ENV_VAR",
    "KEY_COLUMN",
    "KINDS",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "add_columns",
    "build_key",
    "connect",
    "count_rows",
    "data_version",
    "database_path",
    "has_rows",
    "dataset_deletion",
    "dataset_rejections",
    "delete_dataset",
    "drop_key",
    "find_dataset",
    "forget_customer_versions",
    "indexes_deferred",
    "insert_dataset",
    "insert_rejections",
    "insert_rows",
    "is_postgres",
    "is_url",
    "key_can_wait",
    "lock_import",
    "max_columns",
    "prepare_columns",
    "refresh_statistics",
    "rows_inserted",
    "list_datasets",
    "recount_rows",
    "stored_rows",
    "migrate",
    "numeric_columns",
    "pending_migrations",
    "quote",
    "schema_version",
    "scoped_address",
    "split_address",
    "table_columns",
    "table_exists",
    "transaction",
    "update_dataset",
    "upsert_rows",
]
