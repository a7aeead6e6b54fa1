"""The organisation's settings on the Data page: its departments (names, other names they go
by, the follow-up SLA) and the currency money is shown in."""

from __future__ import annotations

import streamlit as st

from cxdata import departments, settings
from cxdata.errors import InputError
from ui.common import bullet_list, edit_table, plain

DEPARTMENT_COLUMNS = {
    "name": st.column_config.TextColumn(
        "Department", required=True, help="As people in the organisation call it"
    ),
    "aliases": st.column_config.TextColumn(
        "Also called",
        help="Other names the data uses for it, separated by commas (e.g. CS, Cust. Service): "
        "they count as this department everywhere",
    ),
    "sla_days": st.column_config.NumberColumn(
        "Follow-up SLA (days)",
        min_value=1,
        step=1,
        help="A detractor's follow-up is due this many days after the response (blank: 7)",
    ),
    "source": st.column_config.TextColumn(
        "From",
        disabled=True,
        help="Where the department came from: settings, the sample, "
        "the data (not saved yet), a maturity file, the questionnaire",
    ),
}


def settings_section(database) -> None:
    """The departments editor and the currency, each saved with a report of what it did."""
    st.header("Settings")
    st.subheader("Departments")
    st.caption(
        "The organisation's departments: every picker (follow-up owner, questionnaire, fix "
        "owner) offers this list, in this order. Departments found in the data are added at "
        "the end; rename, reorder (drag rows), add or remove them here."
    )
    frame = departments.table(database)
    # A blank SLA means the default: shown as the default's number, never "None".
    frame["sla_days"] = frame["sla_days"].fillna(departments.DEFAULT_SLA_DAYS).astype("Int64")
    frame["aliases"] = frame["aliases"].fillna("")
    edited = edit_table(
        frame,
        key="departments_editor",
        hide_index=True,
        num_rows="dynamic",
        column_config=DEPARTMENT_COLUMNS,
    )
    if st.button("Save departments", key="departments_save"):
        report = departments.save(database, edited)
        st.session_state["departments_report"] = report.to_dict()
        st.rerun()
    report = st.session_state.pop("departments_report", None)
    if report:
        st.toast(f"Saved {len(report['saved'])} department(s).")
        if report["rejected"]:
            st.error(
                f"{len(report['rejected'])} row(s) not saved:\n\n"
                + bullet_list(
                    [
                        f"row {r['row']} ({r['name'] or 'blank'}): {r['reason']}"
                        for r in report["rejected"]
                    ]
                )
            )
    st.subheader("Currency")
    current = settings.currency(database)
    left, right = st.columns([1, 3], vertical_alignment="bottom")
    typed = left.text_input(
        "Currency",
        value=current,
        key="settings_currency",
        max_chars=settings.MAX_CURRENCY_CHARS,
        help="A symbol (€, $, £) goes before amounts, a code (EUR, SEK) after them",
    )
    if right.button("Save currency", key="settings_currency_save", disabled=typed == current):
        try:
            settings.save_currency(database, typed)
        except InputError as exc:
            st.error(plain(str(exc)))
        else:
            st.toast(plain(f"Amounts are now shown in {typed or 'plain numbers'}."))
            st.rerun()
