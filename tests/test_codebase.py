"""Rules about the code itself: lint clean, and cxdata/ free of Streamlit."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_cxdata_never_imports_streamlit():
    pattern = re.compile(r"^\s*(import|from)\s+streamlit", re.MULTILINE)
    offenders = [p.name for p in (ROOT / "cxdata").glob("*.py") if pattern.search(p.read_text())]
    assert offenders == []


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
