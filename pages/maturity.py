"""Maturity: how mature the CX practice is, department by department, and what to do next."""

import streamlit as st

from cxdata import store
from ui.common import data_version, db, page_setup
from ui.maturity import (
    load_results,
    questionnaire,
    results_section,
    upload_section,
)

page_setup()
st.title("CX maturity")
database = db()
history, results = load_results(str(store.database_path()), data_version(database))
if history:
    results_section(database, history, results)
else:
    st.info(
        "No assessment yet. Take the questionnaire below for each department, or upload an "
        "assessment as CSV. The sample data on the Data page includes one."
    )
questionnaire(database)
upload_section(database)
