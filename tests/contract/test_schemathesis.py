"""schemathesis over each committed contract, against the app served over real HTTP.

Every default check runs: server errors, status codes, content types, headers and
bodies against the contract, negative data rejection, positive data acceptance,
ignored auth and the rest.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from services.cli import ROOT, service_module
from services.kit.settings import Settings
from tests.servers import ThreadedServer

ORG = uuid.uuid4()
EXAMPLES = 60
TOKENS: dict[str, str] = {}


@pytest.fixture(scope="module", autouse=True)
def admin_token(token_for: Callable[..., dict[str, str]]) -> None:
    TOKENS["admin"] = token_for(ORG, "admin", ttl=3600)["Authorization"]


class AdminToken:
    """Through schemathesis' auth, so that its no-auth and bad-auth probes stay as they are."""

    def get(self, case: schemathesis.Case, ctx: schemathesis.AuthContext) -> str:
        return TOKENS["admin"]

    def set(self, case: schemathesis.Case, data: str, ctx: schemathesis.AuthContext) -> None:
        case.headers = {**(case.headers or {}), "Authorization": data}


def _serve(service: str, settings: Settings) -> Iterator[ThreadedServer]:
    with ThreadedServer(service_module(service, "app").create_app(settings)) as server:
        yield server


def _server(service: str) -> Callable[..., Iterator[ThreadedServer]]:
    @pytest.fixture(scope="module")
    def serve(settings_for: Callable[..., Settings]) -> Iterator[ThreadedServer]:
        yield from _serve(service, settings_for(service))

    return serve


def _schema(service: str) -> schemathesis.schemas.BaseSchema:
    schema = schemathesis.openapi.from_path(ROOT / "contracts" / f"{service}.yaml")
    schema.auth(AdminToken)
    return schema


scheduling_server = _server("scheduling")
accreditation_server = _server("accreditation")


@pytest.fixture(scope="module")
def invoicing_server(
    settings_for: Callable[..., Settings], scheduling_server: ThreadedServer
) -> Iterator[ThreadedServer]:
    """Invoicing asks the scheduling served beside it whether a cost sheet's session exists."""
    yield from _serve("invoicing", settings_for("invoicing", scheduling_url=scheduling_server.url))


scheduling_schema = _schema("scheduling")
accreditation_schema = _schema("accreditation")
invoicing_schema = _schema("invoicing")

fuzz = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)


@scheduling_schema.parametrize()
@fuzz
def test_scheduling(case: schemathesis.Case, scheduling_server: ThreadedServer) -> None:
    case.call_and_validate(base_url=scheduling_server.url)


@accreditation_schema.parametrize()
@fuzz
def test_accreditation(case: schemathesis.Case, accreditation_server: ThreadedServer) -> None:
    case.call_and_validate(base_url=accreditation_server.url)


@invoicing_schema.parametrize()
@fuzz
def test_invoicing(case: schemathesis.Case, invoicing_server: ThreadedServer) -> None:
    case.call_and_validate(base_url=invoicing_server.url)
