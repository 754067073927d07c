"""The AsyncAPI documents (``contracts/<service>.asyncapi.yaml``): valid to the AsyncAPI parser,
and listing every event type the code emits, the types of the OpenAPI contract's ``webhooks``."""

from __future__ import annotations

import ast
import importlib
import json
import pkgutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from services.cli import ROOT, SERVICES, service_module
from services.kit.events import Emitter
from tests.conftest import Token
from tests.node import node
from tests.scheduling.sessions.support import events
from tests.scheduling.support import two_employers

from .support import message_validator

DOCUMENTS = [ROOT / "contracts" / f"{service}.asyncapi.yaml" for service in SERVICES]

_PARSE = """
const { Parser } = require("@asyncapi/parser");
const fs = require("fs");
(async () => {
  const parsed = {};
  for (const path of process.argv.slice(1)) {
    const { document, diagnostics } = await new Parser().parse(fs.readFileSync(path, "utf8"));
    parsed[path] = {
      errors: diagnostics.filter(d => d.severity === 0)
        .map(d => `${d.path.join(".")}: ${d.message}`),
      messages: document ? document.allMessages().all().map(m => m.name()) : null,
    };
  }
  process.stdout.write(JSON.stringify(parsed));
})();
"""


def parse(*paths: Path) -> dict[str, Any]:
    """What ``@asyncapi/parser`` makes of each document: its errors and its messages' names."""
    if not (ROOT / "node_modules" / "@asyncapi" / "parser").is_dir():
        pytest.skip("@asyncapi/parser is not installed: run `make node`")
    done = node("-e", _PARSE, *paths)
    assert done.returncode == 0, done.stderr
    parsed: dict[str, Any] = json.loads(done.stdout)
    return parsed


def test_the_documents_are_valid_asyncapi() -> None:
    parsed = parse(*DOCUMENTS)
    for path in DOCUMENTS:
        assert parsed[str(path)]["errors"] == [], path.name
        document = yaml.safe_load(path.read_text())
        assert document["asyncapi"].startswith("3.")
        assert parsed[str(path)]["messages"] == [
            m["name"] for m in document["components"]["messages"].values()
        ]


def test_the_parser_refuses_a_broken_document(tmp_path: Path) -> None:
    """The check is not vacuous: an operation that names no action is an error."""
    document = yaml.safe_load(DOCUMENTS[0].read_text())
    operation = next(iter(document["operations"].values()))
    del operation["action"]
    broken = tmp_path / "broken.asyncapi.yaml"
    broken.write_text(yaml.safe_dump(document))
    assert parse(broken)[str(broken)]["errors"] != []


def documented(service: str) -> list[str]:
    document = yaml.safe_load((ROOT / "contracts" / f"{service}.asyncapi.yaml").read_text())
    return [message["name"] for message in document["components"]["messages"].values()]


@pytest.mark.parametrize("service", SERVICES)
def test_the_documents_list_the_catalogue_as_the_contract_does(service: str) -> None:
    contract = yaml.safe_load((ROOT / "contracts" / f"{service}.yaml").read_text())
    app = service_module(service, "app").create_app(
        service_module(service, "config").load_settings(
            {}, database_url="postgresql://contract@/none"
        )
    )
    assert documented(service) == list(contract["webhooks"]) == list(app.state.webhooks)


def _constants(tree: ast.Module) -> dict[str, str]:
    """A module's top-level names bound to a string literal."""
    return {
        target.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
        for target in node.targets
        if isinstance(target, ast.Name)
    }  # fmt: skip


def _types(node: ast.expr, constants: dict[str, str]) -> Iterator[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.Name) and node.id in constants:
        yield constants[node.id]
    elif isinstance(node, ast.IfExp):
        yield from _types(node.body, constants)
        yield from _types(node.orelse, constants)
    else:
        raise AssertionError(f"an event type the test cannot read: {ast.unparse(node)}")


def literal_types(source: str) -> set[str]:
    """The types of every ``emit(..., type=...)`` call in ``source``: a literal, a module
    constant or a choice between them. Any other expression fails, so that no event type can
    be emitted out of the tests' sight (the kit's ``Emitter`` reads its types from the
    service's ``webhooks``, collected by :func:`emitter_types`)."""
    tree = ast.parse(source)
    constants = _constants(tree)
    emitter = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef) and node.name == "Emitter"
        for inner in ast.walk(node)
    }
    found: set[str] = set()
    for call in ast.walk(tree):
        if not isinstance(call, ast.Call) or id(call) in emitter:
            continue
        func = call.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name == "emit":
            for keyword in call.keywords:
                if keyword.arg == "type":
                    found.update(_types(keyword.value, constants))
    return found


def sources(*folders: str) -> Iterator[Path]:
    for folder in folders:
        yield from (
            p for p in (ROOT / "services" / folder).rglob("*.py") if "migrations" not in p.parts
        )


def emitter_types(service: str) -> set[str]:
    """The types of every ``Emitter`` a module of the service holds."""
    package = importlib.import_module(f"services.{service}")
    found: set[str] = set()
    for module in pkgutil.walk_packages(package.__path__, f"services.{service}."):
        if ".migrations" in module.name:
            continue
        for value in vars(importlib.import_module(module.name)).values():
            if isinstance(value, Emitter):
                found |= value.types
    return found


@pytest.mark.parametrize("service", SERVICES)
def test_every_type_the_code_emits_is_documented(service: str) -> None:
    emitted = emitter_types(service)
    for path in sources(service, "kit"):
        emitted |= literal_types(path.read_text())
    assert emitted, "found no emitted type: the scan is blind"
    missing = sorted(emitted - set(documented(service)))
    assert missing == [], f"emitted but not in contracts/{service}.asyncapi.yaml: {missing}"


def test_the_scan_sees_literals_constants_and_choices_and_refuses_the_rest() -> None:
    source = """
KIND = "thing.made"
async def f(conn, ok):
    await outbox.emit(conn, type="thing.done", payload={})
    await emit(conn, type=KIND if ok else "thing.failed")
"""
    assert literal_types(source) == {"thing.done", "thing.made", "thing.failed"}
    with pytest.raises(AssertionError, match="cannot read"):
        literal_types("async def f(conn, t):\n    await emit(conn, type=t)\n")


async def test_what_scheduling_sends_is_what_its_messages_describe(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    await two_employers(scheduling, auth)
    sent, _ = await events(scheduling, auth, expect=13, hide=frozenset())
    assert len({e["type"] for e in sent}) == 9
    for event in sent:
        validator = message_validator("scheduling", event["type"])
        assert [e.message for e in validator.iter_errors(event)] == [], event["type"]
    closed = next(e for e in sent if e["type"] == "session.closed")
    assert not message_validator("scheduling", "session.closed").is_valid(
        {**closed, "data": {**closed["data"], "attendees": "none"}}
    )
    assert not message_validator("scheduling", "session.cancelled").is_valid(closed)
