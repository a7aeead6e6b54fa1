"""Altair chart builders: data in, ``alt.Chart`` out. Tested as ``to_dict()`` specs.

Colours carry meaning only, and are colour-blind safe (blue / grey / orange after
ColorBrewer's PuOr and RdBu families): promoters and "up" in blue, detractors and "down" in
orange, passives in grey.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

PROMOTER = "#2166ac"
PASSIVE = "#b3b3b3"
DETRACTOR = "#e66101"
NEUTRAL = "#1b2430"
BAND = "#9ecae1"


def _fmt_table(table: pd.DataFrame) -> pd.DataFrame:
    out = table.copy()
    for column in ("nps", "ci_low", "ci_high", "change", "rolling_nps"):
        if column in out:
            out[column] = out[column].astype(float).round(1)
    if "p_value" in out:
        out["p_value"] = out["p_value"].astype(float).round(3)
    out["order"] = range(len(out))
    return out


def nps_trend_chart(table: pd.DataFrame, *, title: str = "NPS", height: int = 320) -> alt.Chart:
    """NPS per period: line, confidence band, rolling 3-period line, n and p in the tooltip,
    filled markers where the change from the previous period is significant, hollow grey
    markers for low-n periods. ``table`` is :func:`cxdata.nps.trend` (+ :func:`rolling`)."""
    data = _fmt_table(table)
    data["marker"] = "change not significant"
    data.loc[data["significant"].fillna(False).astype(bool), "marker"] = "significant change"
    data.loc[data["low_n"].astype(bool), "marker"] = "low n (< 30)"
    x = alt.X(
        "group:O",
        sort=alt.SortField("order"),
        title=None,
        axis=alt.Axis(labelAngle=-45 if len(data) > 12 else 0),
    )
    tooltip = [
        alt.Tooltip("group:N", title="Period"),
        alt.Tooltip("nps:Q", title="NPS", format="+.1f"),
        alt.Tooltip("ci_low:Q", title="CI low", format="+.1f"),
        alt.Tooltip("ci_high:Q", title="CI high", format="+.1f"),
        alt.Tooltip("n:Q", title="n", format=","),
        alt.Tooltip("change:Q", title="Change", format="+.1f"),
        alt.Tooltip("p_value:Q", title="p-value", format=".3f"),
    ]
    base = alt.Chart(data).encode(x=x)
    band = base.mark_area(opacity=0.35, color=BAND).encode(
        y=alt.Y("ci_low:Q", title="NPS", scale=alt.Scale(zero=False)), y2="ci_high:Q"
    )
    line = base.mark_line(color=NEUTRAL, strokeWidth=2).encode(y="nps:Q")
    points = base.mark_point(filled=True, size=70).encode(
        y="nps:Q",
        color=alt.Color(
            "marker:N",
            title=None,
            scale=alt.Scale(
                domain=["significant change", "change not significant", "low n (< 30)"],
                range=[PROMOTER, NEUTRAL, PASSIVE],
            ),
            legend=alt.Legend(orient="top"),
        ),
        shape=alt.Shape(
            "marker:N",
            scale=alt.Scale(
                domain=["significant change", "change not significant", "low n (< 30)"],
                range=["diamond", "circle", "triangle-down"],
            ),
            legend=None,
        ),
        size=alt.condition("datum.marker == 'significant change'", alt.value(160), alt.value(50)),
        tooltip=tooltip,
    )
    layers = [band, line]
    if "rolling_nps" in data and data["rolling_nps"].notna().any():
        layers.append(
            base.mark_line(strokeDash=[6, 4], color=PROMOTER, opacity=0.8).encode(
                y="rolling_nps:Q",
                tooltip=[
                    alt.Tooltip("group:N", title="Period"),
                    alt.Tooltip("rolling_nps:Q", title="3-period NPS", format="+.1f"),
                ],
            )
        )
    layers.append(points)
    return alt.layer(*layers).properties(title=title, height=height)


def composition_chart(table: pd.DataFrame, *, height: int = 260) -> alt.Chart:
    """Promoters / passives / detractors per period, stacked to 100 %."""
    data = _fmt_table(table)
    long = data.melt(
        id_vars=["group", "order", "n"],
        value_vars=["promoters", "passives", "detractors"],
        var_name="band",
        value_name="count",
    )
    long["share"] = (long["count"] / long["n"].where(long["n"] > 0)).round(4)
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("group:O", sort=alt.SortField("order"), title=None),
            y=alt.Y(
                "count:Q", stack="normalize", title="Share of responses", axis=alt.Axis(format="%")
            ),
            color=alt.Color(
                "band:N",
                title=None,
                scale=alt.Scale(
                    domain=["promoters", "passives", "detractors"],
                    range=[PROMOTER, PASSIVE, DETRACTOR],
                ),
                legend=alt.Legend(orient="top"),
            ),
            order=alt.Order("band:N", sort="descending"),
            tooltip=[
                alt.Tooltip("group:N", title="Period"),
                alt.Tooltip("band:N", title="Group"),
                alt.Tooltip("count:Q", title="Responses", format=","),
                alt.Tooltip("share:Q", title="Share", format=".1%"),
                alt.Tooltip("n:Q", title="n", format=","),
            ],
        )
        .properties(title="Promoters, passives and detractors", height=height)
    )


# --- drivers and correlation ---------------------------------------------------------------


def _rounded(frame: pd.DataFrame, digits: int = 3) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_float_dtype(out[column]):
            out[column] = out[column].round(digits)
    return out


def link_trend_chart(table: pd.DataFrame, *, height: int = 280) -> alt.Chart:
    """Pearson r per period with its Fisher interval: is the touchpoint-to-relationship link
    tightening? ``table`` is :func:`cxdata.correlation.link_trend`."""
    data = _rounded(table)
    base = alt.Chart(data).encode(x=alt.X("period:O", title=None))
    tooltip = [
        alt.Tooltip("period:N", title="Period"),
        alt.Tooltip("pearson_r:Q", title="Pearson r", format="+.2f"),
        alt.Tooltip("pearson_low:Q", title="r CI low", format="+.2f"),
        alt.Tooltip("pearson_high:Q", title="r CI high", format="+.2f"),
        alt.Tooltip("spearman_rho:Q", title="Spearman ρ", format="+.2f"),
        alt.Tooltip("customers:Q", title="Linked customers", format=","),
        alt.Tooltip("unlinked:Q", title="Unlinked responses", format=","),
    ]
    band = base.mark_area(opacity=0.35, color=BAND).encode(
        y=alt.Y("pearson_low:Q", title="Correlation r", scale=alt.Scale(domain=[-0.2, 1])),
        y2="pearson_high:Q",
    )
    line = base.mark_line(color=NEUTRAL, strokeWidth=2, point=True).encode(
        y="pearson_r:Q", tooltip=tooltip
    )
    return alt.layer(band, line).properties(
        title="Touchpoint vs relationship score: correlation per period", height=height
    )


def driver_weights_chart(table: pd.DataFrame, *, height: int | None = None) -> alt.Chart:
    """Relative weights (% of R²) with bootstrap intervals, largest first.
    ``table`` is :attr:`cxdata.drivers.DriverResult.table`."""
    data = _rounded(table[table["rescaled_pct"].notna()], 2)
    order = alt.Y("driver:N", sort=alt.SortField("rescaled_pct", order="descending"), title=None)
    tooltip = [
        alt.Tooltip("driver:N", title="Driver"),
        alt.Tooltip("rescaled_pct:Q", title="Share of R² (%)", format=".1f"),
        alt.Tooltip("rescaled_low:Q", title="95 % CI low", format=".1f"),
        alt.Tooltip("rescaled_high:Q", title="95 % CI high", format=".1f"),
        alt.Tooltip("spearman_rho:Q", title="Spearman ρ", format="+.2f"),
        alt.Tooltip("n:Q", title="n (with target)", format=","),
    ]
    bars = (
        alt.Chart(data)
        .mark_bar(color=PROMOTER, opacity=0.8)
        .encode(
            y=order,
            x=alt.X("rescaled_pct:Q", title="Share of explained variance (%)"),
            tooltip=tooltip,
        )
    )
    rules = (
        alt.Chart(data)
        .mark_rule(color=NEUTRAL)
        .encode(y=order, x="rescaled_low:Q", x2="rescaled_high:Q", tooltip=tooltip)
    )
    return alt.layer(bars, rules).properties(
        title="Driver importance (relative weights)", height=height or alt.Step(28)
    )


def correlation_chart(
    table: pd.DataFrame,
    *,
    title: str = "Correlation with the target (every row with both values)",
    height: int | None = None,
) -> alt.Chart:
    """Spearman ρ of each driver with the target and its interval; negative in orange.
    ``table`` has ``driver``, ``n``, ``spearman_rho``, ``spearman_low``, ``spearman_high``."""
    data = _rounded(table[table["spearman_rho"].notna()])
    data["direction"] = data["spearman_rho"].map(lambda r: "raises" if r >= 0 else "lowers")
    y = alt.Y("driver:N", sort=alt.SortField("abs_rho", order="descending"), title=None)
    data["abs_rho"] = data["spearman_rho"].abs()
    tooltip = [
        alt.Tooltip("driver:N", title="Driver"),
        alt.Tooltip("spearman_rho:Q", title="Spearman ρ", format="+.2f"),
        alt.Tooltip("spearman_low:Q", title="95 % CI low", format="+.2f"),
        alt.Tooltip("spearman_high:Q", title="95 % CI high", format="+.2f"),
        alt.Tooltip("n:Q", title="n (pairs)", format=","),
    ]
    colour = alt.Color(
        "direction:N",
        title=None,
        scale=alt.Scale(domain=["raises", "lowers"], range=[PROMOTER, DETRACTOR]),
        legend=alt.Legend(orient="top"),
    )
    rules = (
        alt.Chart(data)
        .mark_rule()
        .encode(y=y, x="spearman_low:Q", x2="spearman_high:Q", color=colour, tooltip=tooltip)
    )
    points = (
        alt.Chart(data)
        .mark_point(filled=True, size=80)
        .encode(
            y=y,
            x=alt.X(
                "spearman_rho:Q",
                title="Spearman ρ with the target",
                scale=alt.Scale(domain=[-1, 1]),
            ),
            color=colour,
            tooltip=tooltip,
        )
    )
    zero = alt.Chart(pd.DataFrame({"x": [0]})).mark_rule(color=PASSIVE).encode(x="x:Q")
    return alt.layer(zero, rules, points).properties(
        title=title,
        height=height or alt.Step(26),
    )


def importance_performance_chart(table: pd.DataFrame, *, height: int = 340) -> alt.Chart:
    """Importance (relative weight %) against performance (mean rating), split at the means:
    high importance and low performance is where to fix first."""
    data = _rounded(table[table["rescaled_pct"].notna() & table["mean"].notna()], 2)
    mean_x, mean_y = data["mean"].mean(), data["rescaled_pct"].mean()
    data["quadrant"] = [
        ("fix first" if imp >= mean_y else "watch")
        if perf < mean_x
        else ("keep up" if imp >= mean_y else "maintain")
        for perf, imp in zip(data["mean"], data["rescaled_pct"])
    ]
    tooltip = [
        alt.Tooltip("driver:N", title="Driver"),
        alt.Tooltip("mean:Q", title="Mean rating", format=".2f"),
        alt.Tooltip("rescaled_pct:Q", title="Importance (%)", format=".1f"),
        alt.Tooltip("quadrant:N", title="Quadrant"),
        alt.Tooltip("n:Q", title="n", format=","),
    ]
    x = alt.X("mean:Q", title="Performance (mean rating)", scale=alt.Scale(zero=False))
    y = alt.Y("rescaled_pct:Q", title="Importance (% of R²)")
    points = (
        alt.Chart(data)
        .mark_circle(size=120)
        .encode(
            x=x,
            y=y,
            color=alt.Color(
                "quadrant:N",
                title=None,
                scale=alt.Scale(
                    domain=["fix first", "keep up", "watch", "maintain"],
                    range=[DETRACTOR, PROMOTER, PASSIVE, NEUTRAL],
                ),
                legend=alt.Legend(orient="top"),
            ),
            tooltip=tooltip,
        )
    )
    labels = (
        alt.Chart(data).mark_text(align="left", dx=8, fontSize=12).encode(x=x, y=y, text="driver:N")
    )
    vline = (
        alt.Chart(pd.DataFrame({"x": [round(mean_x, 3)]}))
        .mark_rule(strokeDash=[4, 4], color=PASSIVE)
        .encode(x="x:Q")
    )
    hline = (
        alt.Chart(pd.DataFrame({"y": [round(mean_y, 3)]}))
        .mark_rule(strokeDash=[4, 4], color=PASSIVE)
        .encode(y="y:Q")
    )
    return alt.layer(vline, hline, points, labels).properties(
        title="Importance and performance", height=height
    )


def nps_by_group_chart(
    frame: pd.DataFrame, *, group: str = "bucket", title: str = "NPS", height: int = 260
) -> alt.Chart:
    """NPS per group (e.g. KPI bucket, theme) with its interval and n, in the frame's order."""
    data = _rounded(frame, 1)
    data["order"] = range(len(data))
    data = data[~data["hidden"].astype(bool)]
    x = alt.X(f"{group}:N", sort=alt.SortField("order"), title=None, axis=alt.Axis(labelAngle=0))
    tooltip = [
        alt.Tooltip(f"{group}:N", title="Group"),
        alt.Tooltip("nps:Q", title="NPS", format="+.1f"),
        alt.Tooltip("ci_low:Q", title="CI low", format="+.1f"),
        alt.Tooltip("ci_high:Q", title="CI high", format="+.1f"),
        alt.Tooltip("n:Q", title="n", format=","),
    ]
    bars = (
        alt.Chart(data)
        .mark_bar(opacity=0.85)
        .encode(
            x=x,
            y=alt.Y("nps:Q", title="NPS"),
            color=alt.condition("datum.nps >= 0", alt.value(PROMOTER), alt.value(DETRACTOR)),
            tooltip=tooltip,
        )
    )
    rules = (
        alt.Chart(data)
        .mark_rule(color=NEUTRAL)
        .encode(x=x, y="ci_low:Q", y2="ci_high:Q", tooltip=tooltip)
    )
    return alt.layer(bars, rules).properties(title=title, height=height)


def theme_share_chart(summary: pd.DataFrame) -> alt.Chart:
    """Share of commenting detractors vs promoters that mention each theme."""
    long = summary.melt(
        id_vars=["theme", "mentions"],
        value_vars=["share_detractors", "share_promoters"],
        var_name="group",
        value_name="share",
    )
    long["group"] = long["group"].map(
        {"share_detractors": "detractors", "share_promoters": "promoters"}
    )
    long["share"] = long["share"].astype(float).round(4)
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y("theme:N", title=None),
            yOffset="group:N",
            x=alt.X("share:Q", title="Share of comments mentioning it", axis=alt.Axis(format="%")),
            color=alt.Color(
                "group:N",
                title=None,
                scale=alt.Scale(domain=["detractors", "promoters"], range=[DETRACTOR, PROMOTER]),
                legend=alt.Legend(orient="top"),
            ),
            tooltip=[
                alt.Tooltip("theme:N", title="Theme"),
                alt.Tooltip("group:N", title="Among"),
                alt.Tooltip("share:Q", title="Share", format=".1%"),
                alt.Tooltip("mentions:Q", title="Comments mentioning it", format=","),
            ],
        )
        .properties(title="Who mentions each theme", height=alt.Step(14, **{"for": "offset"}))
    )
