"""Static guarantees: no eval, exec or pickle; SQL never built from user values; the server
binds to localhost with an upload cap; sign-in can be required; text is never HTML."""

import re
from pathlib import Path

import tomllib
from streamlit.testing.v1 import AppTest

from ui.common import plain

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [
    ROOT / "app.py",
    *sorted((ROOT / "cxdata").glob("*.py")),
    *sorted((ROOT / "ui").glob("*.py")),
    *sorted((ROOT / "pages").glob("*.py")),
]

# What may be interpolated into SQL text: quoted identifiers, and variables that hold SQL
# fragments assembled from quoted identifiers, constants and "?" placeholders. A value from a
# user always travels as a parameter. A new name here needs a reviewer's look at its source.
SQL_FRAGMENTS = {
    "' AND '.join(clauses)",
    "', '.join('?' for _ in INITIATIVE_COLUMNS)",
    "', '.join(INITIATIVE_COLUMNS)",
    "', '.join(selects)",
    "', segment' if segment else ''",
    "bucket_sql",
    "column",
    "d",
    "dim",
    "extra",
    "join",
    "marks",
    "names",
    "sample",
    "seg",
    "segs",
    "select",
    "selects",
    "sets",
    "sql_type",
    "table",
    "updates",
    "where",
}
SQL = re.compile(
    r"\b(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|WHERE|FROM|JOIN|VALUES|"
    r"GROUP BY|ORDER BY|PRAGMA)\b"
)


def test_no_eval_exec_or_pickle():
    pattern = re.compile(r"\b(eval|exec)\(|\bpickle\b|\bmarshal\b|shell=True")
    found = [
        f"{p.name}:{n}"
        for p in SOURCES
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if pattern.search(line) and not line.lstrip().startswith("#")
    ]
    assert found == []


def test_sql_text_only_interpolates_identifiers_and_fragments():
    suspicious = []
    for path in SOURCES:
        for m in re.finditer(r'f"([^"]*)"', path.read_text()):
            if not SQL.search(m.group(1)):
                continue
            for expr in re.findall(r"\{([^{}]+)\}", m.group(1)):
                expr = expr.strip()
                if re.fullmatch(r"(store\.)?quote\([\w.]+\)", expr) or expr in SQL_FRAGMENTS:
                    continue
                suspicious.append(f"{path.name}: {{{expr}}}")
    assert suspicious == []


def test_server_binds_to_localhost_with_an_upload_cap_and_no_telemetry():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["address"] == "127.0.0.1"
    assert 0 < config["server"]["maxUploadSize"] <= 1000
    assert config["browser"]["gatherUsageStats"] is False
    assert "ADDRESS ?= 127.0.0.1" in (ROOT / "Makefile").read_text()


def test_markdown_and_html_in_user_text_are_shown_literally():
    text = plain("**bold** [link](http://x) <img src=x onerror=alert(1)> # heading\n- item")
    assert "\\*\\*bold\\*\\*" in text and "\\[link\\]" in text and "\\<img" in text
    assert "\\#" in text and "\\-" in text


def test_sign_in_is_off_by_default(tmp_path, monkeypatch):
    monkeypatch.setenv("CXDATA_DB", str(tmp_path / "cx.db"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception and not [b for b in at.button if b.key == "sign_in"]


def test_sign_in_required_when_secrets_say_so(tmp_path, monkeypatch):
    monkeypatch.setenv("CXDATA_DB", str(tmp_path / "cx.db"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.secrets["cxcompass"] = {"require_login": True}
    at.run()
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in"]
    assert [t.value for t in at.title] == ["CX Compass"]  # nothing else of the app runs


def test_bare_urls_and_addresses_cannot_become_links():
    text = plain("see https://evil.example or www.evil.example, mail a@b.example")
    assert "https://" not in text and "www." not in text and "a@b" not in text
    assert (
        text.replace("\u2060", "")
        == "see https://evil.example or www.evil.example, mail a@b.example"
    )


def test_work_ahead_runs_in_the_background_and_leaves_failures_to_the_page():
    import threading

    from ui.common import work_ahead

    done, ran_on = threading.Event(), []

    def read(x):
        ran_on.append((x, threading.current_thread() is not threading.main_thread()))
        done.set()

    work_ahead(read, 7)
    assert done.wait(10) and ran_on == [(7, True)]

    failed = threading.Event()

    def broken():
        failed.set()
        raise RuntimeError("the database went away")

    before = threading.excepthook
    seen = []
    threading.excepthook = lambda args: seen.append(args.exc_value)
    try:
        work_ahead(broken)
        assert failed.wait(10)
        for t in threading.enumerate():
            if t is not threading.current_thread() and t.daemon and t.name.startswith("Thread"):
                t.join(5)
    finally:
        threading.excepthook = before
    assert seen == []  # swallowed: the page's own call does the work again and reports it
