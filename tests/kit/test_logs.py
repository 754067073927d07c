"""Logs stay JSON events whoever writes them, and carry no secret: a forced 500 and a database
outage, served by uvicorn as in production, then the log grepped line by line."""

from __future__ import annotations

import re
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import msgspec
from litestar import Request, get, post
from litestar.datastructures import State
from litestar.params import JSONBody

from services.cli import service_module
from services.kit import webhooks
from services.kit.app import create_service_app
from services.kit.db import Conn
from services.kit.observability import configure_logging
from services.kit.principal import Principal
from services.kit.request_context import request_context
from services.kit.schemas import Inbound
from services.kit.settings import Settings
from tests.kit.support import CuttableDatabase, admin_policy
from tests.servers import ThreadedServer

COOKIE = "session=cookie-marker-5d1e"
BODY_MARKER = "body-marker-91c2"


class Note(Inbound):
    note: str


@post("/v1/boom", operation_id="postBoom", status_code=200)
async def boom(request: Request[Any, Any, Any], data: JSONBody[Note], state: State) -> None:
    """Fails with the caller's token, the settings and the database URL at hand (in its locals
    and its message), as an unforeseen bug would."""
    settings = state.settings
    token = request.headers["authorization"]
    raise RuntimeError(f"boom: {token} {settings!r} {settings.database_url}")


@get("/v1/one", operation_id="getOne")
async def one(conn: Conn) -> dict[str, int]:
    return {"one": await conn.fetchval("SELECT 1")}


@contextmanager
def logging_to(path: Path) -> Iterator[None]:
    """Standard error is ``path`` while an app is built and runs in the block, as a process's
    would be; then logging is as the session's apps had it."""
    original = sys.stderr
    with path.open("w", buffering=1) as stream:
        sys.stderr = stream
        try:
            yield
        finally:
            sys.stderr = original
            configure_logging(service="kit", fmt="json", level="warning")


def _app(settings: Settings) -> Any:
    config = service_module("scheduling", "config")
    return create_service_app(
        settings,
        schema=config.SCHEMA,
        title="probe",
        version="0",
        description="A failing route and a database route.",
        port=0,
        route_handlers=[boom, one],
        migrations=config.MIGRATIONS,
        principal_type=Principal,
        policy=admin_policy("postBoom", "getOne"),
        signature_namespace={"Note": Note},
    )


def _eventually(check: Callable[[], bool], seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def _lines(path: Path) -> list[dict[str, Any]]:
    """Every line of the log, each a JSON object (a line that is not fails the test here)."""
    return [msgspec.json.decode(line) for line in path.read_text().splitlines() if line]


def test_a_500_and_an_outage_log_json_without_secrets(
    database_url: str,
    settings_for: Callable[..., Settings],
    token_for: Callable[..., dict[str, str]],
    tmp_path: Path,
) -> None:
    database = CuttableDatabase(database_url)
    secret = webhooks.new_secret()
    subscribers = [{"name": "x", "url": "http://x.invalid", "secret": secret, "types": ["*"]}]
    settings = settings_for(
        "scheduling",
        database_url=database.url,
        log_level="info",
        webhook_secrets=(secret,),
        webhook_subscribers=msgspec.json.encode(subscribers).decode(),
        db_pool_min=1,
        db_pool_max=2,
    )
    auth = token_for(uuid.uuid4())
    token = auth["Authorization"].removeprefix("Bearer ")
    log_file = tmp_path / "service.log"
    with (
        logging_to(log_file),
        ThreadedServer(_app(settings)) as server,
        httpx.Client(base_url=server.url) as api,
    ):
        assert api.get("/v1/one", headers=auth).json() == {"one": 1}

        failed = api.post(
            "/v1/boom", json={"note": BODY_MARKER}, headers={**auth, "cookie": COOKIE}
        )
        assert failed.status_code == 500
        assert failed.json()["request_id"] == failed.headers["x-request-id"]

        database.cut()
        down = api.get("/v1/one", headers=auth)
        assert down.status_code == 503, down.text
        assert down.headers["retry-after"] == "5"
        assert down.headers["content-type"].startswith("application/problem+json")
        assert [e["rule"] for e in down.json()["errors"]] == ["database_unavailable"]
        # Input is refused before the database is needed: the outage does not hide it.
        wrong = api.post("/v1/boom", content=b"{}", headers={**auth, "content-type": "text/plain"})
        assert wrong.status_code == 415
        # asyncpg's pool tries to restore its floor, logging each failure with a traceback.
        assert _eventually(lambda: "asyncpg.pool" in log_file.read_text())

        database.restore()
        assert _eventually(lambda: api.get("/v1/one", headers=auth).status_code == 200)
    database.cut()

    lines = _lines(log_file)
    text = log_file.read_text()
    for leaked in (token, COOKIE, "cookie-marker", BODY_MARKER, secret, database.password):
        assert leaked not in text, leaked
    (crash,) = [line for line in lines if line["event"] == "unhandled_exception"]
    assert "[redacted]" in crash["exception"][0]["exc_value"]
    assert crash["exception"][0]["frames"]
    assert not any("locals" in frame for frame in crash["exception"][0]["frames"])
    assert any(line["event"] == "database_unavailable" for line in lines)
    pool = next(line for line in lines if line.get("logger") == "asyncpg.pool")
    assert pool["level"] == "warning" and pool["exception"][0]["exc_type"]
    statuses = [line["status"] for line in lines if line["event"] == "http_request"]
    assert {200, 415, 500, 503} <= set(statuses)
    # The 500's request line and its crash line carry the request's ids, as its answer does.
    (request_line,) = [
        line for line in lines if line["event"] == "http_request" and line["status"] == 500
    ]
    trace_id, span_id = failed.headers["traceparent"].split("-")[1:3]
    for line in (request_line, crash):
        assert line["request_id"] == failed.headers["x-request-id"]
        assert (line["trace_id"], line["span_id"]) == (trace_id, span_id)
    assert request_line["service"] == "scheduling" and request_line["level"] == "info"
    assert request_line["method"] == "POST" and request_line["path"] == "/v1/boom"
    assert request_line["timestamp"].endswith("Z") and request_line["duration_ms"] >= 0


def test_the_json_request_line_is_the_line_the_processors_write(tmp_path: Path) -> None:
    """The request line written without the processors (JSON, in a request) has the same keys
    in the same order and the same values as the processors' line, with the timestamp in
    their format; a path that may hold a secret goes through the processors' redaction."""
    from services.kit import observability

    log = tmp_path / "stderr.log"
    with logging_to(log):
        configure_logging(service="kit", fmt="json", level="info")
        writer = observability._request_line
        assert isinstance(writer, observability._JsonRequestLine)
        fields = {"method": "GET", "path": "/v1/groups", "status": 200, "duration_ms": 1.5}
        with request_context(request_id="r-1", trace_id="a" * 32, span_id="b" * 16):
            observability.log_request(**fields)
            writer.generic.write({**fields, "event": "http_request"})
            observability.log_request(**{**fields, "path": "/v1/calendars/kcap_s3cr3t.ics"})
    fast, processed, secret = [msgspec.json.decode(line) for line in log.read_text().splitlines()]
    assert list(fast) == list(processed)
    assert {k: v for k, v in fast.items() if k != "timestamp"} == {
        k: v for k, v in processed.items() if k != "timestamp"
    }
    stamp = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z$"
    assert re.match(stamp, fast["timestamp"]) and re.match(stamp, processed["timestamp"])
    assert abs(_instant(fast["timestamp"]) - _instant(processed["timestamp"])) < 5
    assert secret["path"] == "/v1/calendars/[redacted].ics"
    assert "s3cr3t" not in log.read_text()


def _instant(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
