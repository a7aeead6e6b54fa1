"""What a point of NPS is worth, on the Drivers page: churn and revenue by NPS group from the
customers' outcomes, and the yearly revenue one point keeps (cxdata.outcomes)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from cxdata import outcomes, settings, store
from cxdata.formatting import money
from ui.common import (
    data_version,
    database_address,
    plain,
    presenting,
    show_table,
    work_ahead,
)

GROUP_NAMES = {
    "detractor": "Detractors (0–6)",
    "passive": "Passives (7–8)",
    "promoter": "Promoters (9–10)",
}


# No spinner of its own: it is also called from value_ahead's thread, where Streamlit has no
# page to draw one on (and logs a warning); the callers on the page wrap it in one.
@st.cache_data(max_entries=8, show_spinner=False)
def load_value(address: str, version: str) -> outcomes.OutcomeValue:
    return outcomes.value_of_nps(store.connect(address))


def value_of(database) -> outcomes.OutcomeValue:
    """What a point is worth on this database, under a spinner while it is worked out."""
    with st.spinner("Linking responses to outcomes…"):
        return load_value(database_address(), data_version(database))


def value_ahead(database) -> None:
    """Start working out what a point is worth in a background thread, when there are
    outcomes, so the page's other sections are drawn meanwhile (1.9 s at ten million
    responses, mostly SQLite, which works outside Python's lock). The section's own call then
    waits for it: the cache computes a value once, however many threads ask."""
    if not store.has_rows(database, "outcomes"):
        return
    work_ahead(load_value, database_address(), data_version(database))


def value_section(database) -> None:
    """The churn and revenue of each NPS group and the value of one point, or what to upload."""
    st.header("What is a point of NPS worth?")
    if not store.has_rows(database, "outcomes"):
        st.info(
            "Upload customer outcomes on the Data page (customer id, the date observed, churned "
            "yes/no and revenue per year, e.g. a CRM export at each renewal) to see how churn "
            "and revenue differ between detractors, passives and promoters, and what one point "
            "of NPS is worth a year."
        )
        return
    result = value_of(database)
    currency = settings.currency(database)
    st.markdown("### " + plain(outcomes.value_sentence(result, currency)))
    st.caption(plain(result.caveat))
    rows = []
    for group, name in GROUP_NAMES.items():
        g = result.by_group[group]
        rows.append(
            {
                "Group": name,
                "Customers": g.customers,
                "Churn": g.churn_rate,
                "Churn low": g.churn_ci[0] if g.churn_ci else None,
                "Churn high": g.churn_ci[1] if g.churn_ci else None,
                "Revenue a year": money(g.revenue_mean, currency),
            }
        )
    share = st.column_config.NumberColumn(format="percent")
    show_table(
        pd.DataFrame(rows),
        hide_index=True,
        key="value_table",
        column_config={
            "Customers": st.column_config.NumberColumn(
                format="localized", help="Outcomes linked to a relationship response before them"
            ),
            "Churn": share,
            "Churn low": st.column_config.NumberColumn("95 % low", format="percent"),
            "Churn high": st.column_config.NumberColumn("95 % high", format="percent"),
        },
    )
    up = result.value_passive_to_promoter
    if up.value is not None:
        st.markdown(
            plain(
                f"Moving 1 % of the customers from passive to promoter keeps about "
                f"{money(float(f'{up.value:.2g}'), currency)} a year."
            ),
            help=plain(
                f"Bootstrap interval {money(up.ci_low, currency)} to {money(up.ci_high, currency)}"
            ),
        )
    if not presenting() and result.message:
        st.caption(plain(result.message))
