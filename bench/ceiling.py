"""The framework's ceiling: a Litestar app answering a constant msgspec Struct as JSON.

Served by the same ASGI server with the same settings as ``kring serve`` (uvicorn, one
worker, no access log, proxy headers, no server header, the same garbage collector
settings), so the distance between this and an
endpoint is what the endpoint itself costs.

``python -m bench.ceiling --port PORT``
"""

from __future__ import annotations

import argparse

import msgspec
import uvicorn
from litestar import Litestar, get

from services.cli import SERVE_OPTIONS, tune_gc


class Pong(msgspec.Struct, frozen=True):
    service: str
    status: str
    version: int


PONG = Pong(service="ceiling", status="ok", version=1)


@get("/ceiling", sync_to_thread=False)
def ceiling() -> Pong:
    return PONG


def create_app() -> Litestar:
    return Litestar(route_handlers=[ceiling], logging_config=None, openapi_config=None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    tune_gc()  # as kring serve does
    uvicorn.run(
        "bench.ceiling:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=1,
        **SERVE_OPTIONS,
    )


if __name__ == "__main__":
    main()
