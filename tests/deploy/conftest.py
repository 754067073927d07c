"""Fixtures for the deploy tests: the rendered overlays, a JWKS endpoint, the Secret values.

Nothing secret is committed: the values the Deployments' Secrets would hold are made
here, from the test database and keys generated for this run.
"""

from __future__ import annotations

import asyncio
import base64
import secrets
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services import topology
from services.cli import SERVICES, cluster_subscribers, service_module, with_database
from services.kit.devkeys import DevKey
from services.kit.migrations import app_role

from .manifests import DEPLOY, OVERLAYS, Objects, Secrets, render


@pytest.fixture(scope="session")
def rendered() -> dict[str, Objects]:
    """``kubectl kustomize`` of every overlay, once per session."""
    return {overlay: render(DEPLOY / "k8s" / "overlays" / overlay) for overlay in OVERLAYS}


@pytest.fixture(scope="session")
def jwks_url(dev_key: DevKey) -> Iterator[str]:
    """The identity provider's JWKS endpoint, played by a local HTTP server with the test key."""
    body = dev_key.jwks().encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/realms/kring/certs"
    finally:
        server.shutdown()
        server.server_close()


def _as_role(url: str, role: str) -> str:
    """The same database, logged in as ``role`` (as the service's own Secret would say)."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{role}@{host}"))


async def _can_log_in(url: str) -> bool:
    try:
        conn = await asyncpg.connect(url, timeout=5)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    await conn.close()
    return True


async def _admin(url: str, statement: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def deploy_database(database_url: str) -> Iterator[str]:
    """An empty database of its own: the migration Job installs it, as on a new cluster.

    Not the session's shared test database, so that a Job migrating to a head newer
    than the one the in-process apps started with never touches the other tests.
    """
    name = f"kring_deploy_{secrets.token_hex(4)}"
    admin = with_database(database_url, "postgres")
    asyncio.run(_admin(admin, f'CREATE DATABASE "{name}"'))
    try:
        yield with_database(database_url, name)
    finally:
        asyncio.run(_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def secret_values(deploy_database: str) -> Secrets:
    """What the Secrets named in deploy/README.md hold, for the test database.

    Each service logs in as its own role (``kring_<schema>``, created by the migration),
    as in production. Where the test server does not let that role in without a password
    (a DATABASE_URL with password authentication), the admin URL stands in.
    """
    database_url = deploy_database
    values: dict[tuple[str, str], str] = {}
    for service in SERVICES:
        own = _as_role(database_url, app_role(service_module(service, "config").SCHEMA))
        url = own if asyncio.run(_can_log_in(own)) else database_url
        values[(f"kring-db-{service}", "uri")] = url
    # The migration: any role that may create the schemas and roles (dev), or the
    # database owner CloudNativePG creates (prod, Secret kring-db-app).
    values[("kring-db-migration", "uri")] = database_url
    values[("kring-db-app", "uri")] = database_url
    pem = (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    values[("kring-accreditation-checkpoint", "signing-key.pem")] = pem
    # Event delivery between the services: the consumers' secrets, and scheduling's
    # subscribers as `kring subscribers scheduling` prints them (deploy/README.md).
    webhook_secrets = {
        consumer: "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
        for consumer in topology.consumers("scheduling")
    }
    for consumer, secret in webhook_secrets.items():
        values[("kring-webhooks", consumer)] = secret
    values[("kring-webhooks", "subscribers.json")] = cluster_subscribers(
        "scheduling", webhook_secrets
    )
    return values


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path / "pod"
