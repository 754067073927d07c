"""The import graph of ``services/``, read from the source (nothing is imported or run).

Every ``import`` and ``from … import`` counts, at module level or inside a function: a lazy
import is still a dependency.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ROOT / "services"
PRODUCT_SERVICES = ("scheduling", "accreditation", "invoicing")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(SERVICES.rglob("*.py"))}


def _absolute(module: str, path: Path, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    base = package[: len(package) - node.level + 1]
    return ".".join([*base, node.module] if node.module else base)


def _targets(module: str, path: Path) -> Iterator[str]:
    known = modules()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            target = _absolute(module, path, node)
            yield target
            # ``from . import repository`` names a module, not an attribute.
            for alias in node.names:
                if f"{target}.{alias.name}" in known:
                    yield f"{target}.{alias.name}"


@cache
def imports(module: str) -> frozenset[str]:
    """The modules ``module`` imports directly (``services.*`` names and third-party ones)."""
    return frozenset(_targets(module, modules()[module]))


def reachable(module: str) -> frozenset[str]:
    """Every module ``module`` imports, directly or through other ``services`` modules."""
    known = modules()
    seen: set[str] = set()
    todo = [module]
    while todo:
        current = todo.pop()
        for target in imports(current):
            if target in seen:
                continue
            seen.add(target)
            if target in known:
                todo.append(target)
            # importing ``a.b.c`` runs ``a/__init__`` and ``a/b/__init__`` too
            parent = target.rpartition(".")[0]
            while parent:
                if parent in known and parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
                parent = parent.rpartition(".")[0]
    return frozenset(seen)


def domain_of(module: str) -> tuple[str, str] | None:
    """``(service, domain)`` of a module in a domain folder, e.g. ``services.invoicing.costs``."""
    parts = module.split(".")
    if len(parts) >= 4 and parts[0] == "services" and parts[1] in PRODUCT_SERVICES:
        return parts[1], parts[2]
    return None
