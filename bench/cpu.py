"""Where a measurement's CPU time went: the service, PostgreSQL and the load generator.

Read from ``/proc`` (Linux) around each measured run: the service's process, the bench's
PostgreSQL server and its backends (every process named ``postgres`` on this machine when
``DATABASE_URL`` names a server whose data directory the bench does not know; none when it is
elsewhere) and the bench's reaped children (wrk). Divided by the requests served, it
says what one request costs each of them, which is what bounds throughput when they share
two cores.
"""

from __future__ import annotations

import os
import resource
from dataclasses import dataclass
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _ticks(pid: int, first: int) -> float:
    """Seconds of two adjacent ``/proc/PID/stat`` clock fields, counted after the command name
    (state is 0); 0 when the process is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[first]) + int(fields[first + 1])) / _TICK


def process_seconds(pid: int) -> float:
    """User plus system CPU seconds of a process (all its threads); 0 when it is gone."""
    return _ticks(pid, 11)  # utime and stime: fields 14 and 15 (1-based)


_server: list[int] = []
"""The bench's own PostgreSQL server (its postmaster's pid), once :func:`watch_server` knows it."""


def watch_server(data_dir: Path) -> bool:
    """Count only the server whose data is in ``data_dir`` (and its backends), not every
    ``postgres`` on the machine: another server's work (tests beside the bench) is not the
    bench's. False when its ``postmaster.pid`` cannot be read."""
    try:
        pid = int((data_dir / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return False
    _server[:] = [pid]
    return True


def _parent(entry: Path) -> int:
    try:
        return int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return 0


def postgres_pids() -> list[int]:
    """The bench's server and its backends (:func:`watch_server`), else every process named
    ``postgres`` on this machine."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() != "postgres":
                continue
        except OSError:
            continue
        pid = int(entry.name)
        if not _server or pid in _server or _parent(entry) in _server:
            pids.append(pid)
    return pids


def tree_seconds(pid: int) -> float:
    """A process's CPU seconds and its children's (the workers of ``kring serve --workers N``
    under their supervisor)."""
    total = process_seconds(pid)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and _parent(entry) == pid:
            total += process_seconds(int(entry.name))
    return total


def _reaped_seconds(pid: int) -> float:
    """CPU seconds of a process's children that exited and were waited for."""
    return _ticks(pid, 13)  # cutime and cstime: fields 16 and 17 (1-based)


def postgres_seconds() -> float:
    """PostgreSQL's CPU seconds so far: of the live processes, and (when the bench knows its
    server) of the backends and workers that exited since it started, which the postmaster
    reaped, so that one exiting during a measurement takes no time back."""
    reaped = _reaped_seconds(_server[0]) if _server else 0.0
    return reaped + sum(process_seconds(pid) for pid in postgres_pids())


def pin_postgres(cores: set[int]) -> int:
    """Pin the local PostgreSQL (server and backends; later backends inherit the server's
    affinity) to ``cores``; how many processes were pinned (0: none local or not allowed)."""
    pinned = 0
    for pid in postgres_pids():
        try:
            os.sched_setaffinity(pid, cores)
            pinned += 1
        except OSError:
            continue
    return pinned


def children_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass(frozen=True)
class Snapshot:
    service: float
    postgres: float
    load: float

    @classmethod
    def take(cls, service_pid: int | None) -> Snapshot:
        return cls(
            service=tree_seconds(service_pid) if service_pid else 0.0,
            postgres=postgres_seconds(),
            load=children_seconds(),
        )


def per_request(
    before: Snapshot, after: Snapshot, requests: int, seconds: float
) -> dict[str, float]:
    """CPU milliseconds per request of each party, and the service's share of its core."""
    n = max(requests, 1)
    service = after.service - before.service
    return {
        "service_ms": round(service * 1000 / n, 3),
        "postgres_ms": round((after.postgres - before.postgres) * 1000 / n, 3),
        "load_ms": round((after.load - before.load) * 1000 / n, 3),
        "service_core_busy": round(service / seconds, 3) if seconds > 0 else 0.0,
    }
