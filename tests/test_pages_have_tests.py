"""Every page file has an AppTest smoke test that opens it."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_page_is_opened_by_a_page_test():
    tests = "\n".join(p.read_text() for p in (ROOT / "tests" / "pages").glob("test_*.py"))
    pages = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*.py"))
    untested = [page for page in pages if f'"{page}"' not in tests]
    assert pages and untested == []
