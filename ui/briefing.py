"""Widgets of the Briefing page: the month's answer to "what are your results this month?"."""

from __future__ import annotations

import numpy as np
import streamlit as st

from cxdata import brief, milestones, store
from cxdata.errors import InputError
from ui.common import (
    chart_downloads,
    chart_height,
    data_version,
    database_address,
    keep_in_url,
    plain,
    presenting,
    url_choice,
)
from ui.value import value_ahead, value_of


@st.cache_data(max_entries=24, show_spinner="Preparing the briefing…")
def load_briefing(path: str, version: str, month: str | None) -> brief.Briefing:
    # Seeded as the command line seeds it, so the forecast's odds are the same in both.
    rng = np.random.default_rng(milestones.SEED)
    # Without what a point is worth: show() adds it from its own cache once the rest is on
    # the screen (the same for every month, shared with the Drivers and Milestones pages;
    # seconds at ten million responses with outcomes).
    return brief.briefing(store.connect(path), month, rng=rng, value_of_nps=None)


def month_picker(database) -> str:
    months = brief.months_with_responses(database)
    default = brief.latest_complete_month(database)
    wanted = url_choice("month", months, default, label=brief.month_name)
    month = st.selectbox(
        "Month",
        months,
        index=months.index(wanted) if wanted in months else 0,
        format_func=brief.month_name,
        key="month",
        label_visibility="collapsed",
    )
    keep_in_url({"month": month}, {"month": default})
    return month


def header(database) -> brief.Briefing:
    title, picker, download = st.columns([3, 1, 1], vertical_alignment="center")
    with picker:
        month = month_picker(database)
    b = load_briefing(database_address(), data_version(database), month)
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
    for col, card in zip(cols, brief.cards(b)):
        col.metric(card.label, card.value, border=True, help=plain(card.help) or None)
        if card.caption:
            col.caption(plain(card.caption))


def story(b: brief.Briefing) -> None:
    st.markdown("### " + plain(f"“{brief.sentence(b)}”"))


def chart_and_movers(b: brief.Briefing) -> None:
    left, right = st.columns([2, 1])
    with left:
        chart = brief.trend_chart(b, height=chart_height(300, "trend"))
        if chart is not None:
            st.altair_chart(chart, width="stretch", key="brief_chart")
            with st.container(key="controls_downloads"):
                chart_downloads(chart, b.chart_table, f"nps_by_month_{b.month}", "brief")
    with right:
        st.markdown("**Moved this month**")
        st.caption(plain(brief.movers_heading(b).capitalize() + "."))
        if not b.movers:
            st.markdown(plain("No segment changed beyond what chance explains."))
        for m in b.movers:
            st.markdown(plain(brief.mover_line(m)), help=plain(brief.mover_detail(m)))


def actions_and_voices(b: brief.Briefing) -> None:
    left, right = st.columns([2, 1])
    with left:
        st.markdown("**Fixes and follow-up**")
        st.markdown("\n".join(f"- {plain(line)}" for line in brief.action_lines(b)))
    with right:
        st.markdown("**Voices** (personal data masked)")
        for q in b.quotes:
            st.markdown(plain(f"{q['score']} — “{q['comment']}”"))


def empty_state() -> None:
    """No responses yet: off to the Data page (what to upload, the sample); the text below is
    what shows if the switch cannot happen (e.g. the page is run on its own)."""
    try:
        st.switch_page("pages/data.py")
    except st.errors.StreamlitAPIException:
        pass
    st.title("CX briefing")
    st.info(
        "No touchpoint survey responses yet. Upload an export on the Data page, or load the "
        'sample data there; the briefing then answers "what are your results this month?".'
    )
    st.page_link("pages/data.py", label="Go to the Data page", icon=":material/upload_file:")


def show(database) -> None:
    value_ahead(database)  # worked out while the rest of the briefing is
    try:
        b = header(database)
    except InputError as exc:
        st.error(plain(str(exc)))
        return
    top_band(b)
    story(b)
    chart_and_movers(b)
    if store.has_rows(database, "outcomes"):  # the figures above are on the screen meanwhile
        b.value = value_of(database)
    actions_and_voices(b)
    if not presenting():
        st.caption(
            "Switch on presentation mode in the sidebar (or add ?present=1 to the address) "
            "for the monthly screen share."
        )
