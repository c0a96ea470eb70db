"""The direction of dependencies (docs: architecture): the domain imports nothing of
the project but itself; services know no Flask; the web (dashboard and API) reaches the
database only through services, and its views never end a transaction; nothing imports
the workers but the Celery entry point."""

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
                module = ".".join([*base, node.module or ""]).rstrip(".")
            else:
                module = node.module or ""
            # `from pharmacy import models` imports pharmacy.models.
            found |= {module, *(f"{module}.{alias.name}" for alias in node.names)}
    return found


def modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def named(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


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


WEB = [path for folder in ("pharmacy/dashboard", "pharmacy/api") for path in modules(folder)]


@pytest.mark.parametrize("path", WEB, ids=named)
def test_the_web_reaches_the_database_only_through_services(path):
    direct = {
        name
        for name in imports_of(path)
        if name.split(".")[0] == "sqlalchemy" or name.split(".")[:2] == ["pharmacy", "models"]
    }
    assert not direct, f"{named(path)} imports {sorted(direct)}"


@pytest.mark.parametrize("path", modules("pharmacy/dashboard"), ids=named)
def test_views_never_commit_or_roll_back(path):
    """Each service's unit of work ends its transaction; the request's end closes the
    session, which rolls back whatever a failed request left."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    calls = sorted(
        f"line {node.lineno}: {node.func.attr}()"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("commit", "rollback")
    )
    assert not calls, f"{named(path)} ends a transaction: {calls}"


def test_tests_take_helpers_only_from_support():
    """A test module gets its fixtures from pytest and its helpers from tests.support:
    never from a conftest or another test module, so moving or removing one test never
    breaks another. The support modules import none of the tests either."""
    reaching = {
        named(path): sorted(
            name
            for name in imports_of(path)
            if name.split(".")[0] == "tests" and name.split(".")[:2] != ["tests", "support"]
        )
        for path in modules("tests")
    }
    outside = {path: names for path, names in reaching.items() if names}
    assert not outside, f"helpers imported from outside tests.support: {outside}"
