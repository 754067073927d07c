"""Every rule a service can refuse a request with (a 422) is listed in its contract, on the
operations that apply it (``kit.refusals``).

The rules are read from the code (its syntax tree): each ``rule=`` a ``FieldError`` (or any
call) is given, and each rule passed to a function that takes a ``rule``. A rule given where the
error is plainly not a 422 (inside an ``InvalidInput``, a ``Conflict``, a warning, ...) is left
out; so are the rules of the kit's own answers other than 422 (:data:`NOT_REFUSALS`). Every
other rule must be listed by a 422 of the service's contract. Which operation answers which rule
is checked where the rule is met: every in-process client of the suite fails a 422 naming a rule
its operation does not list (``tests.contracts.check_refusal``).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

from services.cli import ROOT, SERVICES
from tests.contracts import contract, listed_rules

NOT_A_REFUSAL = frozenset(
    {
        *("InvalidInput", "BadRequest", "NotFound", "Conflict", "Forbidden", "Unauthorized"),
        *("Unavailable", "DatabaseUnavailable", "TooManyRequests", "UnsupportedMediaType"),
        *("Warning", "PreflightWarning", "Reason", "Cap", "CycleCap", "ChainProblem"),
    }
)
"""Calls whose rules are not those of a 422: other statuses, warnings, reasons in an answer."""

NOT_REFUSALS = {
    "services/kit/strict.py": "400: a request the kit cannot read (syntax, encoding, depth, ...)",
    "services/kit/problems.py": "400: a value PostgreSQL cannot store",
    "services/kit/webhooks.py": "401: a delivery whose signature or timestamp does not verify",
    "services/kit/etags.py": "412: an `If-Match` that names no current ETag",
    "services/kit/db.py": "503: the database cannot be reached",
    "services/kit/ratelimit.py": "429: a rate limit",
}
"""Kit modules whose rules belong to answers other than a 422, and which answers."""

NOT_REFUSING = {
    ("services/scheduling/groups/rules.py", "warnings"): "a group's warnings, in a 200",
    ("services/scheduling/preflight/rules.py", "group_warnings"): "the preflight's warnings",
    ("services/scheduling/people/rules.py", "_not_own"): "403: another client organisation's",
    ("services/accreditation/credentials/rules.py", "nothing_to_state"): "a refused item in a 200",
    ("services/kit/subjects.py", "bsn_refused"): "a builder of the services that take a"
    " registration number, each listing `bsn` where it refuses one",
}
"""Functions that build ``FieldError`` s for answers other than a 422, and which answers."""


def _sources(service: str) -> Iterator[Path]:
    for package in (ROOT / "services" / service, ROOT / "services" / "kit"):
        for path in sorted(package.rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "migrations" not in path.parts and relative not in NOT_REFUSALS:
                yield path


def _name(call: ast.Call) -> str | None:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)


def _constants(tree: ast.Module) -> dict[str, str]:
    return {
        target.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign | ast.AnnAssign)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(target, ast.Name)
    }


class _Rules(ast.NodeVisitor):
    """The rules of one module that may end in a 422: given as ``rule=`` or to a builder's
    ``rule`` parameter, outside every call of :data:`NOT_A_REFUSAL` (and of a builder that makes
    one)."""

    def __init__(
        self, path: str, tree: ast.Module, builders: dict[str, int | None], others: set[str]
    ) -> None:
        self.path = path
        self.constants = _constants(tree)
        self.builders = builders
        self.others = others
        self.found: set[str] = set()
        self._outside: list[bool] = [True]

    def _rule(self, node: ast.expr) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        return self.constants.get(node.id) if isinstance(node, ast.Name) else None

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self._outside.append(self._outside[-1] and (self.path, node.name) not in NOT_REFUSING)
        self.generic_visit(node)
        self._outside.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Call(self, node: ast.Call) -> None:
        name = _name(node)
        refuses = self._outside[-1] and name not in NOT_A_REFUSAL and name not in self.others
        if refuses:
            given = [k.value for k in node.keywords if k.arg == "rule"]
            position = self.builders.get(name or "")
            if position is not None and position < len(node.args):
                given.append(node.args[position])
            self.found |= {rule for rule in map(self._rule, given) if rule}
        self._outside.append(refuses)
        self.generic_visit(node)
        self._outside.pop()


def _builders(trees: list[ast.Module]) -> tuple[dict[str, int | None], set[str]]:
    """Functions with a ``rule`` parameter, with its position (``None``: keyword-only), and
    those of them that make a :data:`NOT_A_REFUSAL` (an error other than a 422)."""
    found: dict[str, int | None] = {}
    others: set[str] = set()
    for tree in trees:
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            positional = [a.arg for a in node.args.posonlyargs + node.args.args]
            if "rule" not in positional + [a.arg for a in node.args.kwonlyargs]:
                continue
            found[node.name] = positional.index("rule") if "rule" in positional else None
            made = {_name(c) for c in ast.walk(node) if isinstance(c, ast.Call)}
            if made & NOT_A_REFUSAL and "RuleViolation" not in made:
                others.add(node.name)
    return found, others


@cache
def rules_of(service: str) -> frozenset[str]:
    """Every rule the code of ``service`` (and of the kit) may refuse a request with."""
    trees = {
        path.relative_to(ROOT).as_posix(): ast.parse(path.read_text()) for path in _sources(service)
    }
    builders, others = _builders(list(trees.values()))
    found: set[str] = set()
    for path, tree in trees.items():
        visitor = _Rules(path, tree, builders, others)
        visitor.visit(tree)
        found |= visitor.found
    return frozenset(found)


def listed_in(service: str) -> set[str]:
    document = contract(service)
    return {
        rule
        for item in document["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "responses" in op
        for rule in listed_rules(op)
    }


def test_the_rules_are_read_from_the_code() -> None:
    assert {"location_required", "video_link_required", "size_policy"} <= rules_of("scheduling")
    assert {"idempotency_key_reused", "replay_window"} <= rules_of("scheduling")
    assert "double_booking" not in rules_of("scheduling"), "a 409's rule"
    assert "max_absences" not in rules_of("scheduling"), "a warning's rule"
    assert "syntax" not in rules_of("scheduling"), "a 400 of the kit"


@pytest.mark.parametrize("service", SERVICES)
def test_every_rule_of_the_code_is_in_the_contract(service: str) -> None:
    unlisted = sorted(rules_of(service) - listed_in(service))
    assert not unlisted, f"contracts/{service}.yaml lists no 422 with the rules {unlisted}"


@pytest.mark.parametrize("service", SERVICES)
def test_every_422_names_its_rules(service: str) -> None:
    document = contract(service)
    bare = [
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method, op in item.items()
        if isinstance(op, dict) and "422" in op.get("responses", {}) and not listed_rules(op)
    ]
    assert not bare, f"422s that name no rule in contracts/{service}.yaml: {bare}"
