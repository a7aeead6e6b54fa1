"""Widgets of the NPS trends page: controls kept in the URL, cached loaders, the sections."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from cxdata import departments, effects, followups, milestones, nps, store, verbatims, wording
from cxdata.errors import InputError
from cxdata.export import safe_csv
from cxdata.formatting import column_label, natural_date, natural_datetimes, plus_minus_points
from ui.common import (
    bullet_list,
    data_version,
    database_address,
    edit_table,
    editing,
    keep_in_url,
    link_adjusted,
    plain,
    presenting,
    show_table,
    url_choice,
)

PERIOD_LABELS = {"week": "Week", "month": "Month", "quarter": "Quarter", "year": "Year"}
NO_SEGMENT = "(none)"
SEARCH_LIMIT = 200  # characters of verbatim search text read back from a link


def filter_label(value: str) -> str:
    """A ``column:value`` filter choice as people read it: ``Channel = Email``."""
    if not value:
        return "All responses"
    column, _, chosen = value.partition(":")
    return f"{column_label(column)} = {chosen}"


def url_dates(first: date, last: date) -> tuple[date, date]:
    """The From / To dates of the link, clamped to the data's span ``first``…``last``: a
    malformed date is the span's end, dates in the wrong order are swapped, dates outside
    the data (a link from before a data set was deleted) are moved inside it, with a note."""
    problems = []

    def read(name: str, default: date) -> date:
        raw = st.query_params.get(name)
        if raw is None:
            return default
        try:
            return date.fromisoformat(raw)
        except ValueError:
            problems.append(f"'{raw}' is not a date")
            return default

    start, end = read("from", first), read("to", last)
    if start > end:
        start, end = end, start
        problems.append("from was after to")
    clamped = min(max(start, first), last), min(max(end, first), last)
    if clamped != (start, end):
        problems.append(f"{natural_date(start)} – {natural_date(end)} is outside the data")
    if problems:
        span = f"{wording.period_name(first.isoformat()[:7])} – "
        span += wording.period_name(last.isoformat()[:7])
        link_adjusted(f"{'; '.join(problems)}, dates adjusted to the data: {span}")
    return clamped


def _keep_in(key: str, value: date, first: date, last: date) -> None:
    """Seed a date widget's state from the link, or keep the state it has, inside the data
    (a data set deleted while the page was open must not leave it outside its bounds)."""
    held = st.session_state.get(key)
    chosen = held if isinstance(held, date) else value
    st.session_state[key] = min(max(chosen, first), last)


def controls(database) -> tuple[str, nps.Query, str | None]:
    """Period, date range, segment and one column = value filter; all mirrored in the URL
    and read back from it validated (with a note where the link did not fit the data)."""
    span = nps.date_span(database)
    first, last = date.fromisoformat(span[0]), date.fromisoformat(span[1])
    periods = list(PERIOD_LABELS)
    period_wanted = url_choice("period", periods, "month", label=PERIOD_LABELS.get)
    start_wanted, end_wanted = url_dates(first, last)
    columns = store.table_columns(database, "survey")
    segment_options = [NO_SEGMENT] + [c for c in nps.SEGMENTS if c in columns]
    segment_default = "channel" if "channel" in segment_options else NO_SEGMENT
    segment_wanted = url_choice("segment", segment_options, segment_default, label=_segment_label)
    filter_options = [""] + _filter_values(
        database_address(), data_version(database), tuple(nps.SEGMENTS)
    )
    filter_wanted = url_choice("filter", filter_options, "", label=filter_label)

    _keep_in("from", start_wanted, first, last)
    _keep_in("to", end_wanted, first, last)
    c1, c2, c3, c4, c5 = st.container(key="controls_trends").columns([1, 1, 1, 1.2, 1.6])
    period = c1.selectbox(
        "Period",
        periods,
        format_func=PERIOD_LABELS.get,
        key="period",
        index=periods.index(period_wanted),
    )
    start = c2.date_input("From", min_value=first, max_value=last, key="from", format="DD/MM/YYYY")
    end = c3.date_input("To", min_value=first, max_value=last, key="to", format="DD/MM/YYYY")
    if start > end:
        start, end = end, start
    segment = c4.selectbox(
        "Compare segments",
        segment_options,
        key="segment",
        index=segment_options.index(segment_wanted),
        format_func=_segment_label,
    )
    chosen = c5.selectbox(
        "Filter",
        filter_options,
        key="filter",
        index=filter_options.index(filter_wanted),
        format_func=filter_label,
    )
    where: tuple = ()
    if chosen:
        column, value = chosen.split(":", 1)
        where = ((column, value),)
    keep_in_url(
        {
            "period": period,
            "from": start.isoformat(),
            "to": end.isoformat(),
            "segment": segment,
            "filter": chosen,
        },
        {
            "period": "month",
            "from": first.isoformat(),
            "to": last.isoformat(),
            "segment": segment_default,
            "filter": "",
        },
    )
    query = nps.Query(date_from=start.isoformat(), date_to=end.isoformat(), where=where)
    return period, query, None if segment == NO_SEGMENT else segment


def _segment_label(value: str) -> str:
    return "None" if value == NO_SEGMENT else column_label(value)


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


def readout(database, latest: pd.Series, period: str, query: nps.Query) -> None:
    """The latest period in plain words (one line of facts, one verdict); the interval, p and
    the tests in its tooltip and, outside presentation mode, in a detail line below it."""
    if latest["hidden"]:
        st.markdown(plain(wording.trend_sentence(latest, period)))
        return
    detail = wording.trend_detail(latest, period) + rolling_text(latest, period)
    sentence = wording.trend_sentence(latest, period, running_until(database, query, period))
    st.markdown("**" + plain(sentence) + "**", help=plain(detail))
    if not presenting():
        st.caption(plain(detail))


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
        f"{plus_minus_points(row['detectable_change'])} is needed at this volume"
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


def running_until(database, query: nps.Query, period: str) -> str | None:
    """The last day with data when the latest period is still running (its last day has no
    data yet), else None."""
    last = nps.last_day_before(
        database, nps.day_after(query.date_to) if query.date_to else "9999-12-31"
    )
    if last is None:
        return None
    day_after = (pd.Timestamp(last) + pd.Timedelta(days=1)).strftime("%Y-%m-%d")
    labels = nps.period_label(pd.Series([last, day_after]), period)
    return last if labels[0] == labels[1] else None


def chart_caption(period: str) -> str:
    """What the trend chart's marks mean: in words on the screen share, with the statistics
    otherwise."""
    if presenting():
        return (
            "Band: where the true NPS most likely lies (95 % confidence). Dashed: NPS over the "
            f"last 3 {period}s together. Diamonds: a real change from the {period} before."
        )
    return (
        "Band: 95 % adjusted-Wald interval (paler for low-n periods; see the tooltip). "
        f"Dashed: rolling NPS over the last 3 calendar {period}s, counts pooled; drawn when at "
        f"least 2 of the 3 had responses (the tooltip says how many). "
        f"Diamonds mark a significant change from the previous period (p < {1 - nps.LEVEL:.2f}); "
        f"triangles mark periods with fewer than {nps.LOW_N} responses."
    )


def low_n_note(table: pd.DataFrame) -> None:
    flagged = table[table["low_n"]]
    if flagged.empty:
        return
    parts = [
        f"{wording.period_name(g)} ({n:,} responses{', hidden' if h else ''})"
        for g, n, h in zip(flagged["group"], flagged["n"], flagged["hidden"])
    ]
    st.warning(
        plain(
            "Few responses — read with care: " + ", ".join(parts) + ". Periods with fewer "
            f"than {nps.LOW_N} responses are flagged; fewer than {nps.HIDE_N} are hidden."
        ),
        icon=":material/warning:",
    )


def segment_table(seg: pd.DataFrame, segment: str = "segment") -> pd.DataFrame:
    """The latest period per segment value: NPS, its 95 % interval as two numbers (low,
    high), responses, change vs the previous period, p (only outside presentation mode) and a
    note. The first column is named after the segment ("Channel")."""
    if seg.empty:
        return seg
    latest_period = seg["group"].max()
    latest = seg[seg["group"] == latest_period].copy()
    hidden = latest["hidden"].astype(bool)

    def note(row):
        if row["hidden"]:
            return f"hidden (fewer than {nps.HIDE_N})"
        parts = ["real change"] if row["significant"] else []
        return ", ".join(parts + (["few responses"] if row["low_n"] else []))

    out = pd.DataFrame(
        {
            column_label(segment): latest["segment"],
            "NPS": latest["nps"],
            "Low": latest["ci_low"].where(~hidden),
            "High": latest["ci_high"].where(~hidden),
            "Responses": latest["n"],
            "Change": latest["change"],
            "p": latest["p_value"],
            "Note": latest.apply(note, axis=1),
        }
    ).sort_values("NPS", ascending=False, na_position="last")
    if presenting():
        out = out.drop(columns=["p"])
    out.attrs["period"] = wording.period_name(latest_period)
    return out


SEGMENT_COLUMNS = {
    "NPS": st.column_config.NumberColumn(format="%+.1f", help="Net Promoter Score, −100…100"),
    "Low": st.column_config.NumberColumn(
        format="%+.0f", help="Low end of the 95 % interval (adjusted Wald)"
    ),
    "High": st.column_config.NumberColumn(
        format="%+.0f", help="High end of the 95 % interval (adjusted Wald)"
    ),
    "Responses": st.column_config.NumberColumn(format="localized"),
    "Change": st.column_config.NumberColumn(
        format="%+.1f", help="NPS points vs the previous period of the same segment"
    ),
    "p": st.column_config.NumberColumn(
        format="%.3f",
        help=f"Two-sample test of the change; significant when p < {1 - nps.LEVEL:.2f}",
    ),
    "Note": st.column_config.TextColumn(
        help=f"Few responses: fewer than {nps.LOW_N}; real change: significant at 95 %"
    ),
}


def verbatim_filters() -> tuple[str, str]:
    """Search text and score band, kept in the URL (``search``, ``band``) and read back
    validated: the text cut at SEARCH_LIMIT characters, an unknown band shown as all."""
    bands = ["all", *verbatims.BANDS]
    search = st.query_params.get("search", "")
    if len(search) > SEARCH_LIMIT:
        link_adjusted(f"the search text is cut to its first {SEARCH_LIMIT} characters")
        search = search[:SEARCH_LIMIT]
    band = url_choice("band", bands, "all")
    st.session_state.setdefault("verbatim_search", search)
    st.session_state.setdefault("verbatim_band", band)
    return search, band


def verbatims_section(database, query: nps.Query) -> None:
    st.header("Verbatims")
    verbatim_filters()
    c1, c2, c3 = st.columns([2, 1, 1])
    search = c1.text_input(
        "Search comments",
        key="verbatim_search",
        max_chars=SEARCH_LIMIT,
        placeholder="e.g. bill, wait, courier",
    )
    band = c2.selectbox("Score band", ["all", *verbatims.BANDS], key="verbatim_band")
    unmask = False
    if editing():
        unmask = c3.toggle(
            "Show personal data",
            value=False,
            key="verbatim_unmask",
            help="E-mail addresses, phone numbers and long numbers are masked by "
            "default, so comments can be shown on a shared screen.",
        )
    for name, value, default in (("search", search, ""), ("band", band, "all")):
        if value == default:
            st.query_params.pop(name, None)
        else:
            st.query_params[name] = value
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
    view = view.rename(columns={c: column_label(c) for c in view.columns if c.islower()})
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


def followup_columns(owners: list[str]) -> dict:
    """The follow-up table's columns: what the team edits (owner, assignee, due, status,
    note) and what it reads."""
    return {
        "survey_id": None,
        "response_id": st.column_config.TextColumn("Response"),
        "responded_at": st.column_config.TextColumn("Responded"),
        "score": st.column_config.NumberColumn("Score"),
        "comment": st.column_config.TextColumn("Comment (masked)", width="large"),
        "department": None,
        "owner_department": st.column_config.SelectboxColumn(
            "Owner", options=owners, required=True, help="The department that owns the case"
        ),
        "assignee": st.column_config.TextColumn(
            "Assignee", help="The person who calls the customer back: a name or an e-mail"
        ),
        "due": st.column_config.TextColumn(
            "Due",
            help="YYYY-MM-DD. Set from the owner's SLA (7 days after the response unless the "
            "department's SLA says otherwise); type a date to change it, clear it to go back "
            "to the SLA.",
        ),
        "status": st.column_config.SelectboxColumn(
            "Status", options=list(followups.STATUSES), required=True
        ),
        "overdue": st.column_config.CheckboxColumn(
            "Overdue", help="Not resolved and past its due date (today's date, UTC)"
        ),
        "note": st.column_config.TextColumn("Note", width="medium"),
        "closed_at": st.column_config.TextColumn("Closed"),
    }


FOLLOWUP_EDITABLE = ["owner_department", "assignee", "due", "status", "note"]
ANY = "(any)"


def followup_filters(owners: list[str]) -> dict:
    """Owner, assignee, status and overdue pickers; the filters followup_list takes."""
    c1, c2, c3, c4 = st.columns([1.2, 1.2, 1, 0.8], vertical_alignment="bottom")
    owner = c1.selectbox("Owner", [ANY, *owners], key="fu_owner")
    assignee = c2.text_input(
        "Assignee", key="fu_assignee", placeholder="anyone", help="A name or e-mail, exactly"
    )
    status = c3.selectbox("Status", [ANY, *followups.STATUSES], key="fu_status")
    overdue = c4.toggle("Overdue only", key="fu_overdue")
    return {
        "owner": None if owner == ANY else owner,
        "assignee": assignee.strip() or None,
        "status": None if status == ANY else status,
        "overdue": overdue,
    }


@st.cache_data(max_entries=8, show_spinner=False)
def load_followup_stats(path: str, version: str, today: str) -> dict:
    """The loop's numbers: a follow-up saved changes the data version, and "overdue" the
    day (0.9 s at ten million responses, so not on every rerun)."""
    return followups.followup_stats(store.connect(path), today=today)


def followup_section(database) -> None:
    st.header("Follow-up: close the loop")
    stats = load_followup_stats(database_address(), data_version(database), followups.today_utc())
    month = wording.period_name(stats["month"])
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(
        "Open follow-ups (last 60 days)",
        f"{stats['open']:,}",
        help="Detractors of the last 60 days of data not yet resolved",
    )
    c2.metric(
        "Overdue",
        f"{stats['overdue']:,}",
        help="Open or contacted follow-ups past their due date, as of today (UTC)",
    )
    c3.metric(
        "Median days to close",
        "–" if stats["median_days_to_close"] is None else f"{stats['median_days_to_close']:.1f}",
        help="From the customer's response to the follow-up being resolved",
    )
    c4.metric(
        f"Closed in {month}",
        f"{stats['resolved_in_month']:,}",
        help=f"Follow-ups resolved in {month}, counted by the date they were closed. Of the "
        f"{stats['detractors_in_month']:,} detractors who responded in {month}, "
        f"{stats['detractors_resolved']:,} are resolved so far.",
    )
    owners = departments.names(database)
    filters = followup_filters(owners)
    frame = followups.followup_list(database, limit=200, notes_masked=presenting(), **filters)
    if frame.empty:
        st.caption("No detractors' follow-ups match, in the last 60 days of data.")
        return
    frame["responded_at"] = natural_datetimes(frame["responded_at"])
    frame["closed_at"] = natural_datetimes(frame["closed_at"])
    frame["assignee"] = frame["assignee"].fillna("")
    frame["note"] = frame["note"].fillna("")
    frame["due"] = frame["due"].fillna("")
    columns = followup_columns(sorted({*owners, *frame["owner_department"].dropna()}))
    if presenting():  # shown, not edited: notes are masked like comments
        show_table(
            frame,
            hide_index=True,
            key="followups_table",
            column_config={**columns, "note": st.column_config.TextColumn("Note (masked)")},
        )
        return
    edited = edit_table(
        frame,
        hide_index=True,
        key="followups_editor",
        disabled=[c for c in frame.columns if c not in FOLLOWUP_EDITABLE],
        column_config=columns,
    )
    changed = edited[(edited[FOLLOWUP_EDITABLE] != frame[FOLLOWUP_EDITABLE]).any(axis=1)]
    if st.button(
        f"Save {len(changed)} change(s)",
        key="followups_save",
        disabled=changed.empty,
        type="primary",
    ):
        report = followups.save_followups(database, changed.to_dict("records"))
        st.session_state["followups_saved"] = (report.saved, report.lines())
        st.rerun()
    saved = st.session_state.pop("followups_saved", None)
    if saved:
        count, problems = saved
        st.toast(f"Saved {count} follow-up(s).")
        if problems:
            st.error(f"{len(problems)} change(s) not saved:\n\n" + bullet_list(problems))


@st.cache_data(max_entries=8, show_spinner=False)
def load_annotations(address: str, version: str) -> pd.DataFrame:
    """The marks on the monthly trend: shipped fixes of the base portfolio and the notes."""
    database = store.connect(address)
    return effects.annotations(database, milestones.load_initiatives(database, "base"))


def notes_editor(database) -> None:
    """Notes marked on the trend at their month ("price rise", "new IVR"), added and removed."""
    with st.expander("Notes on the trend"):
        st.caption(
            "Events that explain a move (a price rise, a new IVR): marked on the monthly "
            "trend chart and the briefing's, beside the fixes shipped."
        )
        c1, c2, c3 = st.columns([1, 3, 1], vertical_alignment="bottom")
        month = c1.text_input("Month", placeholder="2026-10", key="note_month")
        text = c2.text_input("Note", max_chars=120, key="note_text")
        if c3.button("Add note", key="note_add", disabled=not (month and text.strip())):
            try:
                effects.add_note(database, month.strip(), text)
            except InputError as exc:
                st.error(plain(str(exc)))
            else:
                st.rerun()
        stored = effects.notes(database)
        for row in stored.itertuples():
            left, right = st.columns([5, 1], vertical_alignment="center")
            left.markdown(plain(f"{wording.period_name(row.month)}: {row.text}"))
            if right.button("Remove", key=f"note_remove_{row.id}"):
                effects.delete_note(database, int(row.id))
                st.rerun()
