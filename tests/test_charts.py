"""Charts as Vega-Lite specs: marks, encodings and the fields they use."""

import pandas as pd

from cxdata import charts, nps


def table():
    counts = pd.DataFrame(
        {
            "group": ["2025-01", "2025-02", "2025-03"],
            "detractors": [40, 20, 2],
            "passives": [30, 30, 3],
            "promoters": [30, 50, 5],
        }
    )
    return nps.rolling(nps.summarise(counts, ["group"]))


def test_trend_chart_has_band_line_rolling_and_markers():
    spec = charts.nps_trend_chart(table()).to_dict()
    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    assert marks == ["area", "line", "line", "point"]
    assert spec["layer"][0]["encoding"]["y2"]["field"] == "ci_high"
    assert spec["layer"][2]["encoding"]["y"]["field"] == "rolling_nps"


def test_trend_tooltip_carries_n_interval_and_p_value():
    spec = charts.nps_trend_chart(table()).to_dict()
    fields = {t["field"] for t in spec["layer"][3]["encoding"]["tooltip"]}
    assert {"n", "ci_low", "ci_high", "p_value", "change", "nps"} <= fields


def test_significant_and_low_n_periods_get_their_own_marker():
    data = charts.nps_trend_chart(table()).to_dict()["datasets"]
    markers = [row["marker"] for rows in data.values() for row in rows]
    assert markers == ["change not significant", "significant change", "low n (< 30)"]


def test_composition_chart_is_stacked_to_100_percent():
    spec = charts.composition_chart(table()).to_dict()
    assert spec["mark"]["type"] == "bar"
    assert spec["encoding"]["y"]["stack"] == "normalize"
    assert spec["encoding"]["color"]["scale"]["domain"] == ["promoters", "passives", "detractors"]
