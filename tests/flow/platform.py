"""The three services as separate processes on the test database, as `kring run` starts them;
or two replicas of each, as the autoscaler runs them."""

from __future__ import annotations

from services import platform
from services.cli import SERVICES, platform_env
from services.kit import webhooks
from services.kit.devkeys import DevKey
from tests.conftest import AUDIENCE, ISSUER
from tests.servers import RoundRobin, free_port_block


def environments(
    ports: dict[str, int], database_url: str, key: DevKey, **extra: str
) -> dict[str, dict[str, str]]:
    """Each service's environment, the others reached at ``ports``; ``extra`` for every one."""
    envs = platform_env(
        ports,
        database_url=database_url,
        jwks=key.jwks(),
        issuer=ISSUER,
        audience=AUDIENCE,
        webhook_secret=webhooks.new_secret(),
    )
    for env in envs.values():
        # Subscriptions the flow tests make send to receivers on this machine.
        env.update(
            {
                "KRING_LOG_LEVEL": "warning",
                "KRING_DB_POOL_MAX": "8",
                "KRING_WEBHOOK_ALLOW_LOOPBACK": "1",
                **extra,
            }
        )
    return envs


class Platform(platform.Platform):
    def __init__(self, database_url: str, key: DevKey) -> None:
        base = free_port_block(len(SERVICES))
        ports = {name: base + i for i, name in enumerate(SERVICES)}
        super().__init__(ports, environments(ports, database_url, key))


class Replicas:
    """Two replicas of each service on one database. Each service has a front that passes every
    new connection to the next replica alive (its Kubernetes Service): the other services and
    the relays' deliveries reach it there; :attr:`replicas` reach one replica each."""

    def __init__(self, database_url: str, key: DevKey, **extra: str) -> None:
        # One block for the fronts and the replicas: a front bound to any free port could take
        # one a replica is about to listen on.
        n = len(SERVICES)
        base = free_port_block(3 * n)
        ports = [
            {name: base + n * (1 + r) + i for i, name in enumerate(SERVICES)} for r in range(2)
        ]
        self.fronts = {
            name: RoundRobin([p[name] for p in ports], port=base + i)
            for i, name in enumerate(SERVICES)
        }
        self.urls = {name: f"http://127.0.0.1:{front.port}" for name, front in self.fronts.items()}
        fronts = {name: front.port for name, front in self.fronts.items()}
        envs = environments(fronts, database_url, key, **extra)
        self.replicas = [platform.Platform(p, envs) for p in ports]

    def __enter__(self) -> Replicas:
        try:
            for replica in self.replicas:
                replica.start_all()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *_: object) -> None:
        for replica in self.replicas:
            replica.stop()
        for front in self.fronts.values():
            front.close()
