"""CX Compass: the Streamlit app. Wires the pages; everything else lives in cxdata/ and ui/."""

from pathlib import Path

import streamlit as st

from ui.common import run_navigation, sign_in_gate

st.set_page_config(
    page_title="CX Compass",
    # A file, served by the app itself: a :material/…: page icon is fetched from
    # fonts.gstatic.com as the favicon, and the app must work offline (tests/e2e/test_offline.py).
    page_icon=str(Path(__file__).parent / "assets" / "icon.png"),
    layout="wide",
    initial_sidebar_state="collapsed" if st.query_params.get("present") == "1" else "auto",
)

sign_in_gate()  # off unless secrets.toml sets [cxcompass] require_login = true

# The Briefing is the home page; with an empty database it sends a new user to the Data page,
# which says what to upload. (Making the Data page the default instead would leave /data
# answering "page not found", since Streamlit serves the default page only at /.)
pages = [
    st.Page(
        "pages/briefing.py",
        title="Briefing",
        icon=":material/campaign:",
        url_path="briefing",
        default=True,
    ),
    st.Page(
        "pages/trends.py",
        title="NPS trends",
        icon=":material/monitoring:",
        url_path="trends",
    ),
    st.Page(
        "pages/drivers.py",
        title="Drivers & correlation",
        icon=":material/insights:",
        url_path="drivers",
    ),
    st.Page(
        "pages/maturity.py",
        title="Maturity",
        icon=":material/stairs:",
        url_path="maturity",
    ),
    st.Page(
        "pages/milestones.py",
        title="Milestones",
        icon=":material/flag:",
        url_path="milestones",
    ),
    st.Page(
        "pages/data.py",
        title="Data",
        icon=":material/upload_file:",
        url_path="data",
    ),
]
run_navigation(pages)
