"""Widgets of the Drivers & correlation page: cached loaders and the page's sections."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from cxdata import charts, correlation, drivers, store, themes, wording
from cxdata.errors import InputError
from cxdata.formatting import column_label
from ui.common import (
    chart_downloads,
    chart_height,
    data_version,
    database_address,
    edit_table,
    editing,
    keep_in_url,
    link_adjusted,
    plain,
    presenting,
    show_table,
    temporary_copy,
    url_choice,
    url_number,
    work_ahead,
)

PERIODS = {"month": "Month", "quarter": "Quarter", "year": "Year"}
LOOKBACK = (7, 365, 90)  # days: the widget's range and its default


def _percent(share: float) -> str:
    return f"{share:.0%}".replace("%", " %")


def _downloads(chart, frame, name: str, key: str) -> None:
    """A chart's PNG and CSV downloads, outside presentation mode."""
    if not presenting():
        chart_downloads(chart, frame, name, key)


def url_lookback() -> int:
    """The link's lookback in days, clamped to the widget's range (``lookback=3`` → 7,
    ``9999`` → 365) with a note; ``inf`` (which :func:`ui.common.url_number` cannot make a
    whole number of) is not a number."""
    low, high, default = LOOKBACK
    raw = st.query_params.get("lookback")
    if raw is not None and raw.strip().lower().lstrip("+-") in ("inf", "infinity"):
        link_adjusted(f"lookback '{raw}' is not a number, showing {default}")
        return default
    return url_number("lookback", default, low, high)


def url_drivers(options: list[str], default: list[str]) -> list[str]:
    """The drivers of the link (``drivers=a,b``) that the data still offers, in order; names
    it no longer has are dropped with a note; none left (or none asked): ``default``."""
    raw = st.query_params.get("drivers")
    if raw is None:
        return default
    asked = [d for d in raw.split(",") if d]
    kept = [d for d in dict.fromkeys(asked) if d in options]
    dropped = [d for d in asked if d not in options]
    if dropped:
        shown = ", ".join(f"'{d}'" for d in dropped[:5]) + (" …" if len(dropped) > 5 else "")
        link_adjusted(f"drivers not in the data left out: {shown}")
    return kept or default


# --- cached loaders (keyed on the database file and its data version) ----------------------


@st.cache_data(max_entries=16, show_spinner=False)
def load_link_trend(path: str, version: str, by: str, lookback: int) -> pd.DataFrame:
    # Not cached: a new data version (or a new period or window), so the drivers below may
    # want their sample too. It is read meanwhile on a connection of its own (both reads of a
    # first visit overlap); when it is kept already, the thread finds it and ends.
    work_ahead(_keep_sample, path)
    return correlation.link_trend(store.connect(path), by, lookback)


def _keep_sample(path: str) -> None:
    """Read the drivers' shared sample ahead of them (on a background thread, ``work_ahead``)."""
    database = store.connect(path, cache_mb=16)
    try:
        drivers.read_sample_ahead(database)
    finally:
        database.conn.close()


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
    if not store.has_rows(database, "relationship"):
        st.info(
            "Upload relationship (overall) survey responses with customer ids on the Data "
            "page to see whether touchpoint scores explain them better over time."
        )
        return
    periods = list(PERIODS)
    by_wanted = url_choice("link_by", periods, "quarter", label=PERIODS.get)
    low, high, default = LOOKBACK
    lookback_wanted = url_lookback()
    c1, c2, _ = st.columns([1, 1, 3])
    by = c1.selectbox(
        "Period",
        periods,
        format_func=PERIODS.get,
        key="link_by",
        index=periods.index(by_wanted),
    )
    lookback = c2.number_input(
        "Touchpoints up to … days before",
        min_value=low,
        max_value=high,
        step=1,
        value=lookback_wanted,
        key="lookback",
        help="A relationship response is linked to the same customer's touchpoint survey "
        "responses in this many days before it.",
    )
    keep_in_url({"link_by": by, "lookback": int(lookback)}, {"link_by": "quarter", "lookback": 90})
    path, version = database_address(), data_version(database)
    table = load_link_trend(path, version, by, int(lookback))
    shown = table.dropna(subset=["pearson_r"])
    if shown.empty:
        st.info(
            "No relationship response could be linked: no customer had a touchpoint "
            "response in the window before it (check that both files carry customer ids)."
        )
        return
    first, last = shown.iloc[0].to_dict(), shown.iloc[-1].to_dict()
    p = None
    if len(shown) > 1:
        p = correlation.correlation_difference(
            first["pearson_r"], first["customers"], last["pearson_r"], last["customers"]
        )
    detail = wording.link_detail(first, last, p)
    st.markdown("**" + plain(wording.link_sentence(first, last, p)) + "**", help=plain(detail))
    if not presenting():
        st.caption(plain(detail))
    chart = charts.link_trend_chart(table, height=chart_height(280, "chart"))
    st.altair_chart(chart, width="stretch", key="link_chart")
    unlinked = int(table["unlinked"].sum())
    band = (
        "Band: where the true link most likely lies (95 % confidence)."
        if presenting()
        else "Band: 95 % Fisher-z interval of Pearson r."
    )
    st.caption(
        plain(
            f"{band} 0 is no link, 1 a perfect one. {unlinked:,} relationship responses had "
            f"no touchpoint response from the same customer in the {lookback} days before "
            "them and are not counted. "
            + wording.sample_note(table.attrs.get("sampled_from"), "relationship responses")
        )
    )
    _downloads(chart, table, f"link_by_{by}", "link")


def driver_section(database) -> None:
    st.header("What drives the score?")
    targets = list(drivers.TARGETS)
    if not store.has_rows(database, "relationship"):
        targets.remove("relationship_score")
    target_wanted = url_choice("target", targets, "score", label=drivers.TARGETS.get)
    path, version = database_address(), data_version(database)
    offered, default = load_driver_options(path, version, _rows_of(target_wanted))
    options = [d for family in offered.values() for d in family]
    wanted = url_drivers(options, default)
    # The drivers picker has a row of its own: its names are never cut on a laptop.
    c1, _ = st.columns([1, 3])
    target = c1.selectbox(
        "Target",
        targets,
        format_func=drivers.TARGETS.get,
        key="target",
        index=targets.index(target_wanted),
    )
    if _rows_of(target) != _rows_of(target_wanted):
        offered, default = load_driver_options(path, version, _rows_of(target))
        options = [d for family in offered.values() for d in family]
    if any(d not in options for d in st.session_state.get("drivers", [])):
        st.session_state["drivers"] = [d for d in st.session_state["drivers"] if d in options]
    chosen = st.multiselect(
        "Drivers",
        options,
        default=[d for d in wanted if d in options] or default,
        format_func=wording.driver_label,
        key="drivers",
        help="Ratings, operational KPIs (linked through interaction_id), segments (one "
        "yes/no per value) and comment themes (the comment mentions it). By default, the "
        "ratings and KPIs present for at least half of the responses.",
    )
    keep_in_url(
        {"target": target, "drivers": ",".join(chosen)},
        {"target": "score", "drivers": ",".join(default)},
    )
    if not chosen:
        st.info("Choose at least one driver.")
        return
    try:
        result = load_drivers(path, version, target, tuple(chosen))
    except InputError as exc:
        st.error(plain(str(exc)))
        return
    r2 = "–" if result.r2 is None else f"{result.r2:.2f}"
    detail = f"R² = {r2} (relative weights)."
    st.markdown(
        plain(wording.explained_sentence(result.r2, drivers.TARGETS[target], result.n)),
        help=plain(detail),
    )
    if not presenting():
        st.caption(plain(detail))
    verdict_lines(result)
    left, right = st.columns(2)
    with left:
        weights = charts.driver_weights_chart(result.table)
        st.altair_chart(weights, width="stretch", key="weights_chart")
        _downloads(weights, result.table, f"drivers_of_{target}", "weights")
    with right:
        corr = charts.correlation_chart(result.table)
        st.altair_chart(corr, width="stretch", key="correlation_chart")
        _downloads(corr, result.table, f"correlations_with_{target}", "correlations")
    for note in result.notes:
        st.caption(plain(note))
    if not presenting():
        rows_by_section(result)
    ratings = set(offered["ratings"])
    rated = result.table[result.table["driver"].isin(ratings)]
    if len(rated.dropna(subset=["rescaled_pct"])) >= 2:
        quadrant = charts.importance_performance_chart(
            rated, height=chart_height(340, "chart") - (80 if presenting() else 0)
        )
        st.altair_chart(quadrant, width="stretch", key="ipa_chart")
        st.caption(
            "Ratings only. Performance is each rating's mean on its own scale, 0 at the "
            "bottom and 100 at the top (a 1–5 mean of 4 is 75), so every scale shares the axis. "
            "Dashed lines at the averages: high importance with low performance (orange) is "
            "where a fix moves the score most."
        )
    show_table(
        driver_view(result.table),
        hide_index=True,
        key="drivers_table",
        column_config=driver_columns(),
    )


def driver_view(table: pd.DataFrame) -> pd.DataFrame:
    """The drivers table as shown: names as people read them (``Wait time (min)``)."""
    return table.assign(driver=table["driver"].map(wording.driver_label))


def verdict_lines(result) -> None:
    """Which drivers beat a column of random numbers, in words (the noise test)."""
    table = result.table
    if not table["verdict"].astype(bool).any():
        return
    significant = table.loc[table["verdict"] == drivers.SIGNIFICANT, "driver"].tolist()
    noise = table.loc[table["verdict"] == drivers.NOISE, "driver"].tolist()
    st.markdown(
        plain(
            f"Clearly matter (each beats a column of random numbers): "
            f"{wording.names(significant)}. Not distinguishable from noise: "
            f"{wording.names(noise)}."
        ),
        help=plain(
            f"Tonidandel & LeBreton's test: a driver counts when the {_percent(result.level)} "
            "bootstrap interval of its raw weight minus a random column's is above 0."
        ),
    )


def rows_by_section(result) -> None:
    """The rows each driver used, per channel (or segment): nothing is dropped silently."""
    if result.rows_by.empty:
        return
    with st.expander(plain(f"Rows used by {column_label(result.by).lower()}")):
        rows = result.rows_by.rename(
            columns={c: wording.driver_label(c) for c in result.rows_by.columns}
        )
        show_table(rows, hide_index=True, key="rows_by_table")
        st.caption(
            "Rows with the target, and with the target and each driver. A driver with 0 "
            "rows in a segment was not asked there: its weight speaks for the other segments, "
            "whose rows still count for every driver."
        )


DRIVER_COLUMNS = {
    "driver": st.column_config.TextColumn("Driver"),
    "n": st.column_config.NumberColumn(
        "Responses", format="localized", help="Rows with the target"
    ),
    "spearman_rho": st.column_config.NumberColumn("ρ", format="%+.2f", help="Spearman"),
    "spearman_low": None,
    "spearman_high": None,
    "pearson_r": st.column_config.NumberColumn("r", format="%+.2f", help="Pearson"),
    "mean": st.column_config.NumberColumn("Mean", format="%.2f"),
    "raw_weight": st.column_config.NumberColumn("Raw weight", format="%.3f"),
    "rescaled_pct": st.column_config.NumberColumn(
        "Weight %", format="%.1f", help="Share of the explained differences"
    ),
    "rescaled_low": st.column_config.NumberColumn(
        "Low", format="%.1f", help="Low end of the 95 % bootstrap interval"
    ),
    "rescaled_high": st.column_config.NumberColumn(
        "High", format="%.1f", help="High end of the 95 % bootstrap interval"
    ),
    "verdict": st.column_config.TextColumn(
        "Against noise",
        width="large",
        help="Is the weight above a random column's? (95 % interval)",
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
# The statistics columns, shown only outside presentation mode.
STATISTICS = ("spearman_rho", "pearson_r", "raw_weight", "noise_diff", "noise_low", "noise_high")


def driver_columns() -> dict:
    """The drivers table's columns: on the screen share without ρ, r, raw weights and the
    noise test's figures (the verdict stays, in words)."""
    if not presenting():
        return DRIVER_COLUMNS
    return {**DRIVER_COLUMNS, **dict.fromkeys(STATISTICS)}


def kpi_section(database) -> None:
    st.header("Operational KPIs and the score")
    path, version = database_address(), data_version(database)
    kpis = load_linked_kpis(path, version)
    if not kpis:
        st.info(
            "Upload transactional data (tickets, calls, orders) whose interaction_id matches "
            "the survey responses to see which operational fix pays."
        )
        return
    ranking = load_kpi_correlations(path, version)
    if not ranking.empty and ranking["spearman_rho"].notna().any():
        measure = "rank correlation" if presenting() else "Spearman ρ"
        ranked = charts.correlation_chart(
            ranking, title=f"Operational KPIs against the touchpoint score ({measure})"
        )
        st.altair_chart(ranked, width="stretch", key="kpi_rank_chart")
        st.caption(
            plain(
                "Each KPI against the touchpoint score, on the responses whose interaction "
                "has it: "
                + "; ".join(
                    f"{wording.driver_label(r.driver)} {r.n:,} responses ({_percent(r.coverage)})"
                    for r in ranking.itertuples()
                )
                + ". "
                + wording.sample_note(ranking.attrs.get("sampled_from"))
            )
        )
        _downloads(ranked, ranking, "kpis_vs_score", "kpi_rank")
    preferred = ranking["driver"].iloc[0] if not ranking.empty else kpis[0]
    wanted = url_choice("kpi", kpis, preferred, label=column_label)
    kpi = st.selectbox("KPI", kpis, key="kpi", index=kpis.index(wanted), format_func=column_label)
    keep_in_url({"kpi": kpi}, {"kpi": preferred})
    frame = load_kpi_buckets(path, version, kpi)
    if frame.empty:
        st.info(plain(f"No survey response is linked to an interaction with {column_label(kpi)}."))
        return
    chart = charts.nps_by_group_chart(
        frame, title=f"NPS by {wording.lower_label(kpi)}", height=chart_height(260, "bars")
    )
    st.altair_chart(chart, width="stretch", key="kpi_chart")
    st.caption(
        plain(
            f"Touchpoint responses linked to their interaction, {int(frame['n'].sum()):,} in "
            "all; numeric KPIs in five groups of about equal size (tied values share a group). "
            "Bars: NPS; lines: 95 % interval. "
            + wording.sample_note(frame.attrs.get("sampled_from"))
        )
    )
    _downloads(chart, frame, f"nps_by_{kpi}", "kpi")


def theme_section(database) -> None:
    st.header("Comment themes")
    if editing():
        theme_editor(database)
    summary = load_theme_summary(database_address(), data_version(database))
    if summary.empty or summary["mentions"].sum() == 0:
        st.info("No comment mentions any theme yet.")
        return
    left, right = st.columns(2)
    with left:
        shares = charts.theme_share_chart(summary)
        st.altair_chart(shares, width="stretch", key="theme_share_chart")
    with right:
        by_theme = charts.nps_by_group_chart(
            summary,
            group="theme",
            title="NPS of comments mentioning each theme",
            height=chart_height(260, "bars"),
        )
        st.altair_chart(by_theme, width="stretch", key="theme_nps_chart")
    st.caption(
        plain(
            f"Among {summary.attrs['commenting_detractors']:,} detractors and "
            f"{summary.attrs['commenting_promoters']:,} promoters who left a comment. "
            "Themes can also be chosen as drivers above (Theme: …). "
            + wording.sample_note(summary.attrs.get("sampled_from"))
        )
    )
    _downloads(by_theme, summary, "comment_themes", "themes")


def theme_editor(database) -> None:
    """The theme dictionary's editor and its Save button (never in presentation mode)."""
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
                # Not "required": the grid would drop a new row left without a theme, which
                # the save reports instead.
                "theme": st.column_config.TextColumn("Theme"),
                "keywords": st.column_config.TextColumn("Keywords", width="large"),
            },
            placeholder="",
        )
        if st.button("Save themes", key="themes_save"):
            try:
                report = themes.save_theme_table(database, edited)
            except InputError as exc:  # e.g. a database that cannot be written
                st.error(plain(str(exc)))
                return
            if report.rejected:
                st.error(plain(report.message), icon=":material/error:")
            else:
                st.toast(plain(report.message))
                st.rerun()


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
