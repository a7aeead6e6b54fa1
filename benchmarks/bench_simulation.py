"""Milestone simulation speed: 10,000 runs × 30 months of the sample portfolio.

Prints the time of ``cxdata.milestones.simulate`` and its ratio to a raw baseline run in the
same process: drawing the same random numbers with numpy alone (two binomials per run and
month, one triangular and one uniform per run and initiative). The ratio says how much the
simulation adds on top of the random draws it cannot avoid.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cxdata import milestones  # noqa: E402

RUNS, MONTHS, REPEATS = 10_000, 30, 5


def best_of(fn) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    root = Path(__file__).resolve().parents[1]
    portfolio, _ = milestones.read_initiatives(root / "sample_data" / "initiatives.csv")
    portfolio = portfolio[portfolio["scenario"] == "base"]
    goal = milestones.Goal(
        baseline=-14, lift=15, start_month="2024-11", horizon=MONTHS, n_per_month=400
    )
    k = len(portfolio)

    def raw() -> None:
        rng = np.random.default_rng(1)
        rng.triangular(0, 1, 2, (k, RUNS))
        rng.random((k, RUNS))
        p = rng.binomial(400, 0.3, (RUNS, MONTHS + 1))
        rng.binomial(400 - p, 0.5)

    def simulate() -> None:
        milestones.simulate(goal, portfolio, runs=RUNS, seed=1)

    baseline = best_of(raw)
    ours = best_of(simulate)
    print(f"simulate {RUNS:,} runs × {MONTHS} months, {k} initiatives: {ours:.3f} s")
    print(f"raw numpy draws (baseline):                          {baseline:.3f} s")
    print(f"ratio: {ours / baseline:.1f}× the raw draws")


if __name__ == "__main__":
    main()
