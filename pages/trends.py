"""NPS trends: the score over time with honest intervals, segments, verbatims, follow-ups."""

import streamlit as st

from cxdata import charts, nps, store
from cxdata.formatting import column_label
from ui.common import (
    chart_downloads,
    chart_height,
    data_version,
    database_address,
    db,
    editing,
    no_survey_data,
    page_setup,
    plain,
    presenting,
    show_table,
)
from ui.trends import (
    SEGMENT_COLUMNS,
    chart_caption,
    controls,
    followup_section,
    load_annotations,
    load_trend,
    low_n_note,
    notes_editor,
    readout,
    segment_table,
    verbatims_section,
)

page_setup()
st.title("NPS trends")
database = db()
if not store.has_rows(database, "survey"):
    no_survey_data()
    st.stop()

period, query, segment = controls(database)
path, version = database_address(), data_version(database)
table = load_trend(path, version, period, query, None)
if table.empty:
    st.info("No responses match these filters.")
    st.stop()

readout(database, table.iloc[-1], period, query)
trend_chart = charts.nps_trend_chart(
    table,
    title=f"NPS by {period}, with 95 % interval",
    height=chart_height(320, "trend"),
    annotations=load_annotations(path, version) if period == "month" else None,
)
st.altair_chart(trend_chart, width="stretch", key="trend_chart")
st.caption(chart_caption(period))
low_n_note(table)
if editing():
    notes_editor(database)
shown = nps.without_hidden_counts(table)  # downloads: hidden periods keep n, not counts
if not presenting():
    chart_downloads(trend_chart, shown, f"nps_by_{period}", "trend")

left, right = st.columns([1, 1])
with left:
    composition = charts.composition_chart(table, height=chart_height(320, "bars"))
    st.altair_chart(composition, width="stretch", key="composition_chart")
    if not presenting():
        chart_downloads(
            composition,
            shown[["group", "n", "promoters", "passives", "detractors"]],
            f"composition_by_{period}",
            "composition",
        )
with right:
    if segment:
        seg = segment_table(load_trend(path, version, period, query, segment), segment)
        heading = f"By {column_label(segment).lower()}, {seg.attrs.get('period', '')}"
        st.markdown("**" + plain(heading) + "**")
        show_table(seg, hide_index=True, key="segment_table", column_config=SEGMENT_COLUMNS)
        st.caption(
            "Low and High: the 95 % interval. Change compares with the previous period of the "
            f"same segment. Few responses: fewer than {nps.LOW_N}; fewer than {nps.HIDE_N} "
            "are hidden."
        )
    else:
        st.caption(
            "Choose a segment above to compare channels, touchpoints, departments or regions."
        )

verbatims_section(database, query)
followup_section(database)
