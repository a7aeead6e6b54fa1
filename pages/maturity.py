"""Maturity: how mature the CX practice is, department by department, and what to do next."""

import streamlit as st

from ui.common import data_version, database_address, db, editing, page_setup
from ui.maturity import (
    load_results,
    no_assessment,
    questionnaire,
    results_section,
    upload_section,
)

page_setup()
st.title("CX maturity")
database = db()
history, results, rounds = load_results(database_address(), data_version(database))
if history:
    results_section(database, history, results, rounds)
else:
    no_assessment({name: st.query_params.get(name) for name in ("date", "dept")})
if editing():
    questionnaire(database)
    upload_section(database)
