"""Milestone Monte Carlo: 10,000 runs × 30 months of the sample portfolio, against one
``Generator.multinomial`` call of the same size (runs × months draws of 400 responses) in the
same process. Target: ratio ≤ 2. (``--rows`` is accepted for symmetry and ignored.)
"""

from __future__ import annotations

import numpy as np
from common import ROOT, arguments, best_of, report

RUNS, MONTHS = 10_000, 30


def main() -> None:
    args = arguments(__doc__)
    from cxdata import milestones

    portfolio, _ = milestones.read_initiatives(ROOT / "sample_data" / "initiatives.csv")
    portfolio = portfolio[portfolio["scenario"] == "base"]
    goal = milestones.Goal(
        baseline=-14, lift=15, start_month="2024-11", horizon=MONTHS, n_per_month=400
    )

    def raw() -> None:
        rng = np.random.default_rng(1)
        rng.multinomial(400, [0.28, 0.30, 0.42], size=(RUNS, MONTHS + 1))

    baseline = best_of(raw, args.repeats)
    ours = best_of(
        lambda: milestones.simulate(goal, portfolio, np.random.default_rng(1), runs=RUNS),
        args.repeats,
    )
    report(
        f"simulate {RUNS:,} runs × {MONTHS} months ({len(portfolio)} fixes)",
        ours,
        baseline,
        target="ratio ≤ 2",
    )


if __name__ == "__main__":
    main()
