"""The machine the bench runs on: what it is, for the report, and how the run shares its cores.

With two cores or more and ``taskset``, wrk and the bench's own client take the first core
(the load core) and each service the second (the service core); a local PostgreSQL joins the
load core, so a service has its core to itself.
"""

from __future__ import annotations

import contextlib
import os
import platform
import shutil
import subprocess
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

from . import cpu

ROOT = Path(__file__).resolve().parent.parent


def read(path: str) -> str:
    """A file's text, or "" when it cannot be read (a ``/proc`` entry of a process gone)."""
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "absent"


def _git(*args: str) -> str:
    try:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _wrk_version() -> str:
    if not shutil.which("wrk"):
        return "absent"
    probe = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
    return (probe.stdout + probe.stderr).strip().splitlines()[0] if probe else "unknown"


def describe() -> dict[str, Any]:
    """CPUs, memory, system, versions and commit, as the report's machine section shows them."""
    cpu_model = next(
        (
            line.split(":", 1)[1].strip()
            for line in read("/proc/cpuinfo").splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    mem_kb = next(
        (
            int(line.split()[1])
            for line in read("/proc/meminfo").splitlines()
            if line.startswith("MemTotal:")
        ),
        0,
    )
    return {
        "nproc": os.cpu_count(),
        "cpus_available": len(os.sched_getaffinity(0)),
        "cpu_model": cpu_model,
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "commit": _git("rev-parse", "HEAD"),
        "worktree_clean": _git("status", "--porcelain") == "",
        "versions": {
            p: _version(p) for p in ("litestar", "msgspec", "asyncpg", "uvicorn", "uvloop")
        }
        | {"wrk": _wrk_version()},
    }


@contextlib.contextmanager
def pinning() -> Iterator[dict[str, Any]]:
    """The cores of load and services, with ``taskset`` prefixes for their commands."""
    cores = sorted(os.sched_getaffinity(0))
    if shutil.which("taskset") and len(cores) >= 2:
        yield {
            "cores": cores,
            "pinned": True,
            "load_core": cores[0],
            "service_core": cores[1],
            "load": ["taskset", "-c", str(cores[0])],
            "service": ["taskset", "-c", str(cores[1])],
            "note": f"wrk and the bench's client on core {cores[0]}, each service on core "
            f"{cores[1]}.",
        }
    else:
        yield {
            "cores": cores,
            "pinned": False,
            "load": [],
            "service": [],
            "note": "NOT pinned: taskset or a second core is missing, so load generator, "
            "services and PostgreSQL share the cores.",
        }


def pin_load_side(pin: dict[str, Any]) -> None:
    """Move this process, and a local PostgreSQL, to the load core (when pinning at all)."""
    if not pin["pinned"]:
        return
    os.sched_setaffinity(0, {pin["load_core"]})
    if cpu.pin_postgres({pin["load_core"]}):
        pin["note"] += (
            f" PostgreSQL (a local server) pinned to core {pin['load_core']} too, "
            "so each service has its core to itself."
        )
    else:
        pin["note"] += " PostgreSQL not pinned (not on this machine): it shares both."


def unpin_postgres(pin: dict[str, Any]) -> None:
    """Give a local PostgreSQL all the cores back."""
    cpu.pin_postgres(set(pin["cores"]))
