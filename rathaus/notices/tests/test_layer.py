"""Notices sit below cases and staff: they import audit, catalog, core, identity and Django only."""

from __future__ import annotations

import ast
from pathlib import Path

import rathaus.notices

ALLOWED = ("rathaus.audit", "rathaus.catalog", "rathaus.core", "rathaus.identity",
           "rathaus.notices")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def test_no_module_of_the_app_imports_a_layer_above_it() -> None:
    root = Path(rathaus.notices.__file__).parent
    offending = {
        f"{path.relative_to(root)}: {module}"
        for path in root.rglob("*.py")
        for module in imported_modules(path)
        if module.startswith("rathaus.") and not module.startswith(ALLOWED)
    }
    assert offending == set()
