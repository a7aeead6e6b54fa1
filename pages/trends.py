"""NPS trends: the score over time with honest intervals, segments, verbatims, follow-ups."""

import streamlit as st

from cxdata import charts, nps, store
from ui.common import (
    chart_downloads,
    data_version,
    db,
    no_survey_data,
    page_setup,
    plain,
    show_table,
)
from ui.trends import (
    SEGMENT_COLUMNS,
    change_text,
    controls,
    followup_section,
    load_trend,
    low_n_note,
    partial_note,
    rolling_text,
    segment_table,
    verbatims_section,
)

page_setup()
st.title("NPS trends")
database = db()
if store.count_rows(database, "survey") == 0:
    no_survey_data()
    st.stop()

period, query, segment = controls(database)
path, version = str(store.database_path()), data_version(database)
table = load_trend(path, version, period, query, None)
if table.empty:
    st.info("No responses match these filters.")
    st.stop()

latest = table.iloc[-1]
if not latest["hidden"]:
    st.markdown(
        plain(
            f"Latest {period} ({latest['group']}{partial_note(database, query, period)}): "
            f"NPS {latest['nps']:+.1f} (95 % CI {latest['ci_low']:+.1f} to "
            f"{latest['ci_high']:+.1f}, n = {latest['n']:,}){change_text(latest, period)}."
            + rolling_text(latest, period)
        )
    )
trend_chart = charts.nps_trend_chart(table, title=f"NPS by {period}, with 95 % interval")
st.altair_chart(trend_chart, width="stretch", key="trend_chart")
st.caption(
    "Band: 95 % adjusted-Wald interval (not drawn for low-n periods; see the tooltip). "
    f"Dashed: rolling NPS over the last 3 calendar {period}s, counts pooled; drawn when at "
    f"least 2 of the 3 had responses (the tooltip says how many). "
    f"Diamonds mark a significant change from the previous period (p < {1 - nps.LEVEL:.2f}); "
    f"triangles mark periods with fewer than {nps.LOW_N} responses."
)
low_n_note(table)
shown = nps.without_hidden_counts(table)  # downloads: hidden periods keep n, not counts
chart_downloads(trend_chart, shown, f"nps_by_{period}", "trend")

left, right = st.columns([1, 1])
with left:
    composition = charts.composition_chart(table)
    st.altair_chart(composition, width="stretch", key="composition_chart")
    chart_downloads(
        composition,
        shown[["group", "n", "promoters", "passives", "detractors"]],
        f"composition_by_{period}",
        "composition",
    )
with right:
    if segment:
        seg = segment_table(load_trend(path, version, period, query, segment))
        st.markdown("**" + plain(f"By {segment}, {seg.attrs.get('period', '')}") + "**")
        show_table(seg, hide_index=True, key="segment_table", column_config=SEGMENT_COLUMNS)
        st.caption(
            "Change and p compare with the previous period of the same segment. "
            f"Low n: fewer than {nps.LOW_N} responses; fewer than {nps.HIDE_N} are hidden."
        )
    else:
        st.caption(
            "Choose a segment above to compare channels, touchpoints, departments or regions."
        )

verbatims_section(database, query)
followup_section(database)
