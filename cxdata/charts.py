"""Altair chart builders: data in, ``alt.Chart`` out. Tested as ``to_dict()`` specs.

Colours carry meaning only, and are colour-blind safe (blue / grey / orange after
ColorBrewer's PuOr and RdBu families): promoters and "up" in blue, detractors and "down" in
orange, passives in grey.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from cxdata.formatting import period_label
from cxdata.nps import LOW_N, without_hidden_counts
from cxdata.wording import driver_label

# What the builders return: a single, layered or faceted chart (all have .to_dict(),
# .properties() and render the same way).
Chart = alt.TopLevelMixin

PROMOTER = "#2166ac"
PASSIVE = "#b3b3b3"
DETRACTOR = "#e66101"
NEUTRAL = "#1b2430"
BAND = "#9ecae1"


def _fmt_table(table: pd.DataFrame) -> pd.DataFrame:
    # A chart's data is in its spec (and its CSV download): hidden rows lose their counts.
    out = without_hidden_counts(table)
    for column in ("nps", "ci_low", "ci_high", "change", "rolling_nps", "milestone"):
        if column in out:
            out[column] = out[column].astype(float).round(1)
    if "p_value" in out:
        out["p_value"] = out["p_value"].astype(float).round(3)
    out["order"] = range(len(out))
    if "group" in out:
        out["group"] = out["group"].map(period_label)
    return out


def _readable_periods(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """A chart's copy of ``frame`` whose ``column`` reads "Oct 2025" / "Q3 2026", with an
    ``order`` column keeping the periods' own order on the axis."""
    out = frame.copy()
    out[column] = out[column].map(period_label)
    if "order" not in out:
        out["order"] = range(len(out))
    return out


def _readable_drivers(frame: pd.DataFrame) -> pd.DataFrame:
    """Driver names as people read them ("First contact resolution"), the stored name kept in
    ``column`` for the tooltip."""
    out = frame.copy()
    out["column"] = out["driver"]
    out["driver"] = out["driver"].map(driver_label)
    return out


# Axis labels of names (drivers, departments, themes) are never cut short on a laptop screen.
NAME_AXIS = alt.Axis(labelLimit=360, labelOverlap=False)


def slide(chart: Chart, width: int = 800, height: int = 450) -> Chart:
    """The chart laid out for a slide: ``width`` × ``height`` CSS pixels in all (16:9 by
    default; axes, legend and title inside), for a PNG export at scale 2 of 1600 × 900."""
    return chart.properties(
        width=width, height=height, autosize=alt.AutoSizeParams(type="fit", contains="padding")
    )


def slide_png(chart: Chart, width: int = 800, height: int = 450) -> bytes:
    """:func:`slide` rendered offline to PNG (scale 2: 1600 × 900 by default)."""
    import vl_convert

    return vl_convert.vegalite_to_png(slide(chart, width, height).to_json(), scale=2)


def nps_trend_chart(
    table: pd.DataFrame,
    *,
    title: str = "NPS",
    height: int = 320,
    low_n: int = LOW_N,
    annotations: pd.DataFrame | None = None,
) -> Chart:
    """NPS per period: line, confidence band, rolling 3-period line, n and p in the tooltip,
    filled markers where the change from the previous period is significant, hollow grey
    markers for low-n periods (flagged by :func:`cxdata.nps.trend` below ``low_n``, which
    only names them in the legend). ``table`` is :func:`cxdata.nps.trend` (+ ``rolling``).
    ``annotations`` (``month``, ``label``, ``kind``: :func:`cxdata.effects.annotations`) adds
    a dashed rule and a short label at each of its months that is a period on the axis."""
    low_label = f"low n (< {low_n})"
    data = _fmt_table(table)
    data["marker"] = "change not significant"
    data.loc[data["significant"].fillna(False).astype(bool), "marker"] = "significant change"
    data.loc[data["low_n"].astype(bool), "marker"] = low_label
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
    # A low-n period's interval is so wide it would flatten every other period: the scale is
    # set by the others, and its band is drawn paler (from its neighbours to it) and clipped
    # there. The band does not stop, which would read as missing data; the tooltip gives the
    # whole interval.
    low = data["low_n"].astype(bool)
    near_low = low | low.shift(1, fill_value=False) | low.shift(-1, fill_value=False)
    data["band_low"] = data["ci_low"].where(~low)
    data["band_high"] = data["ci_high"].where(~low)
    data["pale_low"] = data["ci_low"].where(near_low)
    data["pale_high"] = data["ci_high"].where(near_low)
    scale = alt.Scale(zero=False)
    sure = data[~low]
    if not sure.empty and sure["ci_low"].notna().any():
        values = pd.concat([sure["ci_low"], sure["ci_high"], data["nps"]]).dropna()
        if "milestone" in data:
            values = pd.concat([values, data["milestone"].dropna()])
        scale = alt.Scale(domain=[float(values.min()) - 3, float(values.max()) + 3], nice=True)
    base = alt.Chart(data).encode(x=x)
    band = base.mark_area(opacity=0.35, color=BAND, clip=True).encode(
        y=alt.Y("band_low:Q", title="NPS", scale=scale), y2="band_high:Q"
    )
    pale = base.mark_area(opacity=0.13, color=BAND, clip=True).encode(
        y="pale_low:Q", y2="pale_high:Q"
    )
    line = base.mark_line(color=NEUTRAL, strokeWidth=2).encode(y="nps:Q")
    points = base.mark_point(filled=True, size=70, clip=True).encode(
        y="nps:Q",
        color=alt.Color(
            "marker:N",
            title=None,
            scale=alt.Scale(
                domain=["significant change", "change not significant", low_label],
                range=[PROMOTER, NEUTRAL, PASSIVE],
            ),
            legend=alt.Legend(orient="top", labelLimit=220),
        ),
        shape=alt.Shape(
            "marker:N",
            scale=alt.Scale(
                domain=["significant change", "change not significant", low_label],
                range=["diamond", "circle", "triangle-down"],
            ),
            legend=None,
        ),
        size=alt.condition("datum.marker == 'significant change'", alt.value(160), alt.value(50)),
        tooltip=tooltip,
    )
    layers = [band, line] if not low.any() else [band, pale, line]
    if "rolling_nps" in data and data["rolling_nps"].notna().any():
        layers.append(
            base.mark_line(strokeDash=[6, 4], color=PROMOTER, opacity=0.8).encode(
                y="rolling_nps:Q",
                tooltip=_rolling_tooltip(data),
            )
        )
    if "milestone" in data and data["milestone"].notna().any():
        layers.append(
            base.mark_line(strokeDash=[2, 3], color=DETRACTOR, strokeWidth=2).encode(
                y="milestone:Q",
                tooltip=[
                    alt.Tooltip("group:N", title="Month"),
                    alt.Tooltip("milestone:Q", title="Milestone", format="+.1f"),
                ],
            )
        )
    layers.append(points)
    marks = _annotation_data(data, annotations)
    if not marks.empty:
        rule_x = alt.X("group:O", sort=alt.SortField("order"))
        where = [alt.Tooltip("group:N", title="Month"), alt.Tooltip("text:N", title="Marked")]
        layers.append(
            alt.Chart(marks)
            .mark_rule(strokeDash=[4, 4], color=NEUTRAL, opacity=0.7)
            .encode(x=rule_x, tooltip=where)
        )
        # Marks in neighbouring months would write over each other: staggered lines.
        for level, rows in marks.groupby("level"):
            layers.append(
                alt.Chart(rows)
                .mark_text(
                    align="left",
                    baseline="top",
                    dx=4,
                    dy=4 + 14 * level,
                    fontSize=11,
                    color=NEUTRAL,
                )  # fmt: skip
                .encode(x=rule_x, y=alt.value(0), text="label:N", tooltip=where)
            )
    return alt.layer(*layers).properties(title=title, height=height)


def _annotation_data(data: pd.DataFrame, annotations: pd.DataFrame | None) -> pd.DataFrame:
    """One row per annotated period on the axis: its ``group`` label ("Oct 2025"), its
    ``order``, the short ``label`` drawn (the first mark, "+1 more" when there are several)
    and the whole ``text`` for the tooltip."""
    if annotations is None or annotations.empty or data.empty:
        return pd.DataFrame(columns=["group", "order", "label", "text", "level"])
    order = dict(zip(data["group"], data["order"]))
    rows = []
    marks = annotations.assign(group=annotations["month"].map(period_label))
    for group, marked in marks.groupby("group", sort=False):
        if group not in order:
            continue
        labels = [str(x) for x in marked["label"]]
        more = f" +{len(labels) - 1} more" if len(labels) > 1 else ""
        rows.append(
            {
                "group": group,
                "order": order[group],
                "label": labels[0] + more,
                "text": "; ".join(labels),
            }
        )
    out = pd.DataFrame(rows, columns=["group", "order", "label", "text"])
    out["level"] = _label_levels(out["order"].tolist())
    return out


def _label_levels(orders: list[int], gap: int = 6, levels: int = 4) -> list[int]:
    """A text line for each label at these axis positions: the first line whose last label is
    at least ``gap`` periods back (a short label's width on a two-year monthly axis), else the
    line used longest ago.

    >>> _label_levels([0, 3, 5, 6, 12])
    [0, 1, 2, 0, 0]
    """
    last: list[int | None] = [None] * levels
    out = []
    for order in orders:
        free = [i for i, x in enumerate(last) if x is None or order - x >= gap]
        level = free[0] if free else min(range(levels), key=lambda i: last[i] or 0)
        last[level] = order
        out.append(level)
    return out


def _rolling_tooltip(data: pd.DataFrame) -> list:
    """Period, the rolling value, its pooled n and how many periods of its window had data
    (:func:`cxdata.nps.rolling`: "2 of 3 months had data")."""
    window = int(data["rolling_periods"].iloc[0]) if "rolling_periods" in data else 3
    tooltip = [
        alt.Tooltip("group:N", title="Period"),
        alt.Tooltip("rolling_nps:Q", title=f"Rolling {window}-period NPS", format="+.1f"),
    ]
    if "rolling_n" in data:
        tooltip.append(alt.Tooltip("rolling_n:Q", title="Pooled n", format=","))
    if "rolling_coverage" in data:
        tooltip.append(alt.Tooltip("rolling_coverage:N", title="Window"))
    return tooltip


def composition_chart(table: pd.DataFrame, *, height: int = 260) -> Chart:
    """Promoters / passives / detractors per period, stacked to 100 %.

    A hidden period (``hidden``: n below :data:`cxdata.nps.HIDE_N`) keeps its n but shows no
    counts or shares, from which its hidden NPS could be worked out: it has no bar."""
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


def link_trend_chart(table: pd.DataFrame, *, height: int = 280) -> Chart:
    """Pearson r per period with its Fisher interval: is the touchpoint-to-relationship link
    tightening? ``table`` is :func:`cxdata.correlation.link_trend`."""
    data = _readable_periods(_rounded(table), "period")
    angle = 0 if len(data) <= 12 else -45  # "Q4 2024" reads level when there is room
    base = alt.Chart(data).encode(
        x=alt.X(
            "period:O", title=None, sort=alt.SortField("order"), axis=alt.Axis(labelAngle=angle)
        )
    )
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


def driver_weights_chart(table: pd.DataFrame, *, height: int | None = None) -> Chart:
    """Relative weights (% of R²) with bootstrap intervals, largest first; a driver not
    distinguishable from a random column is drawn pale (``verdict``).
    ``table`` is :attr:`cxdata.drivers.DriverResult.table`."""
    data = _readable_drivers(_rounded(table[table["rescaled_pct"].notna()], 2))
    if "verdict" not in data:
        data["verdict"] = ""
    data["verdict"] = data["verdict"].fillna("")
    order = alt.Y(
        "driver:N",
        sort=alt.SortField("rescaled_pct", order="descending"),
        title=None,
        axis=NAME_AXIS,
    )
    tooltip = [
        alt.Tooltip("driver:N", title="Driver"),
        alt.Tooltip("rescaled_pct:Q", title="Share of R² (%)", format=".1f"),
        alt.Tooltip("rescaled_low:Q", title="95 % CI low", format=".1f"),
        alt.Tooltip("rescaled_high:Q", title="95 % CI high", format=".1f"),
        alt.Tooltip("verdict:N", title="Against a random column"),
        alt.Tooltip("spearman_rho:Q", title="Spearman ρ", format="+.2f"),
        alt.Tooltip("n:Q", title="n (with target)", format=","),
    ]
    bars = (
        alt.Chart(data)
        .mark_bar(color=PROMOTER)
        .encode(
            y=order,
            x=alt.X("rescaled_pct:Q", title="Share of explained variance (%)"),
            opacity=alt.condition(
                "datum.verdict == 'not distinguishable from noise'", alt.value(0.3), alt.value(0.85)
            ),
            tooltip=tooltip,
        )
    )
    rules = (
        alt.Chart(data)
        .mark_rule(color=NEUTRAL)
        .encode(y=order, x="rescaled_low:Q", x2="rescaled_high:Q", tooltip=tooltip)
    )
    return alt.layer(bars, rules).properties(
        title="Driver importance (relative weights)", height=height or alt.Step(30)
    )


def correlation_chart(
    table: pd.DataFrame,
    *,
    title: str = "Correlation with the target (every row with both values)",
    height: int | None = None,
) -> Chart:
    """Spearman ρ of each driver with the target and its interval; negative in orange.
    ``table`` has ``driver``, ``n``, ``spearman_rho``, ``spearman_low``, ``spearman_high``."""
    data = _readable_drivers(_rounded(table[table["spearman_rho"].notna()]))
    data["direction"] = data["spearman_rho"].map(lambda r: "raises" if r >= 0 else "lowers")
    y = alt.Y(
        "driver:N", sort=alt.SortField("abs_rho", order="descending"), title=None, axis=NAME_AXIS
    )
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
                title="Correlation with the target (−1 to +1)",
                scale=alt.Scale(domain=[-1, 1]),
            ),
            color=colour,
            tooltip=tooltip,
        )
    )
    zero = alt.Chart(pd.DataFrame({"x": [0]})).mark_rule(color=PASSIVE).encode(x="x:Q")
    return alt.layer(zero, rules, points).properties(
        title=title,
        height=height or alt.Step(30),
    )


def importance_performance_chart(table: pd.DataFrame, *, height: int = 340) -> Chart:
    """Importance (relative weight %) against performance, split at the means: high
    importance and low performance is where to fix first.

    Performance is the driver's mean placed on its own scale, 0 at the bottom and 100 at the
    top (``performance``, with ``scale_low``/``scale_high``, from
    :func:`cxdata.drivers.rating_scale`), so a 1–5 rating and a 0–10 one share the axis."""
    data = _readable_drivers(
        _rounded(table[table["rescaled_pct"].notna() & table["performance"].notna()], 2)
    )
    mean_x, mean_y = data["performance"].mean(), data["rescaled_pct"].mean()
    data["quadrant"] = [
        ("fix first" if imp >= mean_y else "watch")
        if perf < mean_x
        else ("keep up" if imp >= mean_y else "maintain")
        for perf, imp in zip(data["performance"], data["rescaled_pct"])
    ]
    tooltip = [
        alt.Tooltip("driver:N", title="Driver"),
        alt.Tooltip("mean:Q", title="Mean", format=".2f"),
        alt.Tooltip("scale_low:Q", title="Scale from", format="g"),
        alt.Tooltip("scale_high:Q", title="Scale to", format="g"),
        alt.Tooltip("performance:Q", title="Performance (0–100)", format=".0f"),
        alt.Tooltip("rescaled_pct:Q", title="Importance (%)", format=".1f"),
        alt.Tooltip("quadrant:N", title="Quadrant"),
        alt.Tooltip("n:Q", title="n", format=","),
    ]
    x = alt.X(
        "performance:Q",
        title="Performance (mean on its scale, 0–100)",
        scale=alt.Scale(domain=[0, 100]),
    )
    y = alt.Y("rescaled_pct:Q", title="Importance (share of what the drivers explain, %)")
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
) -> Chart:
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


def theme_share_chart(summary: pd.DataFrame) -> Chart:
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


# --- maturity ------------------------------------------------------------------------------

STAGE_COLOURS = ["#d73027", "#fc8d59", "#fee090", "#91bfdb", "#4575b4"]  # RdYlBu, 5 classes


def maturity_heatmap(results: pd.DataFrame, *, order: list[str] | None = None) -> Chart:
    """Departments × domains, each cell coloured by stage and labelled with its 0–4 score.
    ``results`` is :func:`cxdata.maturity.results_frame` for one date (departments only, plus
    the organisation and overall rows if wanted)."""
    data = results.copy()
    data["label"] = [
        "insufficient" if insufficient else ("–" if pd.isna(s) else f"{s:.2f}")
        for s, insufficient in zip(data["score"], data["insufficient"])
    ]
    data["flag"] = data["raters_disagree"].map({True: "raters disagree", False: ""})
    columns = [*dict.fromkeys(data["domain_name"])]
    y = alt.Y(
        "unit:N",
        title=None,
        sort=order or list(dict.fromkeys(data["unit"])),
        axis=alt.Axis(labelLimit=360),
    )
    x = alt.X(
        "domain_name:N",
        title=None,
        sort=columns,
        axis=alt.Axis(orient="top", labelAngle=0, labelLimit=0, labelOverlap=False),
    )
    tooltip = [
        alt.Tooltip("unit:N", title="Department"),
        alt.Tooltip("domain_name:N", title="Domain"),
        alt.Tooltip("score:Q", title="Score (0–4)", format=".2f"),
        alt.Tooltip("stage:O", title="Stage"),
        alt.Tooltip("flag:N", title="Note"),
    ]
    cells = (
        alt.Chart(data)
        .mark_rect(stroke="white", strokeWidth=2)
        .encode(
            x=x,
            y=y,
            color=alt.Color(
                "stage:O",
                title="Stage",
                scale=alt.Scale(domain=[1, 2, 3, 4, 5], range=STAGE_COLOURS),
                legend=alt.Legend(
                    orient="bottom", direction="horizontal", labelExpr=_STAGE_LABELS, labelLimit=0
                ),
            ),
            tooltip=tooltip,
        )
    )
    text = (
        alt.Chart(data)
        .mark_text(fontSize=13)
        .encode(
            x=x,
            y=y,
            text="label:N",
            tooltip=tooltip,
            color=alt.condition(
                "datum.stage == 1 || datum.stage == 5", alt.value("white"), alt.value(NEUTRAL)
            ),
        )
    )
    flags = (
        alt.Chart(data[data["raters_disagree"]])
        .mark_text(text="◆", dx=24, dy=-8, fontSize=10, color=NEUTRAL)
        .encode(x=x, y=y, tooltip=tooltip)
    )
    return alt.layer(cells, text, flags).properties(
        title="Maturity by department and domain (0–4)", height=alt.Step(34), width=640
    )


_STAGE_LABELS = (
    "{'1': '1 Ad hoc', '2': '2 Emerging', '3': '3 Defined', '4': '4 Managed', "
    "'5': '5 Embedded'}[datum.label]"
)


def radar_chart(profiles: pd.DataFrame, *, size: int = 340) -> Chart:
    """A radar (spider) chart of 0–4 domain scores: one closed outline per series.
    ``profiles`` has ``series``, ``domain``, ``score``; domains keep their order. A domain
    given by its instrument code (``STR``) is labelled with its name ("Strategy & vision"),
    as the heatmap is; the labels sit outside the outer ring, aligned away from the centre."""
    import numpy as np

    from cxdata.maturity import instrument

    names = {code: d.name for code, d in instrument().items()}
    profiles = profiles.assign(domain=profiles["domain"].map(lambda d: names.get(d, d)))
    domains = list(dict.fromkeys(profiles["domain"]))
    angle = {d: 2 * np.pi * i / len(domains) for i, d in enumerate(domains)}

    def xy(frame, radius_col):
        theta = frame["domain"].map(angle)
        return frame.assign(
            x=(frame[radius_col] * np.sin(theta)).round(4),
            y=(frame[radius_col] * np.cos(theta)).round(4),
        )

    outline = xy(profiles.dropna(subset=["score"]), "score")
    outline["order"] = outline["domain"].map(lambda d: domains.index(d))
    closing = outline.sort_values("order").groupby("series").head(1).assign(order=len(domains))
    outline = pd.concat([outline, closing], ignore_index=True)
    rings = pd.DataFrame(
        [(r, d, i) for r in (1, 2, 3, 4) for i, d in enumerate([*domains, domains[0]])],
        columns=["ring", "domain", "order"],
    ).assign(radius=lambda f: f["ring"])
    rings = xy(rings, "radius")
    labels = xy(pd.DataFrame({"domain": domains, "radius": 4.45}), "radius")
    labels["label"] = labels["domain"].map(_wrapped)
    labels["align"] = [
        "center" if abs(x) < 0.5 else ("left" if x > 0 else "right") for x in labels["x"]
    ]
    # The plot is wider than tall: the domain names sit inside it, left and right of the rings,
    # so a narrow column shrinks the whole chart instead of squeezing the rings to a sliver.
    scale = alt.Scale(domain=[-4.9, 4.9])
    wide = alt.Scale(domain=[-4.9 * RADAR_ASPECT, 4.9 * RADAR_ASPECT])
    none = alt.Axis(labels=False, ticks=False, grid=False, domain=False, title=None)
    grid = (
        alt.Chart(rings)
        .mark_line(color="#dddddd", strokeWidth=1)
        .encode(
            x=alt.X("x:Q", scale=wide, axis=none),
            y=alt.Y("y:Q", scale=scale, axis=none),
            detail="ring:N",
            order="order:Q",
        )
    )
    text = [
        alt.Chart(labels[labels["align"] == side])
        .mark_text(
            fontSize=12,
            color=NEUTRAL,
            align=side,
            dx={"left": 4, "right": -4}.get(side, 0),
            lineBreak="\n",
        )
        .encode(x=alt.X("x:Q", scale=wide), y=alt.Y("y:Q", scale=scale), text="label:N")
        for side in ("left", "center", "right")
        if (labels["align"] == side).any()
    ]
    series = list(dict.fromkeys(profiles["series"]))
    lines = (
        alt.Chart(outline)
        .mark_line(strokeWidth=2.5, point=True)
        .encode(
            x=alt.X("x:Q", scale=wide),
            y=alt.Y("y:Q", scale=scale),
            order="order:Q",
            color=alt.Color(
                "series:N",
                title=None,
                scale=alt.Scale(domain=series, range=[PROMOTER, PASSIVE, DETRACTOR][: len(series)]),
                legend=alt.Legend(orient="top"),
            ),
            tooltip=[
                alt.Tooltip("series:N", title="Who"),
                alt.Tooltip("domain:N", title="Domain"),
                alt.Tooltip("score:Q", title="Score (0–4)", format=".2f"),
            ],
        )
    )
    return (
        alt.layer(grid, *text, lines)
        .properties(width=round(size * RADAR_ASPECT), height=size)
        .configure_view(stroke=None)
    )


RADAR_ASPECT = 1.6  # the radar's width over its height: room for the names beside the rings


def _wrapped(name: str, width: int = 14) -> str:
    """A domain name on lines of about ``width`` characters (``Voice of the\ncustomer``)."""
    import textwrap

    return "\n".join(textwrap.wrap(name, width)) or name


def maturity_history_chart(results: pd.DataFrame, *, height: int = 300) -> Chart:
    """Overall (thick, dark) and domain scores across assessment dates, for one unit."""
    data = results.dropna(subset=["score"]).copy()
    data["order"] = data["assessed_at"].astype(str)
    data["assessed_at"] = data["assessed_at"].map(period_label)
    x = alt.X("assessed_at:O", title=None, sort=alt.SortField("order"), axis=alt.Axis(labelAngle=0))
    y = alt.Y("score:Q", title="Score (0–4)", scale=alt.Scale(domain=[0, 4]))
    tooltip = [
        alt.Tooltip("assessed_at:N", title="Assessed"),
        alt.Tooltip("domain_name:N", title="Domain"),
        alt.Tooltip("score:Q", title="Score", format=".2f"),
        alt.Tooltip("stage:O", title="Stage"),
    ]
    domains = (
        alt.Chart(data[data["domain"] != "overall"])
        .mark_line(point=True)
        .encode(
            x=x,
            y=y,
            tooltip=tooltip,
            color=alt.Color(
                "domain_name:N",
                title=None,
                legend=alt.Legend(orient="bottom", columns=3, labelLimit=0),
            ),
        )
    )
    overall = (
        alt.Chart(data[data["domain"] == "overall"])
        .mark_line(point=True, color=NEUTRAL, strokeWidth=4)
        .encode(x=x, y=y, tooltip=tooltip)
    )
    return alt.layer(domains, overall).properties(
        title="Maturity over time (thick line: overall)", height=height
    )


# --- milestones ----------------------------------------------------------------------------

STATUS_COLOURS = {"behind": DETRACTOR, "on track": NEUTRAL, "ahead": PROMOTER}
# The legend says what a status means, in the words the Briefing and the Milestones page use.
STATUS_WORDS = {
    "behind": "behind by more than the noise",
    "on track": "within noise",
    "ahead": "ahead by more than the noise",
}


def _month_axis(frames: list, column: str = "date", angle: int = -45):
    """An x encoding for month labels shared by several layers' frames: the months read
    "Oct 2025", in calendar order over all frames; the frames with their labels."""
    present = [f for f in frames if f is not None and column in f]
    raw = sorted({str(v) for f in present for v in f[column].dropna()})
    labelled = [
        None if f is None or column not in f else f.assign(**{column: f[column].map(period_label)})
        for f in frames
    ]
    x = alt.X(
        f"{column}:O",
        title=None,
        sort=[period_label(v) for v in raw],
        axis=alt.Axis(labelAngle=angle),
    )
    return x, labelled


def milestone_chart(path: pd.DataFrame, status: pd.DataFrame, *, height: int = 320) -> Chart:
    """The milestone path (dashed) with the actual 3-month rolling NPS, its interval band and
    each month's status as the marker colour. ``path`` is :func:`milestone_path` (with
    ``date``); ``status`` is :func:`status_table`."""
    x, (path, status) = _month_axis([path, status])
    milestones = (
        alt.Chart(path.assign(target=path["target"].round(2)))
        .mark_line(strokeDash=[6, 4], color=PASSIVE, strokeWidth=2)
        .encode(
            x=x,
            y=alt.Y("target:Q", title="NPS"),
            tooltip=[
                alt.Tooltip("date:N", title="Month"),
                alt.Tooltip("target:Q", title="Milestone", format="+.1f"),
            ],
        )
    )
    layers = [milestones]
    if not status.empty:
        data = _rounded(status, 1)
        data["status"] = data["status"].map(STATUS_WORDS).fillna(data["status"])
        tooltip = [
            alt.Tooltip("date:N", title="Month"),
            alt.Tooltip("rolling_nps:Q", title="3-month NPS", format="+.1f"),
            alt.Tooltip("ci_low:Q", title="CI low", format="+.1f"),
            alt.Tooltip("ci_high:Q", title="CI high", format="+.1f"),
            alt.Tooltip("milestone:Q", title="Milestone", format="+.1f"),
            alt.Tooltip("n:Q", title="n (3 months)", format=","),
            alt.Tooltip("status:N", title="Status"),
        ]
        base = alt.Chart(data).encode(x=x)
        layers += [
            base.mark_area(opacity=0.3, color=BAND).encode(y="ci_low:Q", y2="ci_high:Q"),
            base.mark_line(color=NEUTRAL).encode(y="rolling_nps:Q"),
            base.mark_point(filled=True, size=90).encode(
                y="rolling_nps:Q",
                color=alt.Color(
                    "status:N",
                    title=None,
                    scale=alt.Scale(
                        domain=[STATUS_WORDS[k] for k in STATUS_COLOURS],
                        range=list(STATUS_COLOURS.values()),
                    ),
                    legend=alt.Legend(orient="top", labelLimit=0),
                ),
                tooltip=tooltip,
            ),
        ]
    return alt.layer(*layers).properties(
        title="3-month NPS against the milestone path (dashed)", height=height
    )


def fan_chart(
    fan: pd.DataFrame,
    target: float,
    *,
    actual: pd.DataFrame | None = None,
    forecast: pd.DataFrame | None = None,
    height: int = 320,
) -> Chart:
    """The plan's simulated NPS from the start (10–90 % of the true score, grey, and its
    median, dashed), the actual 3-month NPS (black), the forecast from the actuals (10–90 %
    of the true score, blue, and its median) and the target line (orange).

    ``fan`` is :attr:`cxdata.milestones.Plan.fan`; ``actual`` is
    :func:`cxdata.milestones.status_table` (``date``, ``rolling_nps``, ``n``); ``forecast`` is
    :attr:`cxdata.forecast.Forecast.fan`. Without ``actual`` and ``forecast`` it is the plan
    alone, with the band of what surveys will show (light grey)."""
    data = _rounded(fan, 2)
    if "date" in data:
        x, (data, forecast, actual) = _month_axis([data, forecast, actual])
    else:
        x = alt.X("month:O", title=None, axis=alt.Axis(labelAngle=-45))
    base = alt.Chart(data).encode(x=x)
    plan_tooltip = [
        alt.Tooltip("date:N" if "date" in data else "month:Q", title="Month"),
        alt.Tooltip("true_p10:Q", title="Plan at start: true NPS, 10 %", format="+.1f"),
        alt.Tooltip("true_p50:Q", title="Plan at start: median", format="+.1f"),
        alt.Tooltip("true_p90:Q", title="Plan at start: 90 %", format="+.1f"),
    ]
    layers = []
    with_actuals = actual is not None or forecast is not None
    if not with_actuals:
        layers.append(
            base.mark_area(opacity=0.18, color=PASSIVE).encode(
                y=alt.Y("observed_p10:Q", title="NPS"), y2="observed_p90:Q"
            )
        )
        plan_tooltip += [
            alt.Tooltip("observed_p10:Q", title="Observed, 10 %", format="+.1f"),
            alt.Tooltip("observed_p90:Q", title="Observed, 90 %", format="+.1f"),
        ]
    layers += [
        base.mark_area(
            opacity=0.45 if not with_actuals else 0.35, color=BAND if not with_actuals else PASSIVE
        ).encode(y=alt.Y("true_p10:Q", title="NPS"), y2="true_p90:Q"),
        base.mark_line(
            color=PROMOTER if not with_actuals else NEUTRAL,
            strokeWidth=2.5 if not with_actuals else 1.5,
            strokeDash=[] if not with_actuals else [5, 4],
        ).encode(y="true_p50:Q", tooltip=plan_tooltip),
    ]
    if forecast is not None and not forecast.empty:
        ahead = alt.Chart(_rounded(forecast, 2)).encode(x=x)
        layers += [
            ahead.mark_area(opacity=0.45, color=BAND).encode(y="true_p10:Q", y2="true_p90:Q"),
            ahead.mark_line(color=PROMOTER, strokeWidth=2.5).encode(
                y="true_p50:Q",
                tooltip=[
                    alt.Tooltip("date:N", title="Month"),
                    alt.Tooltip("true_p10:Q", title="From the actuals: 10 %", format="+.1f"),
                    alt.Tooltip("true_p50:Q", title="From the actuals: median", format="+.1f"),
                    alt.Tooltip("true_p90:Q", title="From the actuals: 90 %", format="+.1f"),
                ],
            ),
        ]
    if actual is not None and not actual.empty:
        measured = alt.Chart(_rounded(actual[["date", "rolling_nps", "n"]], 1)).encode(x=x)
        layers.append(
            measured.mark_line(
                color=NEUTRAL, strokeWidth=2, point=alt.OverlayMarkDef(color=NEUTRAL)
            ).encode(
                y="rolling_nps:Q",
                tooltip=[
                    alt.Tooltip("date:N", title="Month"),
                    alt.Tooltip("rolling_nps:Q", title="Actual 3-month NPS", format="+.1f"),
                    alt.Tooltip("n:Q", title="n (3 months)", format=","),
                ],
            )
        )
    layers.append(
        alt.Chart(pd.DataFrame({"target": [round(target, 2)]}))
        .mark_rule(color=DETRACTOR, strokeDash=[4, 4], strokeWidth=2)
        .encode(y="target:Q")
    )
    if with_actuals:
        title = alt.TitleParams(
            "The plan at start, the actuals and the forecast from the actuals",
            subtitle="10–90 % of the true score · grey: the plan at start (dashed median) · "
            "black: actual 3-month NPS · blue: forecast from the actuals · orange: target",
            subtitleFontSize=12,
        )
    else:
        title = alt.TitleParams(
            "Simulated NPS: median, 10–90 % of the true score (blue) and of what surveys "
            "will show (grey); target in orange"
        )
    return alt.layer(*layers).properties(title=title, height=height)
