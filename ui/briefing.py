"""Widgets of the Briefing page: the month's answer to "what are your results this month?"."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from cxdata import brief, charts, milestones, store
from cxdata.errors import InputError
from cxdata.formatting import signed
from ui.common import chart_downloads, data_version, plain, presenting


@st.cache_data(max_entries=24, show_spinner="Preparing the briefing…")
def load_briefing(path: str, version: str, month: str | None) -> brief.Briefing:
    return brief.briefing(store.connect(path), month)


def month_picker(database) -> str:
    months = brief.months_with_responses(database)
    default = brief.latest_complete_month(database)
    wanted = st.query_params.get("month", default)
    month = st.selectbox(
        "Month",
        months,
        index=months.index(wanted) if wanted in months else 0,
        format_func=brief.month_name,
        key="month",
        label_visibility="collapsed",
    )
    st.query_params["month"] = month
    return month


def header(database) -> brief.Briefing:
    title, picker, download = st.columns([3, 1, 1], vertical_alignment="center")
    with picker:
        month = month_picker(database)
    b = load_briefing(str(store.database_path()), data_version(database), month)
    title.title(plain(f"{b.month_name} · CX briefing"))
    with download.container(key="controls_brief"):
        st.download_button(
            "Download brief",
            lambda: brief.render_html(b).encode("utf-8"),
            file_name=f"cx-brief-{b.month}.html",
            mime="text/html",
            icon=":material/download:",
            key="brief_html",
            on_click="ignore",
            help="A standalone HTML page with the same content; opens offline.",
        )
    return b


def top_band(b: brief.Briefing) -> None:
    cols = st.columns([1, 1.1, 1, 1.35, 1.1])
    margin = f" · ±{b.margin:.0f}" if b.margin is not None else ""
    low_n = " · low n" if b.n < 30 else ""
    cols[0].metric("NPS", signed(b.nps, 0), border=True, help="95 % adjusted-Wald interval")
    cols[0].caption(plain(f"n = {b.n:,}{margin}{low_n}"))
    prev = b.previous
    if prev and prev.change is not None:
        cols[1].metric(f"vs {prev.label}", signed(prev.change, 0), border=True)
        cols[1].caption(
            plain(
                f"p = {prev.p_value:.2f} · "
                + ("significant" if prev.significant else "not significant")
            )
        )
    else:
        cols[1].metric("vs previous month", "–", border=True)
    if b.rolling:
        half = (b.rolling["ci_high"] - b.rolling["ci_low"]) / 2
        cols[2].metric(
            "3-month NPS", f"{signed(b.rolling['rolling_nps'], 0)} ±{half:.0f}", border=True
        )
        cols[2].caption(plain(f"milestone {signed(b.rolling['milestone'], 0)}"))
        end = b.goal.month_label(b.goal.horizon)
        label = f"Goal: {signed(b.goal.target, 0)} by {milestones.month_name(end)}"
        marker = {"behind": "▼", "on track": "●", "ahead": "▲"}[b.rolling["status"]]
        cols[3].metric(label, b.rolling["status"].capitalize(), border=True)
        held = b.rolling["held"]
        cols[3].caption(plain(f"{marker} {held} month{'s' if held != 1 else ''} running"))
    else:
        cols[2].metric("3-month NPS", "–", border=True)
        cols[3].metric("Goal", "–", border=True)  # a long word would be cut off in the card
        cols[3].caption("No status yet: set a goal on the Milestones page.")
    if b.maturity:
        cols[4].metric("Maturity", f"Stage {b.maturity['stage']}", border=True)
        cols[4].caption(plain(f"{b.maturity['stage_name']} · weakest: {b.maturity['weakest']}"))
    else:
        cols[4].metric("Maturity", "–", border=True)
        cols[4].caption("Not assessed yet: see the Maturity page.")


def story(b: brief.Briefing) -> None:
    st.markdown("### " + plain(f"“{brief.sentence(b)}”"))


def chart_and_movers(b: brief.Briefing) -> None:
    left, right = st.columns([2, 1])
    with left:
        table = pd.DataFrame(b.trend) if b.trend is not None else pd.DataFrame()
        if not table.empty:
            from cxdata import nps

            table = nps.rolling(table)
            if b.goal is not None:
                path = milestones.milestone_path(b.goal).set_index("date")["target"]
                table["milestone"] = table["group"].map(path)
            chart = charts.nps_trend_chart(
                table,
                title="NPS by month, 95 % band; milestone path dotted orange",
                height=300,
            )
            st.altair_chart(chart, width="stretch", key="brief_chart")
            with st.container(key="controls_downloads"):
                chart_downloads(chart, table, f"nps_by_month_{b.month}", "brief")
    with right:
        st.markdown("**Moved this month** (significant changes)")
        if not b.movers:
            st.markdown(plain("No segment changed significantly from last month."))
        for m in b.movers:
            arrow = "▲" if m["change"] > 0 else "▼"
            st.markdown(
                plain(
                    f"{arrow} {m['segment']} ({m['column']}): {signed(m['nps'], 0)}, "
                    f"{signed(m['change'], 0)} (n = {m['n']:,})"
                )
            )


def actions_and_voices(b: brief.Briefing) -> None:
    left, right = st.columns([2, 1])
    with left:
        st.markdown("**Fixes and follow-up**")
        shipped = ", ".join(s["name"] for s in b.shipped) if b.shipped else "none"
        lines = [f"Shipped this month: {shipped}."]
        if b.spend:
            per = f"{b.points_per_100k:.1f}" if b.points_per_100k is not None else "–"
            lines.append(
                f"Spend on fixes so far: {b.spend:,.0f} for {b.expected_points:.1f} expected "
                f"NPS points ({per} per 100,000)."
            )
        lines.append(
            f"Problems closed: {b.problems_closed:,} follow-ups resolved; "
            f"{b.detractors:,} detractors this month."
        )
        st.markdown("\n".join(f"- {plain(line)}" for line in lines))
    with right:
        st.markdown("**Voices** (personal data masked)")
        for q in b.quotes:
            st.markdown(plain(f"{q['score']} — “{q['comment']}”"))


def empty_state() -> None:
    st.title("CX briefing")
    st.info(
        "No touchpoint survey responses yet. Upload an export on the Data page, or load the "
        'sample data there; the briefing then answers "what are your results this month?".'
    )
    st.page_link("pages/data.py", label="Go to the Data page", icon=":material/upload_file:")


def show(database) -> None:
    try:
        b = header(database)
    except InputError as exc:
        st.error(plain(str(exc)))
        return
    top_band(b)
    story(b)
    chart_and_movers(b)
    actions_and_voices(b)
    if not presenting():
        st.caption(
            "Switch on presentation mode in the sidebar (or add ?present=1 to the address) "
            "for the monthly screen share."
        )
