"""The three services as separate processes on the test database, as `kring run` starts them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx

from services.cli import ROOT, SERVICES, platform_env
from services.kit import webhooks
from services.kit.devkeys import DevKey
from tests.conftest import AUDIENCE, ISSUER
from tests.servers import free_port_block


class Platform:
    def __init__(self, database_url: str, key: DevKey) -> None:
        base = free_port_block(len(SERVICES))
        self.ports = {name: base + i for i, name in enumerate(SERVICES)}
        self.urls = {name: f"http://127.0.0.1:{port}" for name, port in self.ports.items()}
        self.envs = platform_env(
            self.ports,
            database_url=database_url,
            jwks=key.jwks(),
            issuer=ISSUER,
            audience=AUDIENCE,
            webhook_secret=webhooks.new_secret(),
        )
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str) -> None:
        env = {
            **os.environ,
            **self.envs[name],
            "KRING_LOG_LEVEL": "warning",
            "KRING_DB_POOL_MAX": "8",
        }
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", "services.cli", "serve", name, "--port", str(self.ports[name])],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.urls[name]}/health/ready", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{name} did not become ready")

    def kill(self, name: str) -> None:
        """SIGKILL: no shutdown, no flushing, as a crashed pod."""
        process = self.processes.pop(name)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def __enter__(self) -> Platform:
        for name in SERVICES:
            self.start(name)
        return self

    def __exit__(self, *_: object) -> None:
        for process in self.processes.values():
            process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
