"""The three services as processes on one machine: ``kring run``, the flow tests and the bench."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def wait_ready(url: str, *, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health/ready", timeout=1.0).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    return False


class Platform:
    """Start, kill (SIGKILL, as a crashed pod) and stop services by name."""

    def __init__(
        self,
        ports: dict[str, int],
        envs: dict[str, dict[str, str]],
        *,
        quiet: bool = True,
        prefix: list[str] | None = None,
    ) -> None:
        self.ports = ports
        self.envs = envs
        self.urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
        self.quiet = quiet
        self.prefix = prefix or []
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, *, extra_env: dict[str, str] | None = None) -> None:
        output = subprocess.DEVNULL if self.quiet else None
        self.processes[name] = subprocess.Popen(
            [
                *self.prefix,
                sys.executable,
                "-m",
                "services.cli",
                "serve",
                name,
                "--port",
                str(self.ports[name]),
            ],
            cwd=ROOT,
            env={**os.environ, **self.envs[name], **(extra_env or {})},
            stdout=output,
            stderr=output,
        )
        if not wait_ready(self.urls[name]):
            raise RuntimeError(f"{name} did not become ready on port {self.ports[name]}")

    def start_all(self, **kwargs: dict[str, str]) -> None:
        for name in self.ports:
            self.start(name, **kwargs)

    def pid(self, name: str) -> int:
        return self.processes[name].pid

    def alive(self) -> bool:
        return all(process.poll() is None for process in self.processes.values())

    def kill(self, name: str) -> None:
        process = self.processes.pop(name)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        self.processes.clear()

    def __enter__(self) -> Platform:
        self.start_all()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()
