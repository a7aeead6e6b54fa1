"""The ASGI middleware serve.py puts in front of Streamlit (ui/server.py)."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

from ui.server import WithoutMetrics


def call(path: str, kind: str = "http") -> list[dict]:
    sent: list[dict] = []
    reached: list[str] = []

    async def inner(scope, receive, send):
        reached.append(scope["path"])

    async def receive():
        return {"type": "http.request", "body": b""}

    async def send(message):
        sent.append(message)

    # In a thread of its own: the browser tests' Playwright may hold this thread's event loop.
    with ThreadPoolExecutor(1) as pool:
        app = WithoutMetrics(inner)({"type": kind, "path": path}, receive, send)
        pool.submit(asyncio.run, app).result()
    return sent if sent else [{"reached": reached[0]}]


def test_metrics_get_404_with_or_without_a_base_path():
    for path in ("/_stcore/metrics", "/_stcore/metrics/", "/cx/_stcore/metrics"):
        assert call(path)[0]["status"] == 404


def test_everything_else_reaches_streamlit():
    for path in ("/", "/_stcore/health", "/briefing", "/_stcore/stream"):
        assert call(path) == [{"reached": path}]
    assert call("/_stcore/metrics", kind="websocket") == [{"reached": "/_stcore/metrics"}]
