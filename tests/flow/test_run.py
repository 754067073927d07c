"""`kring run` (what `make run` calls) brings every service to ready; Ctrl-C stops them all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx

from services.cli import ROOT, SERVICES, service_module
from tests.servers import free_port_block


def test_run_brings_every_service_to_ready_and_stops_on_interrupt(database_url: str) -> None:
    offset = free_port_block(len(SERVICES)) - service_module(SERVICES[0], "config").PORT
    process = subprocess.Popen(
        [sys.executable, "-m", "services.cli", "run", "--port-offset", str(offset)],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        assert process.stdout is not None
        lines: list[str] = []
        deadline = time.monotonic() + 180
        while not any("curl" in line for line in lines):
            assert time.monotonic() < deadline, "".join(lines)
            line = process.stdout.readline()
            assert line or process.poll() is None, "".join(lines)
            lines.append(line)
        output = "".join(lines)
        for name in SERVICES:
            port = service_module(name, "config").PORT + offset
            assert f"http://127.0.0.1:{port}/docs" in output
            ready = httpx.get(f"http://127.0.0.1:{port}/health/ready", timeout=5)
            assert ready.status_code == 200, (name, ready.text)
        token = next(line.strip() for line in lines if line.startswith("eyJ"))
        people = httpx.get(
            f"http://127.0.0.1:{8101 + offset}/v1/people",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert people.status_code == 200

        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C sends to the terminal's process group
        assert process.wait(timeout=30) == 0
        for name in SERVICES:
            port = service_module(name, "config").PORT + offset
            try:
                httpx.get(f"http://127.0.0.1:{port}/health/live", timeout=1)
            except httpx.ConnectError:
                continue
            raise AssertionError(f"{name} still answers after Ctrl-C")
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
