"""Monthly NPS trend with intervals on an N-row database, against numpy.bincount over an
in-memory array of the same scores and months (the raw baseline, same process).

Ours reads the maintained per-day counts; the filters they cannot answer (two dimensions,
other columns) fall back to indexed SQL and are printed too. Target: ratio ≤ 2 (aim < 1).
"""

from __future__ import annotations

import numpy as np
from common import arguments, best_of, report, scale_database


def main() -> None:
    args = arguments(__doc__)
    from cxdata import nps, store

    db = store.connect(scale_database(args.rows))
    rows = db.execute("SELECT substr(responded_at, 1, 7), score FROM survey").fetchall()
    months = np.array([int(m[:4]) * 12 + int(m[5:7]) for m, _ in rows])
    months -= months.min()
    scores = np.array([s for _, s in rows])
    band = np.where(scores <= 6, 0, np.where(scores <= 8, 1, 2))

    def raw() -> None:
        np.bincount(months * 3 + band, minlength=(months.max() + 1) * 3).reshape(-1, 3)

    baseline = best_of(raw, args.repeats)
    cases = {
        "whole database": nps.Query(),
        "channel = Chat": nps.Query(where=(("channel", "Chat"),)),
        "touchpoint = Repair": nps.Query(where=(("touchpoint", "Repair"),)),
        "department = Sales": nps.Query(where=(("department", "Sales"),)),
        "region = North": nps.Query(where=(("region", "North"),)),
    }
    for label, query in cases.items():
        ours = best_of(lambda q=query: nps.trend(db, "month", q), args.repeats)
        report(f"monthly trend, {label}", ours, baseline, target="ratio ≤ 2")
    fallback = {
        "product = TV by region (SQL)": (nps.Query(where=(("product", "TV"),)), "region"),
        "ease = 5 (SQL)": (nps.Query(where=(("ease", "5"),)), None),
    }
    for label, (query, segment) in fallback.items():
        ours = best_of(lambda q=query, s=segment: nps.trend(db, "month", q, s), 1)
        report(f"monthly trend, {label}", ours, baseline, target="printed only")


if __name__ == "__main__":
    main()
