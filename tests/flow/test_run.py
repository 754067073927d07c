"""`kring run` (what `make run` calls) brings every service to ready; Ctrl-C stops them all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from services.cli import ROOT, SERVICES, service_module, with_database
from tests import database
from tests.servers import free_port_block


@pytest.fixture
def own_database(database_url: str) -> Iterator[str]:
    """A database of this test's own on the test server. Not the shared one: ``kring run``
    makes its own services each other's event subscribers in the database it is given, which
    would leave the other flow tests' relay delivering to its ports after it stopped."""
    server = with_database(database_url, "postgres")
    name = database.create(server)
    try:
        yield with_database(server, name)
    finally:
        database.drop(server, name)


def test_run_brings_every_service_to_ready_and_stops_on_interrupt(own_database: str) -> None:
    offset = free_port_block(len(SERVICES)) - service_module(SERVICES[0], "config").PORT
    process = subprocess.Popen(
        [sys.executable, "-m", "services.cli", "run", "--port-offset", str(offset)],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": own_database},
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
        # A browser app on any local port may call (CORS), as `make run` promises.
        preflight = httpx.options(
            f"http://127.0.0.1:{8101 + offset}/v1/people",
            headers={"origin": "http://localhost:5173", "access-control-request-method": "GET"},
        )
        assert preflight.headers["access-control-allow-origin"] == "http://localhost:5173"

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
