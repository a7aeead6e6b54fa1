"""The statistics the analytics modules take from the standard library and numpy instead of
``scipy.stats`` (which costs 0.7–2 s to import on every command) agree with scipy's."""

import subprocess
import sys

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from cxdata import correlation, nps

probabilities = st.floats(min_value=1e-12, max_value=1 - 1e-12)


@given(probabilities)
def test_normal_quantile_is_scipys(p):
    assert np.isclose(nps.normal_quantile(p), stats.norm.ppf(p), rtol=1e-9, atol=1e-9)


@given(st.floats(min_value=-38, max_value=38))
def test_two_sided_p_is_scipys_even_in_the_far_tail(z):
    assert np.isclose(nps.two_sided_p(z), 2 * stats.norm.sf(abs(z)), rtol=1e-9, atol=1e-300)


def test_two_sided_p_keeps_shape_and_nan():
    out = nps.two_sided_p(np.array([0.0, np.nan, 1.959963984540054]))
    assert out.shape == (3,) and out[0] == 1.0 and np.isnan(out[1])
    assert round(out[2], 6) == 0.05


@settings(max_examples=200)
@given(st.lists(st.floats(min_value=0, max_value=1), min_size=1, max_size=40))
def test_q_values_are_scipys_benjamini_hochberg(p):
    expected = stats.false_discovery_control(np.array(p), method="bh")
    assert np.allclose(nps.q_values(p), expected, rtol=1e-12, atol=0)


@settings(max_examples=200)
@given(
    st.lists(
        st.tuples(st.integers(0, 10), st.floats(-1e3, 1e3, allow_subnormal=False)),
        min_size=3,
        max_size=60,
    )
)
def test_spearman_rho_is_scipys_with_ties(pairs):
    x = np.array([a for a, _ in pairs], dtype=float)
    y = np.array([b for _, b in pairs], dtype=float)
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return
    expected = stats.spearmanr(x, y).statistic
    assert np.isclose(correlation.spearman_rho(x, y), expected, rtol=1e-9, atol=1e-12)


def test_the_commands_start_without_scipy_stats():
    code = (
        "import sys, cxdata.cli, cxdata.brief, cxdata.drivers, cxdata.correlation, "
        "cxdata.milestones, cxdata.outcomes, cxdata.forecast; "
        "print(any(m == 'scipy.stats' for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
