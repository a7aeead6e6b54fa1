"""How the app is served (``serve.py``, what ``make run`` starts): Streamlit's own ASGI app
around ``app.py``, with one change — Streamlit's metrics endpoint is not served.

``/_stcore/metrics`` lists the app's caches, their names and sizes, to anyone who can reach
the server, whether or not sign-in is on, and Streamlit has no setting to turn it off. The app
has no use for it, so :class:`WithoutMetrics` answers it with 404 before Streamlit sees the
request. Everything else passes through untouched.
"""

from __future__ import annotations

METRICS_PATH = "/_stcore/metrics"


class WithoutMetrics:
    """ASGI middleware: 404 for Streamlit's metrics endpoint (any base path, any method)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["path"].rstrip("/").endswith(METRICS_PATH):
            from starlette.responses import PlainTextResponse

            await PlainTextResponse("Not found", status_code=404)(scope, receive, send)
            return
        await self.app(scope, receive, send)
