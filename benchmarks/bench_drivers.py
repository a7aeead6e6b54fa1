"""Relative weights with 200 bootstrap resamples on 100,000 rows × 14 drivers (rows scale
with ``--rows``: a tenth of them). Target: ≤ 2 s (absolute). Baseline for the ratio: one
least-squares fit of the same data with numpy (what a plain regression costs).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from common import arguments, best_of, report


def main() -> None:
    args = arguments(__doc__)
    from cxdata import drivers

    rows = max(args.rows // 10, 1000)
    rng = np.random.default_rng(3)
    x = rng.normal(size=(rows, 14)) + rng.normal(size=(rows, 1))  # correlated drivers
    y = x @ np.linspace(1, 0.1, 14) + rng.normal(scale=3, size=rows)
    frame = pd.DataFrame(x, columns=[f"d{i}" for i in range(14)]).assign(target=y)
    columns = [f"d{i}" for i in range(14)]

    def raw() -> None:
        design = np.column_stack([np.ones(rows), x])
        np.linalg.lstsq(design, y, rcond=None)

    baseline = best_of(raw, args.repeats)
    ours = best_of(
        lambda: drivers.driver_table(
            frame, "target", columns, bootstrap=200, rng=np.random.default_rng(1)
        ),
        1,
    )
    report(f"relative weights + 200 bootstraps, {rows:,} × 14", ours, baseline, target="≤ 2 s")


if __name__ == "__main__":
    main()
