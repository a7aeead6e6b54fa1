"""The database for this session, and text helpers that never render user text as HTML."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import threading
from pathlib import Path

import pandas as pd
import streamlit as st

from cxdata import store

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]#|<>~$])")
# Bare URLs and e-mail addresses are turned into links by the Markdown renderer even when
# escaped; an invisible word joiner (U+2060) inside "://", "www." and before "@" stops that.
_AUTOLINK = re.compile(r"(?i)(?=://|@)|(?<=\bwww)(?=\.)")
_JOINER = "\u2060"
_LINE_START_MARKERS = re.compile(r"^(\s*)([-+]|\d+[.)])(?=\s)", re.MULTILINE)
# Streamlit's own Markdown extensions start with a colon followed by a name: colour and badge
# directives (:red[..], :blue-background[..], :small[..]), icons (:material/home:) and emoji
# shortcodes (:smile:, :+1:). A word joiner after the colon leaves none of them a name.
_DIRECTIVE = re.compile(r"(?<=:)(?=[A-Za-z+-])")


_routing = threading.local()


def run_navigation(pages: list) -> None:
    """Run the chosen page through ``st.navigation`` (app.py's last line), with the menu: the
    sidebar's page links and presentation switch, or presentation mode's bar."""
    _routing.active = True
    st.session_state["_app_has_run"] = True
    try:
        # The menu is drawn here, not by st.navigation: .streamlit/config.toml turns off the
        # pages/ folder's own menu (which listed the page files for a moment on a fresh
        # server's first visit), and that setting hides st.navigation's menu too.
        current = st.navigation(pages, position="hidden")
        if presenting():
            presentation_bar(pages, current)
        else:
            with st.sidebar:
                for page in pages:
                    st.page_link(page, label=page.title, icon=page.icon)
                st.divider()
                if login_required():
                    email = getattr(st.user, "email", "") or ""
                    view = user_scope() or "all departments"
                    st.caption(plain(f"Signed in as {email} · viewing {view}"))
        presentation_toggle()
        current.run()
    finally:
        _routing.active = False


def page_setup() -> None:
    """Call first in every page file: makes a deep link work on a freshly started server.

    Until app.py has called ``st.navigation`` once, Streamlit runs a new server's sessions in
    its older "pages/ folder" mode, so a first visit to e.g. /trends would open
    pages/trends.py on its own (file-name sidebar, no wide layout) and keep every later session
    in that mode. A page opened that way leaves the mode and re-runs, which sends the link
    through app.py to the same page (pages share their URL path with their file name).
    """
    from streamlit.runtime.pages_manager import PagesManager

    opened_directly = not getattr(_routing, "active", False)
    first_run = "_app_has_run" not in st.session_state
    if opened_directly and first_run and getattr(PagesManager, "uses_pages_directory", None):
        PagesManager.uses_pages_directory = False
        st.rerun()


def url_param(name: str, default: str) -> str:
    """A page setting kept in the address (so a copied link reopens the same view)."""
    return st.query_params.get(name, default)


def db():
    """The connection to the app's database (``CXDATA_DB``, else ``data/cx.db``): one per
    browser session, kept in its session state and reused by every rerun (a connection per
    rerun left them open by the dozen). A new one replaces it when the path changed, a
    restore put a new file there, or the session was away long enough for
    :func:`close_ended_sessions` to close it. A database from an earlier version is brought up
    to date first, under a spinner."""
    path, address = app_database(), database_address()
    with _held_lock:
        held = st.session_state.get("_cx_database")
        if held is not None:
            if held.path == path and held.scope == user_scope() and held.reusable():
                _hold(held)
                return held
            held.conn.close()
            del st.session_state["_cx_database"]
    # 16 MB of page cache: enough for the pages' reads, and one per session adds up.
    if store.pending_migrations(path):
        with st.spinner(
            "Updating the database for this version of CX Compass (once; about 4 seconds per "
            "million responses)…"
        ):
            database = store.connect(address, cache_mb=16)
    else:
        database = store.connect(address, cache_mb=16)
    with _held_lock:
        st.session_state["_cx_database"] = database
        _hold(database)
    return database


def work_ahead(fn, *args) -> None:
    """Run ``fn(*args)`` on a background thread, so what the page needs next is read while it
    draws what it has (a cached loader then finds the result, or waits for it). A failure is
    left to the page's own call, which does the work again and shows the error."""

    def run() -> None:
        with contextlib.suppress(Exception):
            fn(*args)

    threading.Thread(target=run, daemon=True).start()


# How often the server looks for sessions that have ended (see close_ended_sessions).
SWEEP_INTERVAL_S = 3.0

# The connection each browser session of this server holds, by session id, with the script
# thread that last asked for it: what close_ended_sessions closes. Guarded by _held_lock,
# which db() also holds while it checks and hands out a session's connection.
_held: dict[str, tuple[object, threading.Thread]] = {}
_held_lock = threading.Lock()
_sweeper: threading.Thread | None = None


def _hold(database) -> None:
    """Note ``database`` as the running session's connection (under ``_held_lock``); on a
    server, start the sweep that closes it once the session has ended. Outside a server
    (``AppTest``, a bare ``python page.py``) there are no sessions to outlive: nothing to do."""
    global _sweeper
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None or _server() is None:
        return
    _held[ctx.session_id] = (database, threading.current_thread())
    if _sweeper is None or not _sweeper.is_alive():
        _sweeper = threading.Thread(target=_sweep_forever, name="cx-connection-sweep", daemon=True)
        _sweeper.start()


def _server():
    """Streamlit's runtime when this process is a server (``streamlit run``), else None."""
    from streamlit import runtime

    return runtime.get_instance() if runtime.exists() else None


def _sweep_forever() -> None:
    import time

    while True:
        time.sleep(SWEEP_INTERVAL_S)
        with contextlib.suppress(Exception):  # a sweep that failed is retried by the next one
            close_ended_sessions()


def close_ended_sessions() -> int:
    """Close the connections of browser sessions that have ended; how many were closed.

    A session has ended for this purpose when the server no longer counts it among its active
    sessions (its tab was closed, the browser went away or its network dropped) and its last
    script run has finished. Streamlit keeps such a session for a while in case the browser
    reconnects (``server.disconnectedSessionTTL``) and then drops it without telling the app;
    the connection in its state would stay open, with its page cache and file handles (on
    PostgreSQL: a pooled connection taken from the others), until Python's cyclic collector
    happened to free it. Closing it here gives it back at once; a browser that does reconnect
    gets a new connection from :func:`db` on its next run. The session's own script thread
    is never running while its connection is closed, so no query is cut short.
    """
    server = _server()
    if server is None:
        return 0
    closed = 0
    with _held_lock:
        for session_id, (database, thread) in list(_held.items()):
            if thread.is_alive() or server.is_active_session(session_id):
                continue
            del _held[session_id]
            with contextlib.suppress(Exception):  # already closed, or a server gone away
                database.conn.close()
            closed += 1
    return closed


def plain(text: object) -> str:
    """Text safe to pass to ``st.markdown``-based elements: Markdown characters escaped.

    Streamlit never renders HTML unless asked to; this also stops file names, column names,
    segment values, comments and notes from being read as Markdown (links, images, emphasis,
    headings) or as Streamlit's colon syntax (``:red[..]``, ``:material/home:``, ``:smile:``).
    """
    escaped = _MARKDOWN_SPECIALS.sub(r"\\\1", str(text))
    escaped = _AUTOLINK.sub(_JOINER, escaped)
    escaped = _DIRECTIVE.sub(_JOINER, escaped)
    escaped = _LINE_START_MARKERS.sub(_escape_marker, escaped)
    return escaped.replace("\n", "  \n")


def _escape_marker(m: re.Match) -> str:
    marker = m.group(2)
    return m.group(1) + marker[:-1] + "\\" + marker[-1]


def bullet_list(items: list[str]) -> str:
    return "\n".join(f"- {plain(item)}" for item in items)


def data_version(database) -> str:
    """The cache key of every loader: changes on every write to the database (imports,
    deletes, erasures, restores, follow-ups, goals, initiatives, themes, maturity answers),
    whichever process made it. See docs/ARCHITECTURE.md, "Caches"."""
    return store.data_version(database)


def chart_downloads(chart, frame, name: str, key: str) -> None:
    """PNG (16:9 for a slide, rendered offline, only when clicked) and CSV downloads for one
    chart."""
    from cxdata.charts import slide_png
    from cxdata.export import safe_csv

    row = st.container(horizontal=True)
    row.download_button(
        "PNG",
        lambda: slide_png(chart),
        file_name=f"{name}.png",
        mime="image/png",
        key=f"png_{key}",
        icon=":material/image:",
        on_click="ignore",
    )
    row.download_button(
        "CSV",
        safe_csv(frame),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"csv_{key}",
        icon=":material/download:",
        on_click="ignore",
    )


# --- tables ------------------------------------------------------------------------------


def safe_frame(frame):
    """A display copy of ``frame`` whose text cells a spreadsheet would run as a formula
    (``=``, ``+``, ``-``, ``@``, tab, CR first) start with an apostrophe; numbers untouched.

    Streamlit's table toolbar has its own "Download as CSV", which exports what is displayed:
    this makes it as safe as our own downloads (:func:`cxdata.export.safe_csv`).
    """
    from cxdata.export import neutralise

    out = frame.copy()
    for column in _text_columns(out):
        out[column] = out[column].map(neutralise)
    out.columns = [neutralise(c) for c in out.columns]
    return out


def _text_columns(frame) -> list:
    return [
        c
        for c, dtype in frame.dtypes.items()
        if pd.api.types.is_object_dtype(dtype) or isinstance(dtype, pd.StringDtype)
    ]


def _restored(frame):
    """An edited display copy back to stored values: the apostrophe :func:`safe_frame` added
    before a formula-like start is taken off again."""
    from cxdata.export import FORMULA_START

    def restore(value):
        if isinstance(value, str) and value[:1] == "'" and value[1:].startswith(FORMULA_START):
            return value[1:]
        return value

    out = frame.copy()
    for column in _text_columns(out):
        out[column] = out[column].map(restore)
    return out


def show_table(frame, **kwargs):
    """``st.dataframe`` of user data, through :func:`safe_frame`: the one way pages show a
    table (``tests/test_export.py`` fails on a bare ``st.dataframe``)."""
    return st.dataframe(safe_frame(frame), **kwargs)


def edit_table(frame, **kwargs):
    """``st.data_editor`` through :func:`safe_frame`; returns the edited frame with stored
    values (the apostrophes taken off again)."""
    return _restored(st.data_editor(safe_frame(frame), **kwargs))


# --- presentation mode ---------------------------------------------------------------------

# Static CSS (no user text): larger type for a 1920×1080 screen share, no sidebar or header,
# and every container keyed "controls…" hidden. The page navigation of presentation mode is
# the bar :func:`presentation_bar` draws at the top of every page.
_PRESENTATION_CSS = """
<style>
html { font-size: 21px; }
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stHeader"], [data-testid="stToolbar"], [class*="st-key-controls"] {
  display: none !important;
}
.block-container, [data-testid="stMainBlockContainer"] {
  max-width: 1840px; padding-top: 0.8rem;
}
.st-key-present_nav { border-bottom: 1px solid rgba(128, 128, 128, 0.35); padding-bottom: 0.3rem; }
.st-key-present_nav [data-testid="stPageLink"] p { font-size: 1rem; }
</style>
"""

# Chart heights sized for a 1080-line screen share. A chart as wide as its column is laid out
# by Streamlit to fit its height with title, legend and axes inside (Vega-Lite's autosize
# "fit"), which take about 180 px: a 560 px trend chart leaves its plot a third of the screen.
PRESENTATION_HEIGHTS = {"trend": 580, "bars": 480, "chart": 540, "wide": 560}


def presenting() -> bool:
    """Presentation mode: ``?present=1`` in the URL, so a refresh or a shared link stays in
    it (the sidebar switch and the "Leave presentation" button set and clear it)."""
    return st.query_params.get("present") == "1"


def editing() -> bool:
    """Whether editing controls (Save, Delete, Import, uploads, editors, the goal form) are
    shown: never in presentation mode, where only pickers that change the view remain, nor to
    a user whose view is scoped to a department (they read; follow-ups are the one thing they
    edit, see the Trends page)."""
    return not presenting() and user_scope() is None


def chart_height(normal: int, role: str = "chart") -> int:
    """A chart's height: ``normal`` on a laptop, the presentation height of its ``role``
    (``trend``, ``bars``, ``chart``, ``wide``) on the screen share when that is taller."""
    return max(normal, PRESENTATION_HEIGHTS[role]) if presenting() else normal


def _enter_or_leave() -> None:
    if st.session_state.get("present_toggle"):
        st.query_params["present"] = "1"
    else:
        st.query_params.pop("present", None)


def _leave() -> None:
    st.query_params.pop("present", None)
    st.session_state["present_toggle"] = False


def presentation_toggle() -> None:
    """The sidebar switch (its state follows the URL, never the other way round), and in
    presentation mode the style."""
    st.session_state["present_toggle"] = presenting()
    st.sidebar.toggle(
        "Presentation mode",
        key="present_toggle",
        on_change=_enter_or_leave,
        help="Larger type, page tabs instead of the sidebar, no editing controls, personal "
        "data masked: for the monthly screen share. Also ?present=1 in the address; "
        "← / → move between pages, Esc leaves.",
    )
    if presenting():
        st.html(_PRESENTATION_CSS)


def presentation_bar(pages: list, current) -> None:
    """Presentation mode's navigation, on every page: a link per page (named as in the
    sidebar, keeping presentation mode), ◀ / ▶ (keys ← / →) and "Leave presentation" (Esc)."""
    with st.container(
        horizontal=True, key="present_nav", vertical_alignment="center", gap="medium"
    ):
        for page in pages:
            st.page_link(page, label=page.title, icon=page.icon, query_params={"present": "1"})
        st.space("stretch")
        index = next((i for i, p in enumerate(pages) if p.url_path == current.url_path), 0)
        back = st.button(
            "", icon=":material/chevron_left:", key="present_prev", type="tertiary",
            shortcut="Left", help="Previous page (←)",
        )  # fmt: skip
        ahead = st.button(
            "", icon=":material/chevron_right:", key="present_next", type="tertiary",
            shortcut="Right", help="Next page (→)",
        )  # fmt: skip
        st.button(
            "Leave presentation", icon=":material/close:", key="leave_present",
            on_click=_leave, shortcut="Esc", help="Back to the normal view (Esc)",
        )  # fmt: skip
    if back or ahead:
        target = pages[(index + (1 if ahead else -1)) % len(pages)]
        st.switch_page(target, query_params={"present": "1"})


def url_choice(name: str, options: list, default, label=str):
    """A setting from the address that must be one of ``options``: ``default`` when absent;
    when not one of them (a link from an older data set, a typo), ``default`` and a note
    saying so. Values are compared as text."""
    raw = st.query_params.get(name)
    if raw is None:
        return default
    for option in options:
        if str(option) == raw:
            return option
    link_adjusted(f"{name} '{raw}' is not available, showing {label(default)}")
    return default


def url_number(name: str, default: int, low: int, high: int) -> int:
    """A whole number from the address, clamped to ``low``…``high`` (with a note when it had
    to be); ``default`` when absent or not a number."""
    raw = st.query_params.get(name)
    if raw is None:
        return default
    try:
        value = int(float(raw))
    except (ValueError, OverflowError):  # "abc", "nan", "inf"
        link_adjusted(f"{name} '{raw}' is not a number, showing {default}")
        return default
    clamped = min(max(value, low), high)
    if clamped != value:
        link_adjusted(f"{name} {value} is outside {low}–{high}, showing {clamped}")
    return clamped


def keep_in_url(values: dict, defaults: dict) -> None:
    """Mirror a page's settings in the address, so a copied link reopens the same view.

    Only what differs from the address is written, and a setting still at its default is not
    added: Streamlit pushes a browser-history entry for every change of the address, so a page
    that wrote its defaults on arrival would leave Back landing on the same page again."""
    for name, value in values.items():
        text = str(value)
        if name not in st.query_params and text == str(defaults.get(name)):
            continue
        if st.query_params.get(name) != text:
            st.query_params[name] = text


def link_adjusted(text: str) -> None:
    """The small note a page shows when a setting in its link did not fit the data."""
    st.caption(plain(f"Link adjusted to the data: {text}."), help=None)


def masked_table(frame):
    """In presentation mode, text cells with e-mail addresses or phone numbers masked."""
    if not presenting():
        return frame
    from cxdata.verbatims import mask_pii

    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or str(out[column].dtype) == "string":
            out[column] = out[column].map(lambda v: mask_pii(v) if isinstance(v, str) else v)
    return out


# --- sign-in (off by default) --------------------------------------------------------------


def login_required() -> bool:
    """Sign-in is required when ``.streamlit/secrets.toml`` says so::

    [cxcompass]
    require_login = true

    [auth]            # Streamlit's OpenID Connect settings (see the README)
    redirect_uri = "https://cx.example.com/oauth2callback"
    cookie_secret = "…"
    client_id = "…"
    client_secret = "…"
    server_metadata_url = "https://accounts.example.com/.well-known/openid-configuration"
    """
    return bool(_settings().get("require_login", False))


def database_address() -> str:
    """The database as this session sees it: the file, scoped to the signed-in user's
    department when their view is scoped (:func:`user_scope`). Every cached loader takes it
    as its first argument, so one scope's figures are never served to another."""
    return store.scoped_address(app_database(), user_scope())


def app_database():
    """The app's database: ``CXDATA_DB``, else the server Streamlit's connection settings name
    in ``.streamlit/secrets.toml`` (the ecosystem's convention), else ``data/cx.db``::

        [connections.cxdata]
        url = "postgresql://cx@db.example.com:5432/cx"
    """
    return store.database_path(None, fallback=_connection_url())


def _connection_url() -> str | None:
    try:
        url = st.secrets.get("connections", {}).get("cxdata", {}).get("url")
    except Exception:  # no secrets file at all
        return None
    return str(url) if url else None


ALL = "all"


def user_scope() -> str | None:
    """The department the signed-in user's view is limited to; None for everyone else (no
    sign-in, or a user whose scope is "all")::

        [cxcompass]
        require_login = true

        [cxcompass.scopes]            # e-mail → department, or "all"
        "head.claims@insurer.example" = "Claims"
        "cx.lead@insurer.example" = "all"
        default = "all"               # everyone not listed (leave out: they see nothing)

    A signed-in user who is not listed, with no default, is stopped with a message; without a
    [cxcompass.scopes] table at all everyone sees everything."""
    if not login_required() or "scopes" not in _settings():
        return None  # no sign-in, or no scopes set up: everyone sees everything
    scopes = {
        str(k).strip().lower(): str(v).strip() for k, v in _settings().get("scopes", {}).items()
    }
    email = str(getattr(st.user, "email", "") or "").strip().lower()
    scope = scopes.get(email) or scopes.get("default")
    if scope is None:
        st.error(
            plain(
                f"Your account ({email or 'unknown'}) has no view assigned yet. Ask the CX team "
                "to add it under [cxcompass.scopes] in secrets.toml."
            )
        )
        st.stop()
    return None if scope.lower() == ALL else scope


def _settings() -> dict:
    try:
        return dict(st.secrets.get("cxcompass", {}))
    except Exception:  # no secrets file at all: the default, single-machine use
        return {}


def sign_in_gate() -> None:
    """Stop here with a sign-in button unless the user is signed in (when required)."""
    if not login_required() or getattr(st.user, "is_logged_in", False):
        return
    st.title("CX Compass")
    st.markdown("Sign in to see your organisation's customer-experience data.")
    st.button("Sign in", on_click=st.login, type="primary", key="sign_in")
    st.stop()


def no_survey_data(extra: str = "") -> None:
    """The empty state of the analysis pages: what to upload, and where."""
    st.info(
        "No touchpoint survey responses yet. Upload an export on the Data page, or load the "
        "sample data there." + (f" {extra}" if extra else "")
    )
    st.page_link("pages/data.py", label="Go to the Data page", icon=":material/upload_file:")


@contextlib.contextmanager
def temporary_copy(data: bytes):
    """Bytes as a file in a private temporary folder, under a fixed name, removed afterwards:
    an upload's own name is only ever a label, never a path. The one way uploads reach disk:
    every page that reads an upload (Data, Maturity, Milestones, Drivers) goes through it."""
    with tempfile.TemporaryDirectory(prefix="cxcompass-") as tmp:
        os.chmod(tmp, 0o700)  # mkdtemp makes it 0700 already; said here so it stays so
        path = Path(tmp) / "upload.csv"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        yield path


def uploaded_file(upload):
    """An uploaded file (``st.file_uploader``'s value) as a temporary path: see
    :func:`temporary_copy`."""
    return temporary_copy(upload.getvalue())
