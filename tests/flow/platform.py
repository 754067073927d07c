"""The three services as separate processes on the test database, as `kring run` starts them."""

from __future__ import annotations

from services import platform
from services.cli import SERVICES, platform_env
from services.kit import webhooks
from services.kit.devkeys import DevKey
from tests.conftest import AUDIENCE, ISSUER
from tests.servers import free_port_block


class Platform(platform.Platform):
    def __init__(self, database_url: str, key: DevKey) -> None:
        base = free_port_block(len(SERVICES))
        ports = {name: base + i for i, name in enumerate(SERVICES)}
        envs = platform_env(
            ports,
            database_url=database_url,
            jwks=key.jwks(),
            issuer=ISSUER,
            audience=AUDIENCE,
            webhook_secret=webhooks.new_secret(),
        )
        for env in envs.values():
            env.update(KRING_LOG_LEVEL="warning", KRING_DB_POOL_MAX="8")
        super().__init__(ports, envs)
