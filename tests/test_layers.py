"""The layers of docs/ARCHITECTURE.md, kept by a test (what import-linter contracts would say).

pages → ui → cxdata surfaces (cli, brief) → analytics → ingest → store. A module may import
from its own layer or a lower one, never a higher one; the store's leaf (sql.py) imports
nothing else of the store.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Shared leaves every layer may use.
LEAVES = {"cxdata.errors", "cxdata.formatting", "cxdata.export"}

# Layer of each part of the code, lowest first.
LAYERS = ["store", "ingest", "analytics", "surfaces", "ui", "pages"]


def _layer(module: str) -> str | None:
    if module in LEAVES or module == "cxdata":
        return None
    if module.startswith("cxdata.store"):
        return "store"
    if module.startswith("cxdata.ingest"):
        return "ingest"
    if module.startswith("cxdata.cli") or module in ("cxdata.brief", "cxdata.__main__"):
        return "surfaces"
    if module.startswith("cxdata."):
        return "analytics"
    if module.startswith("ui"):
        return "ui"
    if module.startswith("pages") or module == "app":
        return "pages"
    return None


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path) -> list[str]:
    """Every module ``path`` imports, at the top or inside a function, relative imports
    resolved (``from ..nps import x`` in cxdata/store/ is cxdata.nps)."""
    tree = ast.parse(path.read_text())
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.append(module)
            # "from cxdata import nps" imports the module cxdata.nps
            found += [f"{module}.{alias.name}" for alias in node.names]
    return found


def _code() -> list[Path]:
    files = [ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "ui").glob("*.py")]
    return files + sorted((ROOT / "cxdata").rglob("*.py"))


def _known_module(name: str) -> bool:
    path = ROOT / Path(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def test_no_module_imports_a_higher_layer():
    upward = []
    for path in _code():
        own = _layer(_module_name(path))
        if own is None:
            continue
        for name in _imports(path):
            if not _known_module(name):
                continue  # a name imported from a package, not a module
            other = _layer(name)
            if other is not None and LAYERS.index(other) > LAYERS.index(own):
                upward.append(f"{_module_name(path)} ({own}) imports {name} ({other})")
    assert upward == []


def test_the_store_leaf_imports_nothing_else_of_the_store():
    names = _imports(ROOT / "cxdata" / "store" / "sql.py")
    assert [n for n in names if n.startswith("cxdata")] == []


@pytest.mark.parametrize("folder", ["ui", "pages"])
def test_the_interface_reaches_the_store_only_through_its_front_door(folder):
    """ui/ and pages/ may open the database (store.connect, database_path, data_version) but
    ask their questions through cxdata's analytics, never a store module directly."""
    inner = [
        f"{path.name}: {name}"
        for path in (ROOT / folder).glob("*.py")
        for name in _imports(path)
        if name.startswith("cxdata.store.") and _known_module(name)
    ]
    assert inner == []


def test_the_rule_sees_an_upward_import(tmp_path, monkeypatch):
    probe = ROOT / "cxdata" / "store" / "sql.py"
    monkeypatch.setattr(Path, "read_text", lambda self: "from ..nps import LOW_N\n")
    assert "cxdata.nps" in _imports(probe)
    monkeypatch.undo()
    assert LAYERS.index(_layer("ui.common")) > LAYERS.index(_layer("cxdata.nps"))
    assert _layer("cxdata.store.counts") == "store"
