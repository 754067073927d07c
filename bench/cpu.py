"""Where a measurement's CPU time went: the service, PostgreSQL and the load generator.

Read from ``/proc`` (Linux) around each measured run: the service's process, every process
named ``postgres`` on this machine (the server and its backends; none when ``DATABASE_URL``
points elsewhere) and the bench's reaped children (wrk). Divided by the requests served, it
says what one request costs each of them, which is what bounds throughput when they share
two cores.
"""

from __future__ import annotations

import os
import resource
from dataclasses import dataclass
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def process_seconds(pid: int) -> float:
    """User plus system CPU seconds of a process (all its threads); 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    # After the command name: state is field 3, utime 14 and stime 15 (1-based).
    return (int(fields[11]) + int(fields[12])) / _TICK


def postgres_pids() -> list[int]:
    """Every process named ``postgres`` on this machine (the server and its backends)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() == "postgres":
                pids.append(int(entry.name))
        except OSError:
            continue
    return pids


def postgres_seconds() -> float:
    return sum(process_seconds(pid) for pid in postgres_pids())


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
            service=process_seconds(service_pid) if service_pid else 0.0,
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
