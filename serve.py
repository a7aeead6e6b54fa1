"""What ``make run`` serves: ``streamlit run serve.py`` finds the ASGI app below and runs
``app.py`` in it, as ``streamlit run app.py`` would, without the metrics endpoint (see
ui/server.py). Tests and ``streamlit run app.py`` still work; this is the way to serve it."""

import streamlit as st
from starlette.middleware import Middleware

from ui.server import WithoutMetrics

app = st.App("app.py", middleware=[Middleware(WithoutMetrics)])
