"""The load: wrk runs and what they print, the database ceiling's run, a profile under load,
and the streamed export.

Each wrk measurement checks one answer first, warms up, then measures; a Lua ``done`` hook
prints the figures as one JSON line (``BENCH {...}``), latencies in microseconds. The CPU each
party spent is read around the measured run (:mod:`bench.cpu`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from . import cpu, profile
from .machine import ROOT
from .processes import reset_peak, status_kb

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


def path_of(url: str) -> str:
    """A local URL's path and query, without the leading slash (the port changes every run)."""
    return url.split("127.0.0.1:", 1)[1].split("/", 1)[1]


def _shown(command: list[str], script: Path, url: str) -> str:
    """A wrk command as the report shows it: the script by name, the port as PORT."""
    shown = [part if part != str(script) else script.name for part in command[:-1]]
    port = url.split("127.0.0.1:", 1)[1].split("/", 1)[0]
    shown.append("'" + url.replace(f":{port}/", ":PORT/") + "'")
    return " ".join(shown)


def _checked(name: str, url: str, token: str, check: httpx.Response | None) -> httpx.Response:
    """The answer to check before measuring (fetched when not given); it must be a 200."""
    if check is None:
        check = httpx.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=30.0)
    if check.status_code != 200:
        raise SystemExit(f"{name}: {url} answered {check.status_code}: {check.text[:500]}")
    return check


def _run(command: list[str], pid: int | None) -> dict[str, Any]:
    """One wrk run: its BENCH line, with the CPU each party spent per request."""
    before = cpu.Snapshot.take(pid)
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    after = cpu.Snapshot.take(pid)
    line = next(x for x in out.splitlines() if x.startswith("BENCH "))
    result: dict[str, Any] = json.loads(line[len("BENCH ") :])
    result["cpu"] = cpu.per_request(before, after, result["requests"], result["duration_us"] / 1e6)
    return result


def _at_once(name: str, commands: list[list[str]], pids: list[int]) -> list[float]:
    """wrk ``commands`` run at once, each loading the process of its pid: each process's CPU
    milliseconds per request it served."""
    before = [cpu.tree_seconds(pid) for pid in pids]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True) for command in commands]
    outs = [run.communicate()[0] for run in runs]
    after = [cpu.tree_seconds(pid) for pid in pids]
    spent = []
    for out, start, end in zip(outs, before, after, strict=True):
        line = next(x for x in out.splitlines() if x.startswith("BENCH "))
        figures = json.loads(line[len("BENCH ") :])
        if figures["non_2xx"] or figures["socket_errors"]:
            raise SystemExit(f"{name}: {figures}")
        spent.append(round((end - start) * 1000 / max(figures["requests"], 1), 4))
    return spent


def _print(name: str, result: dict[str, Any]) -> None:
    print(
        f"  {name:<28} {result['rps']:>9,.0f} req/s  p50 {result['p50_us'] / 1000:6.2f} ms  "
        f"p95 {result['p95_us'] / 1000:6.2f} ms  p99 {result['p99_us'] / 1000:6.2f} ms  "
        f"non-2xx {result['non_2xx']}  CPU ms/request: service {result['cpu']['service_ms']}, "
        f"PostgreSQL {result['cpu']['postgres_ms']}, wrk {result['cpu']['load_ms']}",
        flush=True,
    )


class Load:
    def __init__(self, pin: dict[str, Any], work: Path, *, duration: float, warmup: float) -> None:
        self.pin = pin
        self.work = work
        self.duration = duration
        self.warmup = warmup
        self.connections = 32
        self.timeout = 60.0
        self.commands: list[str] = []

    def _script(self, name: str, text: str) -> Path:
        slug = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")
        script = self.work / f"{slug}.lua"
        script.write_text(text)
        return script

    def _command(
        self, script: Path, url: str, *, seconds: float, connections: int, options: list[str]
    ) -> list[str]:
        return [
            *self.pin["load"],
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds:g}s",
            *options,
            "-s",
            str(script),
            url,
        ]

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
        check = _checked(name, url, token, check)
        body = check.json()
        items = len(body["items"]) if isinstance(body, dict) and "items" in body else None
        script = self._script(name, script_text or LUA % {"token": token})
        connections = connections or self.connections
        options = ["--latency", f"--timeout={self.timeout:g}s"]
        for seconds in (self.warmup, self.duration):
            command = self._command(
                script, url, seconds=seconds, connections=connections, options=options
            )
            result = _run(command, pid)
        self.commands.append(_shown(command, script, url))
        result["rps"] = round(result["requests"] / (result["duration_us"] / 1e6), 1)
        result["connections"] = connections
        result["items"] = items
        result["response_bytes"] = len(check.content)
        result["url"] = path_of(url)
        _print(name, result)
        return result

    def together(
        self,
        name: str,
        targets: list[tuple[str, int, str]],
        token: str,
        *,
        check: httpx.Response,
    ) -> list[float]:
        """Each ``(url, pid, script)`` loaded by a wrk of its own running ``script``, all at once
        for the same seconds, each with an equal share of the connections: the service CPU per
        request (ms) of each, in order. Processes sharing the service core over the same seconds
        drift alike, so the ratio of two such figures holds where figures taken one after the
        other do not."""
        for url, _, _ in targets:
            _checked(name, url, token, check)
        scripts = [self._script(f"{name} {i}", text) for i, (_, _, text) in enumerate(targets)]
        share = max(1, self.connections // len(targets))
        options = [f"--timeout={self.timeout:g}s"]
        for seconds in (self.warmup, self.duration):
            commands = [
                self._command(script, url, seconds=seconds, connections=share, options=options)
                for script, (url, _, _) in zip(scripts, targets, strict=True)
            ]
            result = _at_once(name, commands, [pid for _, pid, _ in targets])
        self.commands += [
            f"{_shown(command, script, url)} &"
            for command, script, (url, _, _) in zip(commands, scripts, targets, strict=True)
        ]
        print(f"  {name:<28} service CPU ms/request: {result}", flush=True)
        return result

    def profile(self, name: str, url: str, token: str, pid: int) -> dict[str, Any]:
        """A py-spy sample of ``pid`` while wrk loads ``url`` (a run of its own, not measured)."""
        script = self._script(name, LUA % {"token": token})
        command = self._command(
            script, url, seconds=self.duration + 2, connections=self.connections, options=[]
        )
        load = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        raw = self.work / f"{script.stem}.txt"
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
        """The database ceiling (:mod:`bench.dbceiling`) on the service core."""
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
        "url": path_of(url),
    }
    print(
        f"  export {rows:>10,} rows  {result['rows_per_second']:>9,} rows/s  "
        f"RSS before {result['rss_before_mib']} MiB, peak {result['peak_rss_mib']} MiB",
        flush=True,
    )
    return result
