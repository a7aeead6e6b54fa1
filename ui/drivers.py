"""Widgets of the Drivers & correlation page: cached loaders and the page's sections."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from cxdata import charts, correlation, drivers, nps, store, themes
from cxdata.errors import InputError
from ui.common import (
    chart_downloads,
    data_version,
    edit_table,
    plain,
    show_table,
    temporary_copy,
    url_param,
)

PERIODS = {"month": "Month", "quarter": "Quarter", "year": "Year"}


def _choice(name: str, options: list[str], default: str) -> int:
    wanted = url_param(name, default)
    return options.index(wanted) if wanted in options else options.index(default)


# --- cached loaders (keyed on the database file and its data version) ----------------------


@st.cache_data(max_entries=16, show_spinner=False)
def load_link_trend(path: str, version: str, by: str, lookback: int) -> pd.DataFrame:
    return correlation.link_trend(store.connect(path), by, lookback)


@st.cache_data(max_entries=16, show_spinner=False)
def load_driver_options(path: str, version: str, target: str):
    database = store.connect(path)
    return drivers.candidate_drivers(database, target), drivers.default_drivers(database, target)


@st.cache_data(max_entries=16, show_spinner="Ranking drivers…")
def load_drivers(path: str, version: str, target: str, chosen: tuple):
    # Seeded as the command line seeds it by default, so both show the same figures.
    rng = np.random.default_rng(1)
    return drivers.rank_drivers(store.connect(path), target, list(chosen), rng=rng)


def _rows_of(target: str) -> str:
    """Touchpoint score and promoter yes/no are read from the same rows (same drivers)."""
    return "score" if target == "promoter" else target


@st.cache_data(max_entries=16, show_spinner=False)
def load_kpi_buckets(path: str, version: str, kpi: str) -> pd.DataFrame:
    return correlation.kpi_buckets(store.connect(path), kpi)


@st.cache_data(max_entries=4, show_spinner=False)
def load_linked_kpis(path: str, version: str) -> list[str]:
    return correlation.linked_kpi_columns(store.connect(path))


@st.cache_data(max_entries=4, show_spinner=False)
def load_kpi_correlations(path: str, version: str) -> pd.DataFrame:
    return correlation.kpi_correlations(store.connect(path))


@st.cache_data(max_entries=16, show_spinner=False)
def load_theme_summary(path: str, version: str) -> pd.DataFrame:
    # Saving themes changes the data version, so the version alone keys the saved dictionary.
    database = store.connect(path)
    return themes.theme_summary(database, themes.load_themes(database))


# --- sections ------------------------------------------------------------------------------


def link_section(database) -> None:
    st.header("Is the link tightening?")
    if store.count_rows(database, "relationship") == 0:
        st.info(
            "Upload relationship (overall) survey responses with customer ids on the Data "
            "page to see whether touchpoint scores explain them better over time."
        )
        return
    c1, c2, _ = st.columns([1, 1, 3])
    periods = list(PERIODS)
    by = c1.selectbox(
        "Period",
        periods,
        format_func=PERIODS.get,
        key="link_by",
        index=_choice("link_by", periods, "quarter"),
    )
    lookback = c2.number_input(
        "Touchpoints up to … days before",
        min_value=7,
        max_value=365,
        step=1,
        value=int(url_param("lookback", "90")) if url_param("lookback", "90").isdigit() else 90,
        key="lookback",
        help="A relationship response is linked to the same customer's touchpoint survey "
        "responses in this many days before it.",
    )
    st.query_params.update({"link_by": by, "lookback": str(lookback)})
    path, version = str(store.database_path()), data_version(database)
    table = load_link_trend(path, version, by, int(lookback))
    shown = table.dropna(subset=["pearson_r"])
    if shown.empty:
        st.info(
            "No relationship response could be linked: no customer had a touchpoint "
            "response in the window before it (check that both files carry customer ids)."
        )
        return
    first, last = shown.iloc[0], shown.iloc[-1]
    p = correlation.correlation_difference(
        first["pearson_r"], first["customers"], last["pearson_r"], last["customers"]
    )
    significant = p is not None and p < 1 - nps.LEVEL
    verdict = "a significant change" if significant else "not a significant change"
    st.markdown(
        plain(
            f"Correlation of a customer's touchpoint scores with their relationship score: "
            f"r = {first['pearson_r']:+.2f} in {first['period']} (n = {first['customers']:,}) "
            f"→ r = {last['pearson_r']:+.2f} in {last['period']} (n = {last['customers']:,}); "
            f"{verdict} (p = {p:.3g}, Fisher z test)."
            if p is not None
            else f"Latest r = {last['pearson_r']:+.2f} (n = {last['customers']:,})."
        )
    )
    chart = charts.link_trend_chart(table)
    st.altair_chart(chart, width="stretch", key="link_chart")
    unlinked = int(table["unlinked"].sum())
    st.caption(
        plain(
            f"Band: 95 % Fisher-z interval. {unlinked:,} relationship responses had no "
            f"touchpoint response from the same customer in the {lookback} days before them "
            "and are not in the correlation."
        )
    )
    chart_downloads(chart, table, f"link_by_{by}", "link")


def driver_section(database) -> None:
    st.header("What drives the score?")
    targets = list(drivers.TARGETS)
    if store.count_rows(database, "relationship") == 0:
        targets.remove("relationship_score")
    c1, c2 = st.columns([1, 3])
    target = c1.selectbox(
        "Target",
        targets,
        format_func=drivers.TARGETS.get,
        key="target",
        index=_choice("target", targets, "score"),
    )
    path, version = str(store.database_path()), data_version(database)
    offered, default = load_driver_options(path, version, _rows_of(target))
    options = [d for family in offered.values() for d in family]
    wanted = [d for d in url_param("drivers", "").split(",") if d in options]
    chosen = c2.multiselect(
        "Drivers",
        options,
        default=wanted or default,
        key="drivers",
        help="Ratings, operational KPIs (linked through interaction_id), segment:COLUMN "
        "(one yes/no per value) and theme:NAME (the comment mentions it). By default, the "
        "ratings and KPIs present for at least half of the responses.",
    )
    st.query_params.update({"target": target, "drivers": ",".join(chosen)})
    if not chosen:
        st.info("Choose at least one driver.")
        return
    try:
        result = load_drivers(path, version, target, tuple(chosen))
    except InputError as exc:
        st.error(plain(str(exc)))
        return
    r2 = "–" if result.r2 is None else f"{result.r2:.2f}"
    st.markdown(
        plain(
            f"Together the drivers explain R² = {r2} of the variation in the "
            f"{drivers.TARGETS[target]} (relative weights on {result.n:,} rows, "
            f"{result.n_complete:,} of them with every driver; each correlation uses the rows "
            "that have both values)."
        )
    )
    verdict_lines(result)
    left, right = st.columns(2)
    with left:
        weights = charts.driver_weights_chart(result.table)
        st.altair_chart(weights, width="stretch", key="weights_chart")
        chart_downloads(weights, result.table, f"drivers_of_{target}", "weights")
    with right:
        corr = charts.correlation_chart(result.table)
        st.altair_chart(corr, width="stretch", key="correlation_chart")
        chart_downloads(corr, result.table, f"correlations_with_{target}", "correlations")
    for note in result.notes:
        st.caption(plain(note))
    rows_by_section(result)
    ratings = set(offered["ratings"])
    rated = result.table[result.table["driver"].isin(ratings)]
    if len(rated.dropna(subset=["rescaled_pct"])) >= 2:
        quadrant = charts.importance_performance_chart(rated)
        st.altair_chart(quadrant, width="stretch", key="ipa_chart")
        st.caption(
            "Ratings only. Performance is each rating's mean on its own scale, 0 at the "
            "bottom and 100 at the top (a 1–5 mean of 4 is 75), so every scale shares the axis. "
            "Dashed lines at the averages: high importance with low performance (orange) is "
            "where a fix moves the score most."
        )
    show_table(
        result.table,
        hide_index=True,
        key="drivers_table",
        column_config=DRIVER_COLUMNS,
    )


def verdict_lines(result) -> None:
    """Which drivers beat a column of random numbers, in words (the noise test)."""
    table = result.table
    if not table["verdict"].astype(bool).any():
        return
    significant = table.loc[table["verdict"] == drivers.SIGNIFICANT, "driver"].tolist()
    noise = table.loc[table["verdict"] == drivers.NOISE, "driver"].tolist()
    level = f"{result.level:.0%}"
    st.markdown(
        plain(
            f"Significant (their weight beats a column of random numbers, {level} interval "
            f"above 0): {', '.join(significant) or 'none'}. Not distinguishable from noise: "
            f"{', '.join(noise) or 'none'}."
        )
    )


def rows_by_section(result) -> None:
    """The rows each driver used, per channel (or segment): nothing is dropped silently."""
    if result.rows_by.empty:
        return
    with st.expander(plain(f"Rows used by {result.by}")):
        show_table(result.rows_by, hide_index=True, key="rows_by_table")
        st.caption(
            "Rows with the target, and with the target and each driver. A driver with 0 "
            "rows in a segment was not asked there: its weight speaks for the other segments, "
            "whose rows still count for every driver."
        )


DRIVER_COLUMNS = {
    "driver": st.column_config.TextColumn("Driver"),
    "n": st.column_config.NumberColumn("n", format="localized", help="Rows with the target"),
    "spearman_rho": st.column_config.NumberColumn("ρ", format="%+.2f", help="Spearman"),
    "spearman_low": None,
    "spearman_high": None,
    "pearson_r": st.column_config.NumberColumn("r", format="%+.2f", help="Pearson"),
    "mean": st.column_config.NumberColumn("Mean", format="%.2f"),
    "raw_weight": st.column_config.NumberColumn("Raw weight", format="%.3f"),
    "rescaled_pct": st.column_config.NumberColumn("Weight %", format="%.1f"),
    "rescaled_low": st.column_config.NumberColumn("CI low", format="%.1f"),
    "rescaled_high": st.column_config.NumberColumn("CI high", format="%.1f"),
    "verdict": st.column_config.TextColumn(
        "Against noise", help="Is the weight above a random column's? (95 % interval)"
    ),
    "noise_diff": st.column_config.NumberColumn(
        "Weight − random", format="%+.4f", help="Raw weight minus a random column's"
    ),
    "noise_low": st.column_config.NumberColumn("low", format="%+.4f"),
    "noise_high": st.column_config.NumberColumn("high", format="%+.4f"),
    "significant": None,
    "scale_low": None,
    "scale_high": None,
    "performance": st.column_config.NumberColumn(
        "Performance", format="%.0f", help="Mean on the driver's scale, 0–100"
    ),
}


def kpi_section(database) -> None:
    st.header("Operational KPIs and the score")
    path, version = str(store.database_path()), data_version(database)
    kpis = load_linked_kpis(path, version)
    if not kpis:
        st.info(
            "Upload transactional data (tickets, calls, orders) whose interaction_id matches "
            "the survey responses to see which operational fix pays."
        )
        return
    ranking = load_kpi_correlations(path, version)
    if not ranking.empty and ranking["spearman_rho"].notna().any():
        ranked = charts.correlation_chart(
            ranking, title="Operational KPIs against the touchpoint score (Spearman ρ)"
        )
        st.altair_chart(ranked, width="stretch", key="kpi_rank_chart")
        st.caption(
            plain(
                "Each KPI against the touchpoint score, on the responses whose interaction "
                "has it: "
                + "; ".join(
                    f"{r.driver} n = {r.n:,} ({r.coverage:.0%})" for r in ranking.itertuples()
                )
                + "."
            )
        )
        chart_downloads(ranked, ranking, "kpis_vs_score", "kpi_rank")
    preferred = ranking["driver"].iloc[0] if not ranking.empty else kpis[0]
    kpi = st.selectbox("KPI", kpis, key="kpi", index=_choice("kpi", kpis, preferred))
    st.query_params.update({"kpi": kpi})
    frame = load_kpi_buckets(path, version, kpi)
    if frame.empty:
        st.info(plain(f"No survey response is linked to an interaction with {kpi}."))
        return
    chart = charts.nps_by_group_chart(frame, title=f"NPS by {kpi}")
    st.altair_chart(chart, width="stretch", key="kpi_chart")
    st.caption(
        plain(
            f"Touchpoint responses linked to their interaction, {int(frame['n'].sum()):,} in "
            "all; numeric KPIs in five groups of about equal size (tied values share a group). "
            "Bars: NPS; lines: 95 % interval."
        )
    )
    chart_downloads(chart, frame, f"nps_by_{kpi}", "kpi")


def theme_section(database) -> None:
    st.header("Comment themes")
    current = themes.load_themes(database)
    editor = pd.DataFrame(
        {"theme": list(current), "keywords": [", ".join(w) for w in current.values()]}
    )
    with st.expander("Edit the theme dictionary"):
        st.caption(
            "A comment mentions a theme when one of its words starts with a keyword "
            "(bill → bill, billing, bills). Separate keywords with commas."
        )
        edited = edit_table(
            editor,
            num_rows="dynamic",
            hide_index=True,
            key="themes_editor",
            column_config={
                "theme": st.column_config.TextColumn("Theme", required=True),
                "keywords": st.column_config.TextColumn("Keywords", width="large"),
            },
        )
        if st.button("Save themes", key="themes_save"):
            try:
                rows = edited.dropna(subset=["theme"])
                themes.save_themes(
                    database,
                    {r.theme: themes.parse_keywords(r.keywords or "") for r in rows.itertuples()},
                )
            except InputError as exc:
                st.error(plain(str(exc)))
            else:
                st.toast("Themes saved.")
                st.rerun()
    summary = load_theme_summary(str(store.database_path()), data_version(database))
    if summary.empty or summary["mentions"].sum() == 0:
        st.info("No comment mentions any theme yet.")
        return
    left, right = st.columns(2)
    with left:
        shares = charts.theme_share_chart(summary)
        st.altair_chart(shares, width="stretch", key="theme_share_chart")
    with right:
        by_theme = charts.nps_by_group_chart(
            summary, group="theme", title="NPS of comments mentioning each theme"
        )
        st.altair_chart(by_theme, width="stretch", key="theme_nps_chart")
    st.caption(
        plain(
            f"Among {summary.attrs['commenting_detractors']:,} detractors and "
            f"{summary.attrs['commenting_promoters']:,} promoters who left a comment. "
            "Themes can also be drivers above (theme:NAME)."
        )
    )
    chart_downloads(by_theme, summary, "comment_themes", "themes")


def table_section() -> None:
    """Drivers in any table: e.g. a ratings export with a satisfied / not satisfied target."""
    st.header("Drivers in any table")
    st.caption(
        "Upload any CSV with one row per respondent — for example attribute ratings on a 0–5 "
        "scale and an overall verdict — to rank what drives the verdict. Nothing is stored."
    )
    upload = st.file_uploader("Table (CSV)", type=["csv", "txt"], key="table_upload")
    if upload is None:
        return
    try:
        table = _read_upload(upload.name, upload.getvalue())
    except InputError as exc:
        st.error(plain(str(exc)))
        return
    columns = list(table.columns)
    c1, c2 = st.columns([1, 1])
    target = c1.selectbox("Target column", columns, index=len(columns) - 1, key="table_target")
    positive = None
    if not pd.api.types.is_float_dtype(table[target]):
        values = sorted(table[target].dropna().astype(str).unique())
        if len(values) != 2:
            st.error(
                plain(
                    f"'{target}' has {len(values)} different text values; a text target needs "
                    "exactly two (e.g. Satisfied / Neutral or dissatisfied)."
                )
            )
            return
        positive = c2.selectbox(
            "Counts as the good outcome",
            values,
            index=None,
            placeholder="Choose the good outcome",
            key="table_positive",
        )
        if positive is None:
            st.info(plain(f"Which value of '{target}' is the good outcome?"))
            return
    options = [c for c in columns if c != target and pd.api.types.is_float_dtype(table[c])]
    chosen = st.multiselect(
        "Drivers", options, default=drivers.table_drivers(table, target), key="table_drivers"
    )
    if not chosen:
        st.info("Choose at least one numeric column as a driver.")
        return
    try:
        result = drivers.rank_drivers(
            table, target, chosen, positive=positive, rng=np.random.default_rng(1), name=upload.name
        )
    except InputError as exc:
        st.error(plain(str(exc)))
        return
    r2 = "–" if result.r2 is None else f"{result.r2:.2f}"
    st.markdown(
        plain(
            f"R² = {r2} on {result.n:,} rows ({result.n_complete:,} with every value; each "
            "correlation uses the rows that have both values)."
        )
    )
    verdict_lines(result)
    left, right = st.columns(2)
    with left:
        weights = charts.driver_weights_chart(result.table)
        st.altair_chart(weights, width="stretch", key="table_weights_chart")
    with right:
        quadrant = charts.importance_performance_chart(result.table)
        st.altair_chart(quadrant, width="stretch", key="table_ipa_chart")
    for note in result.notes:
        st.caption(plain(note))
    show_table(result.table, hide_index=True, column_config=DRIVER_COLUMNS, key="table_result")
    chart_downloads(weights, result.table, f"drivers_of_{target}", "table_weights")


@st.cache_data(max_entries=4, show_spinner="Reading the table…")
def _read_upload(name: str, data: bytes) -> pd.DataFrame:
    from cxdata import ingest

    with temporary_copy(data) as path:
        return ingest.read_table(path, name)
