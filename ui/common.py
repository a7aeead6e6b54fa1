"""The database for this session, and text helpers that never render user text as HTML."""

from __future__ import annotations

import re

from cxdata import store

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]#|<>~$])")
_LINE_START_MARKERS = re.compile(r"^(\s*)([-+]|\d+[.)])(?=\s)", re.MULTILINE)


def db():
    """A connection to the app's database (``CXDATA_DB``, else ``data/cx.db``) for this run."""
    return store.connect(store.database_path())


def plain(text: object) -> str:
    """Text safe to pass to ``st.markdown``-based elements: Markdown characters escaped.

    Streamlit never renders HTML unless asked to; this also stops column names or comments
    from being read as Markdown (links, emphasis, headings).
    """
    escaped = _MARKDOWN_SPECIALS.sub(r"\\\1", str(text))
    escaped = _LINE_START_MARKERS.sub(_escape_marker, escaped)
    return escaped.replace("\n", "  \n")


def _escape_marker(m: re.Match) -> str:
    marker = m.group(2)
    return m.group(1) + marker[:-1] + "\\" + marker[-1]


def bullet_list(items: list[str]) -> str:
    return "\n".join(f"- {plain(item)}" for item in items)
