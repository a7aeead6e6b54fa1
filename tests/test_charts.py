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


def layer_of(spec: dict, mark: str, y: str) -> dict:
    """The layer drawing ``y`` with ``mark``."""
    (found,) = [
        layer
        for layer in spec["layer"]
        if layer["mark"]["type"] == mark and layer["encoding"]["y"]["field"] == y
    ]
    return found


def test_trend_chart_has_band_line_rolling_and_markers():
    spec = charts.nps_trend_chart(table()).to_dict()
    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    assert marks == ["area", "area", "line", "line", "point"]  # the second band: low n, pale
    assert spec["layer"][0]["encoding"]["y2"]["field"] == "band_high"
    assert layer_of(spec, "line", "rolling_nps")


def test_trend_tooltip_carries_n_interval_and_p_value():
    spec = charts.nps_trend_chart(table()).to_dict()
    fields = {t["field"] for t in layer_of(spec, "point", "nps")["encoding"]["tooltip"]}
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


def drivers_table():
    return pd.DataFrame(
        {
            "driver": ["ease", "wait", "fcr"],
            "n": [100, 100, 90],
            "spearman_rho": [0.7, -0.3, 0.4],
            "spearman_low": [0.6, -0.45, 0.2],
            "spearman_high": [0.8, -0.1, 0.55],
            "pearson_r": [0.7, -0.3, 0.4],
            "mean": [3.5, 5.0, 0.7],
            "scale_low": [1.0, 0.0, 0.0],
            "scale_high": [5.0, 10.0, 1.0],
            "performance": [62.5, 50.0, 70.0],
            "raw_weight": [0.3, 0.05, float("nan")],
            "rescaled_pct": [85.7, 14.3, float("nan")],
            "rescaled_low": [80.0, 10.0, float("nan")],
            "rescaled_high": [90.0, 20.0, float("nan")],
            "verdict": ["significant", "not distinguishable from noise", ""],
        }
    )


def test_driver_weights_chart_has_bars_and_interval_rules_for_weighted_drivers():
    spec = charts.driver_weights_chart(drivers_table()).to_dict()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["bar", "rule"]
    assert spec["layer"][1]["encoding"]["x2"]["field"] == "rescaled_high"
    rows = next(iter(spec["datasets"].values()))
    assert [r["driver"] for r in rows] == ["Ease", "Wait"]  # names as people read them
    assert [r["column"] for r in rows] == ["ease", "wait"]


def test_correlation_chart_colours_negative_drivers_and_keeps_n_in_the_tooltip():
    spec = charts.correlation_chart(drivers_table()).to_dict()
    points = spec["layer"][2]
    assert points["encoding"]["x"]["field"] == "spearman_rho"
    assert "n" in {t["field"] for t in points["encoding"]["tooltip"]}
    rows = [r for rows in spec["datasets"].values() for r in rows if "direction" in r]
    assert {r["column"]: r["direction"] for r in rows} == {
        "ease": "raises",
        "wait": "lowers",
        "fcr": "raises",
    }


def test_importance_performance_quadrants():
    # ease 3.5 on 1–5 is 62.5, wait 5.0 on 0–10 is 50: on one axis, ease performs better
    table = drivers_table().assign(rescaled_pct=[85.7, 14.3, 40.0], performance=[62.5, 50, 70])
    spec = charts.importance_performance_chart(table).to_dict()
    rows = [r for rows in spec["datasets"].values() for r in rows if "quadrant" in r]
    assert {r["column"]: r["quadrant"] for r in rows} == {
        "ease": "keep up",
        "wait": "watch",
        "fcr": "maintain",
    }


def test_importance_performance_puts_every_scale_on_0_to_100():
    spec = charts.importance_performance_chart(drivers_table()).to_dict()
    points = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "circle")
    assert points["encoding"]["x"]["field"] == "performance"
    assert points["encoding"]["x"]["scale"]["domain"] == [0, 100]
    assert {"mean", "scale_low", "scale_high"} <= {
        t["field"] for t in points["encoding"]["tooltip"]
    }


def test_driver_weights_chart_pales_a_driver_not_distinguishable_from_noise():
    spec = charts.driver_weights_chart(drivers_table()).to_dict()
    opacity = spec["layer"][0]["encoding"]["opacity"]
    assert "not distinguishable from noise" in opacity["condition"]["test"]
    assert opacity["condition"]["value"] < opacity["value"]


def test_link_trend_chart_band_is_the_fisher_interval():
    table = pd.DataFrame(
        {
            "period": ["2025Q1", "2025Q2"],
            "customers": [100, 120],
            "unlinked": [5, 7],
            "pearson_r": [0.2, 0.5],
            "pearson_low": [0.0, 0.35],
            "pearson_high": [0.38, 0.62],
            "spearman_rho": [0.2, 0.5],
        }
    )
    spec = charts.link_trend_chart(table).to_dict()
    band, line = spec["layer"]
    assert (band["encoding"]["y"]["field"], band["encoding"]["y2"]["field"]) == (
        "pearson_low",
        "pearson_high",
    )
    assert {"customers", "unlinked"} <= {t["field"] for t in line["encoding"]["tooltip"]}


def test_nps_by_group_chart_drops_hidden_groups():
    frame = nps.summarise(
        pd.DataFrame(
            {
                "bucket": ["no", "yes"],
                "detractors": [20, 1],
                "passives": [10, 1],
                "promoters": [10, 1],
            }
        ),
        ["bucket"],
        compare_with_previous=False,
    )
    spec = charts.nps_by_group_chart(frame).to_dict()
    rows = next(iter(spec["datasets"].values()))
    assert [r["bucket"] for r in rows] == ["no"]


def test_low_n_periods_keep_a_pale_clipped_band_and_do_not_set_the_scale():
    """The band goes on through a low-n period (a gap read as missing data), paler, from its
    neighbours to it, and the y scale is set by the other periods, so its wide interval does
    not flatten them."""
    spec = charts.nps_trend_chart(table()).to_dict()
    rows = next(iter(spec["datasets"].values()))
    assert rows[2]["low_n"] and rows[2]["band_high"] is None
    assert rows[2]["pale_high"] == rows[2]["ci_high"] and rows[1]["pale_high"] is not None
    assert rows[0]["pale_high"] is None and rows[0]["band_high"] == rows[0]["ci_high"]
    band, pale = spec["layer"][0], spec["layer"][1]
    assert band["mark"]["clip"] is pale["mark"]["clip"] is True
    assert pale["mark"]["opacity"] < band["mark"]["opacity"]
    assert pale["encoding"]["y"]["field"] == "pale_low"
    top = band["encoding"]["y"]["scale"]["domain"][1]
    sure = [r["ci_high"] for r in rows if not r["low_n"]]
    assert max(sure) < top < rows[2]["ci_high"]


def test_trend_chart_months_read_as_words_in_calendar_order():
    spec = charts.nps_trend_chart(table()).to_dict()
    rows = next(iter(spec["datasets"].values()))
    assert [r["group"] for r in rows] == ["Jan 2025", "Feb 2025", "Mar 2025"]
    assert spec["layer"][0]["encoding"]["x"]["sort"] == {"field": "order"}


def test_slide_png_is_sixteen_by_nine():
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(charts.slide_png(charts.nps_trend_chart(table()))))
    assert image.size == (1600, 900)


def test_milestone_path_is_drawn_when_the_table_has_one():
    with_path = table().assign(milestone=[-10.0, -9.0, -8.0])
    marks = [layer["mark"] for layer in charts.nps_trend_chart(with_path).to_dict()["layer"]]
    assert any(m.get("strokeDash") == [2, 3] for m in marks)


def _rows(spec):
    return [row for rows in spec["datasets"].values() for row in rows]


def test_composition_chart_hides_the_counts_and_shares_of_a_hidden_period():
    counts = pd.DataFrame(
        {
            "group": ["2025-01", "2025-02"],
            "detractors": [40, 1],
            "passives": [30, 1],
            "promoters": [30, 2],
        }
    )
    spec = charts.composition_chart(nps.summarise(counts, ["group"])).to_dict()
    hidden = [r for r in _rows(spec) if r["group"] == "Feb 2025"]
    assert hidden and all(r["n"] == 4 for r in hidden)  # n stays
    assert all(r["count"] is None and r["share"] is None for r in hidden)
    shown = {r["band"]: r["count"] for r in _rows(spec) if r["group"] == "Jan 2025"}
    assert shown == {"promoters": 30, "passives": 30, "detractors": 40}


def test_trend_chart_data_carries_no_counts_of_a_hidden_period():
    counts = pd.DataFrame(
        {"group": ["2025-01"], "detractors": [1], "passives": [1], "promoters": [2]}
    )
    rows = _rows(charts.nps_trend_chart(nps.summarise(counts, ["group"])).to_dict())
    assert rows[0]["n"] == 4
    assert [rows[0][c] for c in ("detractors", "passives", "promoters")] == [None] * 3


def test_rolling_tooltip_says_how_many_periods_of_the_window_had_data():
    counts = pd.DataFrame(
        {
            "group": ["2025-01", "2025-02", "2025-04"],
            "detractors": [40, 40, 40],
            "passives": [30, 30, 30],
            "promoters": [30, 30, 30],
        }
    )
    spec = charts.nps_trend_chart(nps.rolling(nps.summarise(counts, ["group"]))).to_dict()
    rolling_layer = layer_of(spec, "line", "rolling_nps")
    fields = [t["field"] for t in rolling_layer["encoding"]["tooltip"]]
    assert "rolling_coverage" in fields and "rolling_n" in fields
    coverage = [r["rolling_coverage"] for r in _rows(spec)]
    assert coverage == [
        "1 of 3 months had data",
        "2 of 3 months had data",
        "2 of 3 months had data",
    ]


def test_radar_labels_domains_by_name_not_code():
    from cxdata.maturity import instrument

    domains = instrument()
    profile = pd.DataFrame([{"series": "Sales", "domain": code, "score": 2.0} for code in domains])
    rows = [r for rows in charts.radar_chart(profile).to_dict()["datasets"].values() for r in rows]
    labels = {r["domain"] for r in rows if "align" in r}
    assert labels == {d.name for d in domains.values()}


def test_heatmap_never_cuts_department_names_or_the_stage_legend():
    results = pd.DataFrame(
        {
            "unit": ["Fulfillment & Warehouse"],
            "domain_name": ["Strategy & vision"],
            "score": [2.0],
            "stage": [3],
            "insufficient": [False],
            "raters_disagree": [False],
        }
    )
    cells = charts.maturity_heatmap(results).to_dict()["layer"][0]["encoding"]
    assert cells["y"]["axis"]["labelLimit"] >= 300
    assert cells["color"]["legend"]["labelLimit"] == 0
