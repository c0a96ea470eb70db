"""The direction of dependencies (docs: architecture): the domain imports nothing of
the project but itself; services know no Flask; nothing imports the workers but the
Celery entry point."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the module's package
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                found.add(".".join([*base, node.module or ""]).rstrip("."))
            else:
                found.add(node.module or "")
    return found


def modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("path", modules("pharmacy/domain"), ids=lambda p: p.name)
def test_the_domain_imports_nothing_of_the_project_but_itself(path):
    outside = {
        name
        for name in imports_of(path)
        if name.split(".")[0] in ("pharmacy", "workers", "label_templates")
        and not name.startswith("pharmacy.domain")
    }
    assert not outside, f"{path.name} imports {sorted(outside)}"


@pytest.mark.parametrize("path", modules("pharmacy/services"), ids=lambda p: p.name)
def test_services_know_no_flask(path):
    flask = {name for name in imports_of(path) if name.split(".")[0].startswith("flask")}
    assert not flask, f"{path.name} imports {sorted(flask)}"


def test_nothing_imports_the_workers_but_the_celery_entry_point():
    importers = [
        path.relative_to(ROOT).as_posix()
        for folder in ("pharmacy", "label_templates")
        for path in modules(folder)
        if any(name.split(".")[0] == "workers" for name in imports_of(path))
    ]
    assert importers == []
