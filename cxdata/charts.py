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
