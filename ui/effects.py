"""The measured effect of each shipped fix, on the Milestones page (cxdata.effects): were the
resources well used?"""

from __future__ import annotations

import re

import streamlit as st

from cxdata import brief, effects, milestones, settings, store
from cxdata.formatting import money, period_label
from cxdata.wording import driver_label
from ui.common import bullet_list, data_version, database_address, plain, presenting, show_table
from ui.value import value_of

MARKERS = {"worked": "▲", "worse": "▼", "no effect": "●"}


@st.cache_data(max_entries=16, show_spinner="Measuring the shipped fixes…")
def load_effects(address: str, version: str, scenario: str):
    database = store.connect(address)
    return effects.measured_effects(database, milestones.load_initiatives(database, scenario))


def effects_section(database, scenario: str) -> None:
    """Each shipped fix's measured effect on its segment against the plan, and the line the
    Briefing gives."""
    frame = load_effects(database_address(), data_version(database), scenario)
    if frame.empty and milestones.load_initiatives(database, scenario).empty:
        return  # no portfolio yet: the portfolio section says what to do
    st.subheader("Shipped fixes: measured against the plan")
    if store.has_rows(database, "outcomes"):
        value = value_of(database)
        currency = settings.currency(database)
        line = brief.value_line(value, milestones.saved_goal(database), currency)
        if presenting():  # the interval on hover, as every statistic on the screen share
            interval = re.search(r" \(\d+ % interval [^)]*\)", line)
            shown = line.replace(interval.group(0), "") if interval else line
            st.markdown(
                plain(shown), help=plain(interval.group(0).strip(" ()")) if interval else None
            )
        else:
            st.markdown(plain(line))
    if frame.empty:
        st.caption(
            "No fix of this scenario has shipped yet. Give a fix its shipping date (and the "
            "segment it should move, e.g. touchpoint=Billing enquiry) to see its measured "
            "effect here."
        )
        return
    st.markdown(plain(effects.shipped_summary(frame)["text"]))
    currency = settings.currency(database)
    table = frame.assign(
        shipped=frame["shipped_at"].astype(str).str[:7].map(period_label),
        segment=frame["segment"].fillna("").map(lambda v: driver_label(v) if v else "whole NPS"),
        cost_per_point=frame["cost_per_point"].map(lambda v: money(v, currency)),
        # A marker first: a verdict starting "+28 points" would be shown as a neutralised
        # formula ("'+28 …") by the table's guard against spreadsheet formulas.
        verdict=[f"{MARKERS.get(o, '·')} {v}" for o, v in zip(frame["outcome"], frame["verdict"])],
    )
    columns = {
        "name": st.column_config.TextColumn("Fix"),
        "segment": st.column_config.TextColumn("Where it should show"),
        "shipped": st.column_config.TextColumn("Shipped"),
        "effect": st.column_config.NumberColumn(
            "Measured (points)",
            format="%+.1f",
            help="The segment's change in NPS from the 3 months before shipping to the months "
            "after the ramp, minus the same change in the rest of the responses",
        ),
        "ci_low": st.column_config.NumberColumn("95 % low", format="%+.1f"),
        "ci_high": st.column_config.NumberColumn("95 % high", format="%+.1f"),
        "overall_effect": st.column_config.NumberColumn(
            "On the overall NPS", format="%+.1f", help="Measured × the segment's share of responses"
        ),
        "expected": st.column_config.NumberColumn(
            "Planned", format="%+.1f", help="The fix's likely effect in the portfolio"
        ),
        "cost_per_point": st.column_config.TextColumn(
            "Cost per measured point", help="Only for a fix that worked"
        ),
        "verdict": st.column_config.TextColumn("Verdict", width="large"),
    }
    if presenting():  # lines that wrap: a wide table would cut the verdicts off on the screen
        st.markdown(
            bullet_list(
                [
                    f"{r.name} ({r.segment}, shipped {r.shipped}): {r.verdict}"
                    for r in table.itertuples()
                ]
            )
        )
        return
    shown = ["name", "segment", "shipped", "effect", "ci_low", "ci_high", "overall_effect"]
    shown += ["expected", "cost_per_point", "verdict"]
    show_table(table[shown], hide_index=True, key="effects_table", column_config=columns)
