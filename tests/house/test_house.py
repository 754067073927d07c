"""The house rules of ``services/`` (ARCHITECTURE.md, "Layout"), read from the source.

- rooms stay small: no file over 450 lines (500 in ``bench/``), no function over 60 lines of
  code (the lines of string literals, such as SQL text and docstrings, do not count);
- ``rules.py`` is pure: it reaches neither Litestar nor asyncpg, not even through the kit;
- a domain's routes never import another domain's routes or repository;
- a service never imports another service, and the kit imports no service.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from .imports import PRODUCT_SERVICES, ROOT, SERVICES, domain_of, imports, modules, reachable

MAX_FILE_LINES = 450
MAX_BENCH_FILE_LINES = 500
MAX_FUNCTION_LINES = 60
IMPURE = ("litestar", "asyncpg")


def _string_lines(node: ast.AST) -> set[int]:
    """The lines a multi-line string literal covers after its first (SQL text, docstrings)."""
    lines: set[int] = set()
    for child in ast.walk(node):
        if isinstance(child, (ast.Constant, ast.JoinedStr)) and child.end_lineno:
            if isinstance(child, ast.JoinedStr) or isinstance(child.value, str):
                lines.update(range(child.lineno + 1, child.end_lineno + 1))
    return lines


def code_lines(function: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    first = min([d.lineno for d in function.decorator_list] + [function.lineno])
    assert function.end_lineno is not None
    return (function.end_lineno - first + 1) - len(_string_lines(function))


def _long_files(folder: Path, limit: int) -> dict[str, int]:
    return {
        str(path.relative_to(ROOT)): n
        for path in folder.rglob("*.py")
        if (n := len(path.read_text().splitlines())) > limit
    }


def test_no_file_is_over_450_lines() -> None:
    assert _long_files(SERVICES, MAX_FILE_LINES) == {}


def test_no_bench_module_is_over_500_lines() -> None:
    assert _long_files(ROOT / "bench", MAX_BENCH_FILE_LINES) == {}


@pytest.mark.parametrize("folder", [SERVICES, ROOT / "bench"], ids=["services", "bench"])
def test_no_function_is_over_60_lines_of_code(folder: Path) -> None:
    long: dict[str, int] = {}
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if (n := code_lines(node)) > MAX_FUNCTION_LINES:
                    long[f"{path.relative_to(ROOT)}:{node.lineno} {node.name}"] = n
    assert long == {}


def test_the_function_measure_skips_sql_but_counts_code() -> None:
    source = (
        "def f():\n" + '    q = """\n' + "    SELECT 1\n" * 80 + '    """\n' + "    x = 1\n" * 3
    )
    (function,) = ast.parse(source).body
    assert isinstance(function, ast.FunctionDef)
    assert code_lines(function) == 5


RULES = sorted(name for name in modules() if name.endswith(".rules"))


@pytest.mark.parametrize("module", RULES)
def test_rules_reach_neither_litestar_nor_asyncpg(module: str) -> None:
    reached = reachable(module)
    impure = sorted(name for name in reached if name.split(".")[0] in IMPURE)
    assert impure == [], f"{module} reaches {impure}"


def test_the_purity_check_sees_through_the_kit() -> None:
    assert "litestar" in {name.split(".")[0] for name in reachable("services.kit.app")}
    assert RULES, "no rules modules found"


ROUTES = sorted(name for name in modules() if name.endswith(".routes") and domain_of(name))


@pytest.mark.parametrize("module", ROUTES)
def test_routes_import_no_other_domains_routes_or_repository(module: str) -> None:
    own = domain_of(module)
    crossing = sorted(
        target
        for target in imports(module)
        if (other := domain_of(target))
        and other != own
        and target.split(".")[3] in {"routes", "repository"}
    )
    assert crossing == [], f"{module} imports {crossing}"


@pytest.mark.parametrize("service", PRODUCT_SERVICES)
def test_a_service_imports_no_other_service(service: str) -> None:
    others = [f"services.{s}" for s in PRODUCT_SERVICES if s != service]
    crossing = sorted(
        f"{name} -> {target}"
        for name in modules()
        if name.startswith(f"services.{service}.")
        for target in imports(name)
        if any(target == o or target.startswith(o + ".") for o in others)
    )
    assert crossing == []


def test_the_kit_imports_no_service() -> None:
    crossing = sorted(
        f"{name} -> {target}"
        for name in modules()
        if name.startswith("services.kit")
        for target in imports(name)
        if any(target.startswith(f"services.{s}") for s in PRODUCT_SERVICES)
    )
    assert crossing == []


def test_the_graph_sees_relative_imports() -> None:
    assert "services.kit.errors" in imports("services.kit.problems")
    assert Path(modules()["services.kit.problems"]).name == "problems.py"


def test_the_kit_names_no_role() -> None:
    """Each service declares its roles (``services/<service>/principal.py``); the kit only
    verifies tokens and checks guards against that declaration."""
    from services.accreditation.principal import ROLES as accreditation
    from services.invoicing.principal import ROLES as invoicing
    from services.scheduling.principal import ROLES as scheduling

    roles = accreditation | invoicing | scheduling
    named = sorted(
        f"{path.relative_to(ROOT)}:{node.lineno} {node.value}"
        for path in (SERVICES / "kit").rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in roles
    )
    assert named == []
