"""Rules about the code itself: lint clean, and cxdata/ free of Streamlit."""

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_cxdata_never_imports_streamlit():
    pattern = re.compile(r"^\s*(import|from)\s+streamlit", re.MULTILINE)
    files = (ROOT / "cxdata").rglob("*.py")
    offenders = [str(p.relative_to(ROOT)) for p in files if pattern.search(p.read_text())]
    assert offenders == []


# SQL statements (upper case, as this codebase writes them) and direct database calls.
SQL_TEXT = re.compile(
    r"\bSELECT\b[^\n]*\bFROM\b|\bINSERT\s+INTO\b|\bDELETE\s+FROM\b|\bUPDATE\s+\w+\s+SET\b"
    r"|\b(CREATE|DROP|ALTER)\s+(TABLE|INDEX|UNIQUE)\b|\bPRAGMA\b|\bJOIN\b\s+\w+\s+\w+\s+ON\b"
    r"|\.execute(many|script)?\(|\.query\("
)


def _code_outside_store() -> list[Path]:
    files = [ROOT / "app.py", *(ROOT / "pages").rglob("*.py"), *(ROOT / "ui").rglob("*.py")]
    files += [p for p in (ROOT / "cxdata").rglob("*.py") if "store" not in p.parts]
    return files


def test_sql_text_lives_only_in_the_store():
    offenders = [
        f"{p.relative_to(ROOT)}:{i}: {line.strip()}"
        for p in _code_outside_store()
        for i, line in enumerate(p.read_text().splitlines(), start=1)
        if SQL_TEXT.search(line)
    ]
    assert offenders == []


# The same statements in any letter case, looked for in string literals (docstrings left out,
# they are prose): lower-case SQL in a string is SQL all the same.
SQL_IN_STRING = re.compile(
    r"\bselect\b.+\bfrom\b|\binsert\s+into\b|\bdelete\s+from\b|\bupdate\s+\S+\s+set\b"
    r"|\b(create|drop|alter)\s+(table|index|unique)\b|\bpragma\s+\w+",
    re.IGNORECASE | re.DOTALL,
)


def _string_literals(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text())
    docstrings = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            if isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
                docstrings.add(id(body[0].value))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def test_no_string_outside_the_store_holds_sql_in_any_case():
    offenders = [
        f"{p.relative_to(ROOT)}:{line}: {text[:60]!r}"
        for p in _code_outside_store()
        for line, text in _string_literals(p)
        if SQL_IN_STRING.search(text)
    ]
    assert offenders == []


def test_the_sql_rule_catches_a_query():
    assert SQL_IN_STRING.search("select score from survey where id = ?")
    assert SQL_TEXT.search('rows = db.execute("SELECT x FROM survey")')
    assert SQL_TEXT.search('sql = "DELETE FROM themes"')
    assert not SQL_TEXT.search("Select the month from the list")


def test_ruff_check_is_clean():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--quiet", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", "--quiet", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_mypy_is_clean():
    result = subprocess.run(
        [sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
