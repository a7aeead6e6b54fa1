"""Drivers & correlation: is the touchpoint-to-relationship link tightening, what moves the
score, which operational fix pays, and what comments are about."""

import streamlit as st

from cxdata import store
from ui.common import db, editing, no_survey_data, page_setup
from ui.drivers import (
    driver_section,
    kpi_section,
    link_section,
    table_section,
    theme_section,
)
from ui.value import value_ahead, value_section

page_setup()
st.title("Drivers & correlation")
database = db()
if not store.has_rows(database, "survey"):
    no_survey_data(
        "A ratings table can be analysed below without importing it." if editing() else ""
    )
else:
    value_ahead(database)  # the last section, worked out while the others are drawn
    link_section(database)
    driver_section(database)
    kpi_section(database)
    theme_section(database)
    value_section(database)
if editing():  # an upload: never on the screen share
    table_section()
