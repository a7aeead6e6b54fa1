"""The schema on a PostgreSQL server: the same tables as :mod:`cxdata.store.schema`, in
PostgreSQL's types, and the SQLite functions the store's queries use.

A new server database is created at the current version in one step (``BASELINE``, recorded
as every version up to :data:`BASELINE_VERSION`); a later migration appended to
``schema.MIGRATIONS`` needs its PostgreSQL form in :data:`MIGRATIONS` under the same number
(``tests/test_postgres.py`` fails when one is missing).

Types: response and event times are ``timestamptz`` (read back in UTC as SQLite's text), days
and due dates ``date``, flags ``boolean`` (read back as 0 / 1), the import's mapping, notes,
rejected cells and kept row versions ``jsonb``; ids are identity columns. Text columns sort
by the database's collation: create it with ``LC_COLLATE 'C'`` (or ``C.UTF-8``) to order
lists exactly as SQLite does.
"""

from __future__ import annotations

from collections.abc import Callable

BASELINE_VERSION = 14

# The SQLite functions the store's SQL uses, with SQLite's meaning over PostgreSQL types.
# Each is SQL-language and immutable or stable, so the planner inlines most of them.
COMPAT = r"""
-- STABLE, as the cast of a timestamp to text is (it follows DateStyle, ISO in every session
-- the store opens), so the planner inlines it.
CREATE OR REPLACE FUNCTION substr(t timestamptz, start integer, len integer) RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT substr(CAST(t AT TIME ZONE 'UTC' AS text), start, len) $$;
CREATE OR REPLACE FUNCTION substr(d date, start integer, len integer) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT substr(to_char(d, 'YYYY-MM-DD'), start, len) $$;
-- A time written without its time of day (a wave's date) is stored at midnight; SQLite keeps
-- it as 10 characters, so a midnight reads as a date.
CREATE OR REPLACE FUNCTION length(t timestamptz) RETURNS integer
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT CASE WHEN (t AT TIME ZONE 'UTC')::time = '00:00' THEN 10 ELSE 19 END $$;
CREATE OR REPLACE FUNCTION cx_shift(t timestamp, modifiers text[]) RETURNS timestamp
  LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE m text;
BEGIN
  FOREACH m IN ARRAY coalesce(modifiers, '{}') LOOP
    t := t + m::interval;
  END LOOP;
  RETURN t;
END $$;
CREATE OR REPLACE FUNCTION date(t timestamptz, VARIADIC modifiers text[] DEFAULT '{}')
  RETURNS date LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT cx_shift(t AT TIME ZONE 'UTC', modifiers)::date $$;
CREATE OR REPLACE FUNCTION datetime(t timestamptz, VARIADIC modifiers text[] DEFAULT '{}')
  RETURNS timestamptz LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT cx_shift(t AT TIME ZONE 'UTC', modifiers) AT TIME ZONE 'UTC' $$;
CREATE OR REPLACE FUNCTION round(x double precision, digits integer) RETURNS double precision
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT round(x::numeric, digits)::double precision $$;
CREATE OR REPLACE FUNCTION cx_sum_true(n bigint, b boolean) RETURNS bigint
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT CASE WHEN b IS NULL THEN n ELSE coalesce(n, 0) + b::integer END $$;
CREATE OR REPLACE FUNCTION cx_total_final(n bigint) RETURNS double precision
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT coalesce(n, 0)::double precision $$;
CREATE OR REPLACE FUNCTION cx_avg_step(s double precision[], b boolean) RETURNS double precision[]
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT CASE WHEN b IS NULL THEN s ELSE ARRAY[s[1] + b::integer, s[2] + 1] END $$;
CREATE OR REPLACE FUNCTION cx_avg_final(s double precision[]) RETURNS double precision
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT CASE WHEN s[2] = 0 THEN NULL ELSE s[1] / s[2] END $$;
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                 WHERE p.proname = 'sum' AND p.prokind = 'a' AND n.nspname = current_schema()) THEN
    -- sum(condition): how many rows meet it (NULL over no rows), as in SQLite.
    CREATE AGGREGATE sum(boolean) (SFUNC = cx_sum_true, STYPE = bigint);
    -- total(condition): the same, 0.0 over no rows.
    CREATE AGGREGATE total(boolean) (SFUNC = cx_sum_true, STYPE = bigint,
                                     FINALFUNC = cx_total_final);
    CREATE AGGREGATE avg(boolean) (SFUNC = cx_avg_step, STYPE = double precision[],
                                   INITCOND = '{0,0}', FINALFUNC = cx_avg_final);
  END IF;
END $$;
CREATE OR REPLACE FUNCTION cx_json_type(v jsonb) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE jsonb_typeof(v) WHEN 'string' THEN 'text' WHEN 'number' THEN
           CASE WHEN v::text ~ '^-?[0-9]+$' THEN 'integer' ELSE 'real' END
         WHEN 'boolean' THEN CASE WHEN v = 'true' THEN 'true' ELSE 'false' END
         ELSE jsonb_typeof(v) END $$;
-- json_each(j): SQLite's table of an object's or array's members (key, value as text, type).
CREATE OR REPLACE FUNCTION json_each(j jsonb)
  RETURNS TABLE (key text, value text, type text) LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT e.key, e.value #>> '{}', cx_json_type(e.value)
    FROM jsonb_each(CASE WHEN jsonb_typeof(j) = 'object' THEN j ELSE '{}' END) AS e
  UNION ALL
  SELECT (a.n - 1)::text, a.v #>> '{}', cx_json_type(a.v)
    FROM jsonb_array_elements(CASE WHEN jsonb_typeof(j) = 'array' THEN j ELSE '[]' END)
         WITH ORDINALITY AS a(v, n) $$;
"""

_ID = "bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"

BASELINE = f"""
CREATE TABLE survey (
    id {_ID},
    source text NOT NULL,
    response_id text NOT NULL,
    responded_at timestamptz NOT NULL,
    score integer NOT NULL,
    customer_id text,
    interaction_id text,
    channel text,
    touchpoint text,
    department text,
    region text,
    product text,
    comment text,
    wave text,
    dataset_id bigint,
    source_row bigint
);
CREATE UNIQUE INDEX survey_key ON survey (source, response_id);
CREATE INDEX survey_responded_at ON survey (responded_at);
CREATE INDEX survey_customer_responded ON survey (customer_id, responded_at);
CREATE INDEX survey_dataset_id ON survey (dataset_id);

CREATE TABLE transactional (
    id {_ID},
    source text NOT NULL,
    interaction_id text NOT NULL,
    occurred_at timestamptz NOT NULL,
    customer_id text,
    channel text,
    department text,
    region text,
    handle_time_min double precision,
    wait_time_min double precision,
    first_contact_resolution boolean,
    escalated boolean,
    delivery_delay_days double precision,
    order_value double precision,
    dataset_id bigint,
    source_row bigint
);
CREATE UNIQUE INDEX transactional_key ON transactional (source, interaction_id);
CREATE INDEX transactional_occurred_at ON transactional (occurred_at);
CREATE INDEX transactional_customer_id ON transactional (customer_id);
CREATE INDEX transactional_interaction_id ON transactional (interaction_id);
CREATE INDEX transactional_dataset_id ON transactional (dataset_id);

CREATE TABLE relationship (
    id {_ID},
    source text NOT NULL,
    response_id text NOT NULL,
    responded_at timestamptz NOT NULL,
    customer_id text,
    score integer NOT NULL,
    wave text,
    segment text,
    region text,
    annual_revenue double precision,
    comment text,
    dataset_id bigint,
    source_row bigint
);
CREATE UNIQUE INDEX relationship_key ON relationship (source, response_id);
CREATE INDEX relationship_responded_at ON relationship (responded_at);
CREATE INDEX relationship_customer_id ON relationship (customer_id);
CREATE INDEX relationship_dataset_id ON relationship (dataset_id);

CREATE TABLE outcomes (
    id {_ID},
    source text NOT NULL,
    outcome_id text NOT NULL,
    observed_at date NOT NULL,
    customer_id text NOT NULL,
    churned boolean,
    revenue double precision,
    dataset_id bigint,
    source_row bigint
);
CREATE UNIQUE INDEX outcomes_key ON outcomes (source, outcome_id);
CREATE INDEX outcomes_customer_observed ON outcomes (customer_id, observed_at);
CREATE INDEX outcomes_dataset_id ON outcomes (dataset_id);

CREATE TABLE survey_counts (
    day date NOT NULL,
    dim text NOT NULL,
    value text NOT NULL,
    detractors integer NOT NULL,
    passives integer NOT NULL,
    promoters integer NOT NULL,
    PRIMARY KEY (dim, value, day)
);

CREATE TABLE datasets (
    id {_ID},
    file_name text NOT NULL,
    kind text NOT NULL,
    source text NOT NULL,
    sha256 text NOT NULL,
    rows integer NOT NULL,
    accepted integer NOT NULL,
    inserted integer NOT NULL,
    updated integer NOT NULL,
    rejected integer NOT NULL,
    blank integer NOT NULL,
    skipped integer NOT NULL,
    duplicates_in_file integer NOT NULL,
    mapping jsonb NOT NULL,
    assumptions jsonb NOT NULL,
    warnings jsonb NOT NULL,
    file_format jsonb NOT NULL,
    imported_at timestamptz NOT NULL
);
CREATE INDEX datasets_sha256 ON datasets (sha256);
CREATE TABLE dataset_rejections (
    dataset_id bigint NOT NULL,
    row integer NOT NULL,
    line integer NOT NULL,
    reason text NOT NULL,
    cells jsonb NOT NULL
);
CREATE INDEX dataset_rejections_dataset_id ON dataset_rejections (dataset_id);
CREATE TABLE row_versions (
    rowid bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    dataset_id bigint NOT NULL,
    kind text NOT NULL,
    source text NOT NULL,
    key text NOT NULL,
    customer_id text,
    row jsonb NOT NULL
);
CREATE INDEX row_versions_key ON row_versions (kind, source, key, dataset_id);

CREATE TABLE maturity_responses (
    id {_ID},
    assessed_at text NOT NULL,
    department text NOT NULL,
    rater text NOT NULL,
    item_id text NOT NULL,
    score double precision,
    dataset_id bigint,
    saved_at timestamptz,
    UNIQUE (assessed_at, department, rater, item_id)
);
CREATE TABLE initiatives (
    id {_ID},
    scenario text NOT NULL DEFAULT 'base',
    name text NOT NULL,
    owner text,
    problem text,
    root_cause text,
    start_month text,
    ramp_months integer NOT NULL DEFAULT 0,
    effect_low double precision NOT NULL,
    effect_likely double precision NOT NULL,
    effect_high double precision NOT NULL,
    probability double precision NOT NULL,
    cost double precision,
    status text NOT NULL DEFAULT 'idea',
    shipped_at text,
    segment text
);
CREATE TABLE goals (
    id {_ID},
    name text NOT NULL UNIQUE,
    baseline double precision NOT NULL,
    lift double precision NOT NULL,
    start_month text NOT NULL,
    horizon_months integer NOT NULL,
    shape text NOT NULL,
    n_per_month integer,
    saved_at timestamptz
);
CREATE TABLE followups (
    id {_ID},
    survey_id bigint NOT NULL UNIQUE,
    owner_department text,
    status text NOT NULL DEFAULT 'open',
    note text,
    opened_at timestamptz NOT NULL,
    closed_at timestamptz,
    assignee text,
    due_at date,
    updated_at timestamptz
);
CREATE INDEX followups_status ON followups (status, due_at);
CREATE TABLE themes (
    name text PRIMARY KEY,
    keywords jsonb NOT NULL,
    saved_at timestamptz
);
CREATE TABLE erasures (
    id {_ID},
    erased_at timestamptz NOT NULL,
    rows_removed integer NOT NULL
);
CREATE TABLE data_version (token text NOT NULL);
INSERT INTO data_version VALUES (md5(random()::text || clock_timestamp()::text));
CREATE TABLE settings (
    key text PRIMARY KEY,
    value text NOT NULL,
    saved_at timestamptz NOT NULL
);
CREATE TABLE departments (
    name text PRIMARY KEY,
    position integer NOT NULL,
    aliases jsonb NOT NULL DEFAULT '[]',
    sla_days integer,
    source text NOT NULL,
    added_at timestamptz NOT NULL
);
-- Extra columns an import added before its transaction (kinds.prepare_columns), until it
-- ends: an import killed meanwhile leaves its row here, and the next connection drops the
-- column if nothing uses it (kinds.drop_abandoned_columns).
CREATE TABLE pending_columns (
    kind text NOT NULL,
    name text NOT NULL,
    pid integer NOT NULL,
    added_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE annotations (
    id {_ID},
    month text NOT NULL,
    text text NOT NULL,
    created_at timestamptz NOT NULL
);
"""

# Migrations after the baseline: version → its PostgreSQL script or function of the
# connection (the same number as its entry in schema.MIGRATIONS).
MIGRATIONS: dict[int, str | Callable] = {}


def _rows_stored(conn) -> None:
    """Version 15: ``datasets.rows_stored`` (see ``schema._rows_stored``), the same SQL."""
    from cxdata.store import schema

    schema._rows_stored(conn)


MIGRATIONS[15] = _rows_stored


def _covering_lookback_index(conn) -> None:
    """Version 16: the lookback's covering index, the same SQL as SQLite's."""
    from cxdata.store import schema

    conn.execute(schema._COVERING_LOOKBACK_INDEX)


MIGRATIONS[16] = _covering_lookback_index


def _owner_only_versions(conn) -> None:
    """Version 17: versions that only record an owner, the same SQL as SQLite's, and an index
    of them: an import on a server looks for them among the rows it overwrites (only a store
    copied from SQLite holds any), which without it would read every kept version."""
    from cxdata.store import schema

    conn.execute(schema._OWNER_ONLY_VERSIONS)
    conn.execute(
        "CREATE INDEX row_versions_owner_only ON row_versions (kind, source, key) "
        "WHERE owner_only = 1"
    )


MIGRATIONS[17] = _owner_only_versions


def _covering_outcome_link_index(conn) -> None:
    """Version 18: the outcome link's covering index, the same SQL as SQLite's."""
    from cxdata.store import schema

    conn.execute(schema._COVERING_OUTCOME_LINK_INDEX)


MIGRATIONS[18] = _covering_outcome_link_index


def migrate(db, version: int, target: int) -> int:
    """Bring a server database from ``version`` to ``target``: a new one gets the baseline (and
    the SQLite functions) in one transaction, then each later migration in its own. Two
    processes opening a new database at once: an advisory lock makes the second wait and
    find it done."""
    from cxdata.formatting import utc_now_text
    from cxdata.store.sql import transaction

    with transaction(db) as conn:
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('cxdata schema'))")
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version integer, applied_at text)")
        version = conn.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]
        if version == 0:
            conn.execute(COMPAT)
            conn.execute(BASELINE)
            conn.executemany(
                "INSERT INTO schema_version VALUES (?, ?)",
                [(v, utc_now_text()) for v in range(1, BASELINE_VERSION + 1)],
            )
            version = BASELINE_VERSION
    for number in range(version + 1, target + 1):
        step = MIGRATIONS.get(number)
        if step is None:
            raise RuntimeError(f"Schema version {number} has no PostgreSQL form (pg_schema.py).")
        with transaction(db) as conn:
            conn.execute("SELECT pg_advisory_xact_lock(hashtext('cxdata schema'))")
            done = conn.execute("SELECT max(version) FROM schema_version").fetchone()[0]
            if done >= number:
                continue
            if callable(step):
                step(conn)
            else:
                conn.execute(step)
            conn.execute("INSERT INTO schema_version VALUES (?, ?)", [number, utc_now_text()])
    return target
