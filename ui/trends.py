"""Widgets of the NPS trends page: controls kept in the URL, cached loaders, the sections."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from cxdata import followups, maturity, nps, store, verbatims
from cxdata.export import safe_csv
from cxdata.formatting import natural_date, natural_datetimes
from ui.common import data_version, edit_table, plain, presenting, show_table, url_param

PERIOD_LABELS = {"week": "Week", "month": "Month", "quarter": "Quarter", "year": "Year"}
NO_SEGMENT = "(none)"


def controls(database) -> tuple[str, nps.Query, str | None]:
    """Period, date range, segment and one column = value filter; all mirrored in the URL."""
    span = nps.date_span(database)
    first, last = date.fromisoformat(span[0]), date.fromisoformat(span[1])
    c1, c2, c3, c4, c5 = st.container(key="controls_trends").columns([1, 1, 1, 1.2, 1.6])
    periods = list(PERIOD_LABELS)
    period = c1.selectbox(
        "Period",
        periods,
        format_func=PERIOD_LABELS.get,
        key="period",
        index=periods.index(url_param("period", "month"))
        if url_param("period", "month") in periods
        else 1,
    )
    start = c2.date_input(
        "From",
        value=_date(url_param("from", ""), first),
        min_value=first,
        max_value=last,
        key="from",
        format="DD/MM/YYYY",
    )
    end = c3.date_input(
        "To",
        value=_date(url_param("to", ""), last),
        min_value=first,
        max_value=last,
        key="to",
        format="DD/MM/YYYY",
    )
    columns = store.table_columns(database, "survey")
    segment_options = [NO_SEGMENT] + [c for c in nps.SEGMENTS if c in columns]
    wanted = url_param("segment", "channel")
    segment = c4.selectbox(
        "Compare segments",
        segment_options,
        key="segment",
        index=segment_options.index(wanted) if wanted in segment_options else 0,
    )
    where: tuple = ()
    filter_text = url_param("filter", "")
    filter_options = [""] + _filter_values(
        str(store.database_path()), data_version(database), tuple(nps.SEGMENTS)
    )
    chosen = c5.selectbox(
        "Filter",
        filter_options,
        key="filter",
        index=filter_options.index(filter_text) if filter_text in filter_options else 0,
        format_func=lambda v: "All responses" if not v else v.replace(":", " = ", 1),
    )
    if chosen:
        column, value = chosen.split(":", 1)
        where = ((column, value),)
    st.query_params.update(
        {
            "period": period,
            "from": start.isoformat(),
            "to": end.isoformat(),
            "segment": segment,
            "filter": chosen,
        }
    )
    query = nps.Query(date_from=start.isoformat(), date_to=end.isoformat(), where=where)
    return period, query, None if segment == NO_SEGMENT else segment


def _date(text: str, default: date) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return default


@st.cache_data(max_entries=8, show_spinner=False)
def _filter_values(path: str, version: str, columns: tuple) -> list[str]:
    """column:value choices for the filter, from the per-day counts (no scan of responses)."""
    by_dim = nps.segment_values(store.connect(path))
    return [f"{c}:{v}" for c in columns for v in by_dim.get(c, [])[:200]]


@st.cache_data(max_entries=64, show_spinner=False)
def load_trend(path: str, version: str, by: str, query: nps.Query, segment: str | None):
    database = store.connect(path)
    table = nps.trend(database, by, query, segment)
    return nps.rolling(table, keys=["segment"] if segment else None, period=by)


def change_text(row: pd.Series, period: str) -> str:
    """The latest period's change in words: significant with its p, or how large a change
    would have to be to be seen at this volume (nps.detectable_change, 80 % power)."""
    if row["hidden"]:
        return ""
    if pd.isna(row["change"]):
        before = nps.previous_period(str(row["group"]), period)
        return f"; no change shown: {before} had no (or too few) responses"
    if row["significant"]:
        return (
            f"; change {row['change']:+.1f} vs the {period} before, significant "
            f"(p = {row['p_value']:.3f})"
        )
    return (
        f"; change {row['change']:+.1f} vs the {period} before, not significant — a change of "
        f"±{row['detectable_change']:.0f} points is needed at this volume"
    )


def rolling_text(row: pd.Series, period: str) -> str:
    """The rolling value of the latest period with how many periods of its window had data."""
    window = int(row["rolling_periods"])
    if pd.isna(row["rolling_nps"]):
        return (
            f" Rolling {window}-{period} NPS: not shown, {row['rolling_coverage']} "
            f"(needs more than half)."
        )
    return (
        f" Rolling {window}-{period} NPS {row['rolling_nps']:+.1f} "
        f"(n = {row['rolling_n']:,}; {row['rolling_coverage']})."
    )


def partial_note(database, query: nps.Query, period: str) -> str:
    """ ", to 31 Oct 2026" when the latest period is still running (its last day has no data)."""
    last = nps.last_day_before(
        database, nps.day_after(query.date_to) if query.date_to else "9999-12-31"
    )
    if last is None:
        return ""
    day_after = (pd.Timestamp(last) + pd.Timedelta(days=1)).strftime("%Y-%m-%d")
    labels = nps.period_label(pd.Series([last, day_after]), period)
    return f", to {natural_date(last)}" if labels[0] == labels[1] else ""


def low_n_note(table: pd.DataFrame) -> None:
    flagged = table[table["low_n"]]
    if flagged.empty:
        return
    parts = [
        f"{g} (n = {n:,}{', hidden' if h else ''})"
        for g, n, h in zip(flagged["group"], flagged["n"], flagged["hidden"])
    ]
    st.warning(
        plain(
            "Low n — read with care: " + ", ".join(parts) + ". Periods with fewer "
            f"than {nps.LOW_N} responses are flagged; fewer than {nps.HIDE_N} are hidden."
        ),
        icon=":material/warning:",
    )


def segment_table(seg: pd.DataFrame) -> pd.DataFrame:
    """The latest period per segment value: NPS, CI, n, change vs the previous period, p."""
    if seg.empty:
        return seg
    latest_period = seg["group"].max()
    latest = seg[seg["group"] == latest_period].copy()

    def ci(row):
        if row["hidden"]:
            return "hidden"
        return f"{row['ci_low']:+.0f} to {row['ci_high']:+.0f}"

    def note(row):
        if row["hidden"]:
            return f"n < {nps.HIDE_N}: hidden"
        parts = ["significant"] if row["significant"] else []
        return ", ".join(parts + (["low n"] if row["low_n"] else []))

    out = pd.DataFrame(
        {
            "Segment": latest["segment"],
            "NPS": latest["nps"],
            "95 % CI": latest.apply(ci, axis=1),
            "n": latest["n"],
            "Change": latest["change"],
            "p": latest["p_value"],
            "Note": latest.apply(note, axis=1),
        }
    ).sort_values("NPS", ascending=False, na_position="last")
    out.attrs["period"] = latest_period
    return out


SEGMENT_COLUMNS = {
    "NPS": st.column_config.NumberColumn(format="%+.1f", help="Net Promoter Score, −100…100"),
    "95 % CI": st.column_config.TextColumn(help="95 % adjusted-Wald interval"),
    "n": st.column_config.NumberColumn(format="localized", help="Responses"),
    "Change": st.column_config.NumberColumn(
        format="%+.1f", help="NPS points vs the previous period of the same segment"
    ),
    "p": st.column_config.NumberColumn(
        format="%.3f",
        help=f"Two-sample test of the change; significant when p < {1 - nps.LEVEL:.2f}",
    ),
    "Note": st.column_config.TextColumn(help=f"Low n: fewer than {nps.LOW_N} responses"),
}


def verbatims_section(database, query: nps.Query) -> None:
    st.header("Verbatims")
    c1, c2, c3 = st.columns([2, 1, 1])
    search = c1.text_input(
        "Search comments", key="verbatim_search", placeholder="e.g. bill, wait, courier"
    )
    band = c2.selectbox("Score band", ["all", *verbatims.BANDS], key="verbatim_band")
    unmask = c3.toggle(
        "Show personal data",
        value=False,
        key="verbatim_unmask",
        disabled=presenting(),
        help="E-mail addresses, phone numbers and long numbers are masked by "
        "default, so comments can be shown on a shared screen.",
    )
    frame = verbatims.verbatims(
        database,
        query,
        search=search,
        band=None if band == "all" else band,
        masked=presenting() or not unmask,
    )
    st.caption(
        plain(
            f"{len(frame):,} comments, newest first (at most 200), for the dates and filter "
            "chosen at the top of the page."
        )
    )
    frame = frame.assign(responded_at=natural_datetimes(frame["responded_at"]))
    view = frame.drop(columns=["id"]).rename(
        columns={"responded_at": "Responded", "score": "Score", "comment": "Comment"}
    )
    show_table(
        view,
        hide_index=True,
        key="verbatims_table",
        column_config={"Comment": st.column_config.TextColumn(width="large")},
    )
    st.download_button(
        "Download these comments (CSV)",
        safe_csv(view),
        file_name="verbatims.csv",
        mime="text/csv",
        key="verbatims_csv",
        on_click="ignore",
    )


FOLLOWUP_COLUMNS = {
    "survey_id": None,
    "responded_at": st.column_config.TextColumn("Responded"),
    "score": st.column_config.NumberColumn("Score"),
    "comment": st.column_config.TextColumn("Comment (masked)", width="large"),
    "department": st.column_config.TextColumn("Touchpoint department"),
    "owner_department": st.column_config.SelectboxColumn(
        "Owner", options=list(maturity.DEPARTMENTS), required=True
    ),
    "status": st.column_config.SelectboxColumn(
        "Status", options=list(followups.STATUSES), required=True
    ),
    "note": st.column_config.TextColumn("Note"),
}


def followup_section(database) -> None:
    st.header("Follow-up: close the loop")
    stats = followups.followup_stats(database)
    c1, c2, c3 = st.columns(3)
    c1.metric(
        "Open follow-ups (last 60 days)",
        f"{stats['open']:,}",
        help="Detractors of the last 60 days of data not yet resolved",
    )
    c2.metric(
        "Median days to close",
        "–" if stats["median_days_to_close"] is None else f"{stats['median_days_to_close']:.1f}",
        help="From the customer's response to the follow-up being resolved",
    )
    c3.metric(
        f"Resolved in {stats['month']}",
        f"{stats['resolved_in_month']:,}",
        help=f"Of {stats['detractors_in_month']:,} detractors that month",
    )
    frame = followups.followup_list(database, limit=200, notes_masked=presenting())
    if frame.empty:
        st.caption("No detractors in the last 60 days of data.")
        return
    frame["responded_at"] = natural_datetimes(frame["responded_at"])
    if presenting():  # shown, not edited: notes are masked like comments
        show_table(
            frame,
            hide_index=True,
            key="followups_table",
            column_config={
                **FOLLOWUP_COLUMNS,
                "note": st.column_config.TextColumn("Note (masked)"),
            },
        )
        return
    edited = edit_table(
        frame,
        hide_index=True,
        key="followups_editor",
        disabled=["survey_id", "responded_at", "score", "comment", "department"],
        column_config=FOLLOWUP_COLUMNS,
    )
    changed = edited[
        (
            edited[["owner_department", "status", "note"]]
            != frame[["owner_department", "status", "note"]]
        ).any(axis=1)
    ]
    if st.button(
        f"Save {len(changed)} change(s)",
        key="followups_save",
        disabled=changed.empty,
        type="primary",
    ):
        followups.save_followups(database, changed.to_dict("records"))
        st.toast(f"Saved {len(changed)} follow-up(s).")
        st.rerun()
