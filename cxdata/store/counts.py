"""Per-day response counts by segment, kept up to date by every write to the survey table.

``survey_counts`` holds, for each day and each value of channel, touchpoint, department,
region and product (and for all responses, dimension ``''``), how many detractors, passives
and promoters answered. Trends, segment tables and the briefing read these few thousand rows
instead of scanning every response; filters the table cannot answer (two dimensions at once,
any other column) fall back to SQL on the responses.

Writes change the counts by exact deltas inside the writer's transaction: an import adds its
new rows and subtracts the rows it replaced; a delete subtracts the rows it removes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cxdata.store.sql import is_postgres, quote

DIMENSIONS = ("channel", "touchpoint", "department", "region", "product")
NONE = "(none)"
_COLUMNS = ["day", "dim", "value", "detractors", "passives", "promoters"]


# The NPS bands as SQL sums, written once: detractors 0–6, passives 7–8, promoters 9–10.
# Sums of CASE, not of the conditions: a server has no sum of a boolean of its own (and the
# stand-in pg_schema gives it is several times slower than its integer sum).
def band_sums(score: str = "score") -> str:
    """The three band counts of the ``score`` expression, in order."""
    return (
        f"sum(CASE WHEN {score} <= 6 THEN 1 ELSE 0 END), "
        f"sum(CASE WHEN {score} BETWEEN 7 AND 8 THEN 1 ELSE 0 END), "
        f"sum(CASE WHEN {score} >= 9 THEN 1 ELSE 0 END)"
    )


BAND_SUMS = band_sums()
_A, _B, _C = BAND_SUMS.split("), ")
BAND_SUMS_NAMED = f"{_A}) AS detractors, {_B}) AS passives, {_C} AS promoters"

TABLE_DDL = """
CREATE TABLE survey_counts (
    day TEXT NOT NULL,
    dim TEXT NOT NULL,
    value TEXT NOT NULL,
    detractors INTEGER NOT NULL,
    passives INTEGER NOT NULL,
    promoters INTEGER NOT NULL,
    PRIMARY KEY (dim, value, day)
) WITHOUT ROWID
"""


def counts(days, scores, segments: dict[str, object]) -> pd.DataFrame:
    """Counts per (day, dim, value) for rows given as arrays or Series: ``days``
    (``YYYY-MM-DD…`` text), ``scores`` (0–10) and one per dimension (missing values count as
    "(none)"). Text is dictionary-encoded by Arrow, then counted with ``numpy.bincount``."""
    day = pc.utf8_slice_codeunits(_text(days), 0, 10)
    day_codes, day_values = _encode(day)
    score = np.asarray(scores, dtype=float)
    band = np.where(score <= 6, 0, np.where(score <= 8, 1, 2))
    parts = [_count(day_codes, day_values, band, "", np.zeros(len(score), np.int64), [""])]
    for dim in DIMENSIONS:
        values = segments.get(dim)
        if values is None:
            values = pa.nulls(len(score), pa.large_string())
        codes, names = _encode(pc.fill_null(_text(values), NONE))
        parts.append(_count(day_codes, day_values, band, dim, codes, names))
    return pd.concat(parts, ignore_index=True)


def _text(values) -> pa.Array:
    if isinstance(values, pa.Array):
        array = values
    else:
        array = pa.array(values, from_pandas=True)
        if pa.types.is_null(array.type):
            array = array.cast(pa.large_string())
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if not pa.types.is_large_string(array.type):
        array = array.cast(pa.large_string())
    return array


def _encode(array: pa.Array) -> tuple[np.ndarray, list]:
    encoded = pc.dictionary_encode(array)
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    return codes, encoded.dictionary.to_pylist()


def _count(day_codes, day_values, band, dim, value_codes, value_names) -> pd.DataFrame:
    n_days, n_values = len(day_values), max(len(value_names), 1)
    flat = (day_codes * n_values + value_codes) * 3 + band
    tally = np.bincount(flat, minlength=n_days * n_values * 3).reshape(-1, 3)
    used = np.flatnonzero(tally.sum(axis=1))
    return pd.DataFrame(
        {
            "day": np.asarray(day_values, dtype=object)[used // n_values],
            "dim": dim,
            "value": np.asarray(value_names, dtype=object)[used % n_values],
            "detractors": tally[used, 0],
            "passives": tally[used, 1],
            "promoters": tally[used, 2],
        }
    )


def total(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Sum count frames (e.g. one per chunk of an import) into one."""
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=_COLUMNS)
    summed = pd.concat(frames, ignore_index=True).groupby(["day", "dim", "value"]).sum()
    return summed.reset_index()[_COLUMNS]


def apply(conn, frame: pd.DataFrame, sign: int = 1) -> None:
    """Add (``sign`` = 1) or subtract (−1) counts, inside the caller's transaction."""
    if frame.empty:
        return
    upsert = (
        " ON CONFLICT (dim, value, day) DO UPDATE SET "
        "detractors = survey_counts.detractors + excluded.detractors, "
        "passives = survey_counts.passives + excluded.passives, "
        "promoters = survey_counts.promoters + excluded.promoters"
    )
    if is_postgres(conn):
        # One statement from arrays, in key order (two imports lock shared rows in the same
        # order, so neither waits on the other in a cycle).
        ordered = frame.sort_values(["dim", "value", "day"])
        conn.execute(
            "INSERT INTO survey_counts (day, dim, value, detractors, passives, promoters) "
            "SELECT * FROM unnest(CAST(? AS date[]), CAST(? AS text[]), CAST(? AS text[]), "
            "CAST(? AS integer[]), CAST(? AS integer[]), CAST(? AS integer[])) "
            "ORDER BY 2, 3, 1" + upsert,
            [
                ordered["day"].tolist(),
                ordered["dim"].tolist(),
                ordered["value"].tolist(),
                [int(v) for v in sign * ordered["detractors"]],
                [int(v) for v in sign * ordered["passives"]],
                [int(v) for v in sign * ordered["promoters"]],
            ],
        )
    else:
        rows = zip(
            frame["day"].tolist(),
            frame["dim"].tolist(),
            frame["value"].tolist(),
            (sign * frame["detractors"]).tolist(),
            (sign * frame["passives"]).tolist(),
            (sign * frame["promoters"]).tolist(),
        )
        conn.executemany(
            "INSERT INTO survey_counts (day, dim, value, detractors, passives, promoters) "
            "VALUES (?, ?, ?, ?, ?, ?)" + upsert,
            rows,
        )
    conn.execute(
        "DELETE FROM survey_counts WHERE detractors = 0 AND passives = 0 AND promoters = 0"
    )


def counts_of_rows(conn, where: str, params: list) -> pd.DataFrame:
    """Counts of the stored responses matching ``where`` (to subtract before a delete)."""
    segs = ", ".join(quote(d) for d in DIMENSIONS)
    rows = conn.execute(
        f"SELECT responded_at, score, {segs} FROM survey WHERE {where}", params
    ).fetchall()
    if not rows:
        return pd.DataFrame(columns=_COLUMNS)
    frame = pd.DataFrame(rows, columns=["responded_at", "score", *DIMENSIONS])
    return counts(
        frame["responded_at"].to_numpy(object),
        frame["score"].to_numpy(float),
        {d: frame[d].to_numpy(object) for d in DIMENSIONS},
    )


def rebuild(conn) -> None:
    """Recount everything from the responses (migrations; a repair if ever needed)."""
    conn.execute("DELETE FROM survey_counts")
    bands = f"{BAND_SUMS} FROM survey GROUP BY 1, 3"
    # date(t) is the day on both backends (SQLite: its text; a server: a date).
    conn.execute("INSERT INTO survey_counts SELECT date(responded_at), '', '', " + bands)
    for dim in DIMENSIONS:
        conn.execute(
            f"INSERT INTO survey_counts SELECT date(responded_at), '{dim}', "
            f"coalesce(CAST({quote(dim)} AS TEXT), '{NONE}'), " + bands
        )


def recount_days(conn, dims: list[str], days) -> None:
    """Count ``dims`` of ``days`` (``YYYY-MM-DD``) again from the responses: after an import
    that left those columns of the rows it overwrote as they were stored, which its own
    counts put under "(none)". Reads the responses of those days through the date index."""
    days = sorted(set(days))
    for start in range(0, len(days), 400):
        chunk = days[start : start + 400]
        marks = ", ".join("?" for _ in chunk)
        last = (pd.Timestamp(chunk[-1]) + pd.Timedelta(days=1)).strftime("%Y-%m-%d")
        for dim in dims:
            conn.execute(
                f"DELETE FROM survey_counts WHERE dim = ? AND day IN ({marks})", [dim, *chunk]
            )
            conn.execute(
                f"INSERT INTO survey_counts SELECT date(responded_at), '{dim}', "
                f"coalesce(CAST({quote(dim)} AS TEXT), '{NONE}'), {BAND_SUMS} FROM survey "
                f"WHERE responded_at >= ? AND responded_at < ? AND date(responded_at) IN ({marks}) "
                "GROUP BY 1, 3",
                [chunk[0], last, *chunk],
            )


def consistent(db) -> bool:
    """Whether the stored counts equal a fresh count of the responses (for tests)."""
    stored = pd.DataFrame(db.execute("SELECT * FROM survey_counts").fetchall(), columns=_COLUMNS)
    conn = db.conn
    conn.execute("SAVEPOINT check_counts")
    try:
        rebuild(conn)
        fresh = pd.DataFrame(
            conn.execute("SELECT * FROM survey_counts").fetchall(), columns=_COLUMNS
        )
    finally:
        conn.execute("ROLLBACK TO check_counts")
        conn.execute("RELEASE check_counts")

    def norm(f):
        return f.sort_values(["dim", "value", "day"]).reset_index(drop=True)

    return norm(stored).equals(norm(fresh))
