"""``python -m bench.peer [--raw] --port PORT ['{"database_url": ..., ...}']``: serve a peer.

``--raw`` serves the second peer (:mod:`bench.peer.raw`: FastAPI and pydantic on Kring's raw
asyncpg SQL) instead of the conventional one (FastAPI, pydantic, SQLAlchemy async ORM).

Settings come from the accreditation service's ``KRING_*`` variables (``KRING_DATABASE_URL``,
``KRING_DATABASE_ROLE``, ``KRING_JWT_JWKS``, ``KRING_JWT_ISSUER``, ``KRING_JWT_AUDIENCE``,
``KRING_DB_POOL_MAX``); a JSON object as the last argument overrides them. Served by uvicorn
with the settings of ``kring serve``: one worker, no log config, no access log, proxy headers,
no server header (uvloop and httptools when installed), and the same garbage collector
tuning (``tune_gc``).
"""

from __future__ import annotations

import argparse
import json

import uvicorn

from services.cli import SERVE_OPTIONS, tune_gc

from . import raw
from .app import create_app
from .settings import PeerSettings


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.peer", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--raw", action="store_true", help="FastAPI on raw asyncpg SQL, no ORM")
    parser.add_argument("config", nargs="?", default="{}", help="JSON settings (override env)")
    args = parser.parse_args()
    settings = PeerSettings.load(**json.loads(args.config))
    app = raw.create_app(settings) if args.raw else create_app(settings)
    tune_gc()  # as kring serve does
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        workers=1,
        **SERVE_OPTIONS,
    )


if __name__ == "__main__":
    main()
