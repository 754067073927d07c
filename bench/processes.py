"""The processes under load: the services, the framework ceiling, the peer and the ladder's rungs.

Each runs on the service core (when pinned), logs into the run's work folder and is ready when
its readiness path answers 200. Every start records the command, as the report shows it.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from services.cli import platform_env
from services.kit.devkeys import DevKey

from .machine import ROOT, read

ISSUER = "kring-bench"
AUDIENCE = "kring"
UNLIMITED = {"KRING_RATE_LIMIT_TENANT": "1000000000", "KRING_RATE_LIMIT_CLIENT": "1000000000"}
"""Quotas no bench run can spend: the limits are checked on every request and never refuse."""
READY_PATHS = {
    "ceiling": "/ceiling",
    "peer": "/health",
    "peer-raw": "/health",
    "pool-peer-raw": "/health",
    "ladder-bare": "/ladder/bare",
    "ladder-floor": "/ladder/floor",
    "ladder-sessions-floor": "/ladder/sessions-floor",
}


@dataclass(frozen=True)
class Service:
    """A started process: its pid (for CPU and memory) and the port it answers on."""

    pid: int
    port: int

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class Processes:
    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.running: dict[str, subprocess.Popen[bytes]] = {}
        self.commands: list[str] = []

    def start(self, name: str, command: list[str], env: dict[str, str], port: int) -> int:
        log = (self.logs / f"{name}.log").open("wb")
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        self.running[name] = process
        if not _wait_http(port, READY_PATHS.get(name, "/health/ready")):
            self.stop()
            tail = (self.logs / f"{name}.log").read_text()[-3000:]
            raise SystemExit(f"{name} did not become ready on port {port}:\n{tail}")
        return process.pid

    def terminate(self, name: str) -> None:
        """Stop one process without waiting for it."""
        self.running.pop(name).terminate()

    def stop(self) -> None:
        for process in self.running.values():
            if process.poll() is None:
                process.terminate()
        for process in self.running.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        self.running.clear()


def _wait_http(port: int, path: str, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}{path}", timeout=1.0).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def environments(
    ports: dict[str, int], *, database_url: str, key: DevKey
) -> dict[str, dict[str, str]]:
    """Each service's environment: the bench's database, tokens signed by ``key``, and rate
    limits no run can spend (checked on every request, never refusing one)."""
    envs = platform_env(
        ports,
        database_url=database_url,
        jwks=key.jwks(),
        issuer=ISSUER,
        audience=AUDIENCE,
        webhook_secret="whsec_" + "0" * 32,
    )
    return {name: {**env, **UNLIMITED} for name, env in envs.items()}


def start_all(
    procs: Processes, pin: dict[str, Any], envs: dict[str, dict[str, str]], ports: dict[str, int]
) -> dict[str, Service]:
    """The three services (``kring serve``), the framework ceiling and the peers."""
    # Invoicing too: scheduling's archive of a person (the subject export) calls it.
    services = {
        name: serve(procs, pin, name, envs[name], ports[name])
        for name in ("scheduling", "accreditation", "invoicing")
    }
    services["ceiling"] = start_module(procs, pin, "ceiling", dict(os.environ))
    services["peer"] = start_module(
        procs,
        pin,
        "peer",
        {**os.environ, **envs["accreditation"]},
        note="  # the accreditation service's environment",
    )
    services["peer-raw"] = start_module(
        procs,
        pin,
        "peer",
        {**os.environ, **envs["accreditation"]},
        name="peer-raw",
        args=["--raw"],
        note="  # the accreditation service's environment",
    )
    return services


def serve(
    procs: Processes,
    pin: dict[str, Any],
    service: str,
    env: dict[str, str],
    port: int,
    *,
    name: str | None = None,
    workers: int = 1,
    note: str = "",
) -> Service:
    """``kring serve SERVICE`` on the service core, as process ``name`` (the service's own by
    default), with ``env`` (its ``KRING_*`` variables) over this process's environment."""
    env = {**os.environ, **env, "KRING_LOG_FORMAT": "json"}
    command = [*pin["service"], sys.executable, "-m", "services.cli", "serve", service]
    command += ["--port", str(port)]
    more = ["--workers", str(workers)] if workers != 1 else []
    started = Service(procs.start(name or service, [*command, *more], env, port), port)
    shown = [*pin["service"], "kring", "serve", service, "--port", "PORT", *more]
    procs.commands.append(" ".join(shown) + note)
    return started


def start_module(
    procs: Processes,
    pin: dict[str, Any],
    module: str,
    env: dict[str, str],
    *,
    name: str | None = None,
    args: tuple[str, ...] | list[str] = (),
    note: str = "",
) -> Service:
    """``python -m bench.<module> [args] --port PORT`` on the service core."""
    port = free_port()
    command = [*pin["service"], sys.executable, "-m", f"bench.{module}", *args]
    service = Service(procs.start(name or module, [*command, "--port", str(port)], env, port), port)
    shown = [*pin["service"], "python", "-m", f"bench.{module}", *args, "--port", "PORT"]
    procs.commands.append(" ".join(shown) + note)
    return service


def start_rung(
    procs: Processes,
    pin: dict[str, Any],
    app: str,
    *,
    page: Path | None,
    env: dict[str, str],
    work: dict[str, Any] | None = None,
) -> Service:
    """One of the ladder's apps (``bench.ladder``), answering the registrant's ``page``; a
    floor does its database ``work`` and answers the page it read."""
    port = free_port()
    command = [*pin["service"], sys.executable, "-m", "bench.ladder", app, "--port", str(port)]
    shown = [*pin["service"], "python", "-m", "bench.ladder", app, "--port", "PORT"]
    if page is not None:
        command += ["--page", str(page)]
        shown += ["--page", "registrant-page.json"]
    if work is not None:
        command += ["--work", json.dumps(work)]
        shown += ["--work", "'{...}'"]
    service = Service(procs.start(f"ladder-{app}", command, env, port), port)
    procs.commands.append(" ".join(shown))
    return service


def status_kb(pid: int, field: str) -> int:
    for line in read(f"/proc/{pid}/status").splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def reset_peak(pid: int) -> bool:
    """Reset the process's peak RSS (VmHWM) to its current RSS (Linux clear_refs 5)."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False
