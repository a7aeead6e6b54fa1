"""CX Compass: the Streamlit app. Wires the pages; everything else lives in cxdata/ and ui/."""

import streamlit as st

st.set_page_config(page_title="CX Compass", page_icon=":material/explore:", layout="wide")

pages = [
    st.Page("pages/data.py", title="Data", icon=":material/upload_file:", default=True),
]
st.navigation(pages).run()
