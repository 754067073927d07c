"""What the guarantees of issue 15 add to the registrant query's CPU per request, in one run.

Three accreditation processes, started alike on the service core, answer the same query:

1. ``none``: no rate limits (``KRING_RATE_LIMIT_*=0``) and no ETags (the kit's table of
   operations emptied at start, so no answer is hashed or held back; the middleware of retries
   and edits still looks at each request's headers);
2. ``etags``: ETags as served (a list such as this query's answer carries none, so this step
   measures what the middleware costs a request it does not tag), still no rate limits;
3. ``all``: ETags and rate limits (quotas too large to refuse, so every request is checked and
   answered with the headers, as in service).

On ``all`` the query is also sent with ``If-None-Match`` (its ETag when it has one; a list has
none, so the header is ignored) and with an
``Idempotency-Key`` (a GET: the key is not claimed, only read). The runs go in mirrored order
(1 … 5, 5 … 1) and each ratio is the service's CPU per request against the step before it.

The target is judged on pairs: :data:`PAIRS` short bursts of ``none`` and ``all`` in turn (each
pair's order the other way round from the last), the ratio of CPU per request taken in each
pair and the median of those. This machine drifts by more than the target within the minutes
the mirrored runs take; two bursts seconds apart drift alike.

``python -m bench.guarantees --port PORT [--without-etags]`` serves one of these processes
(the accreditation service's ``KRING_*`` variables, as ``kring serve accreditation`` reads them).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from typing import TYPE_CHECKING, Any

import httpx
import uvicorn

from services.accreditation.app import create_app
from services.accreditation.config import load_settings
from services.cli import SERVE_OPTIONS, tune_gc

from .load import LUA, Load, combine
from .processes import UNLIMITED, Service, free_port

if TYPE_CHECKING:
    from .measure import Bench

NO_LIMITS = {"KRING_RATE_LIMIT_TENANT": "0", "KRING_RATE_LIMIT_CLIENT": "0"}
VARIANTS = {"none": (NO_LIMITS, True), "etags": (NO_LIMITS, False), "all": (UNLIMITED, False)}
"""Each process: its rate limit variables, and whether its answers go without ETags."""
RUNS = (
    ("none", "none", {}),
    ("etags", "etags", {}),
    ("all", "all", {}),
    ("if_none_match", "all", {"If-None-Match": "ETAG"}),
    ("idempotency_key", "all", {"Idempotency-Key": "bench-registrant-query"}),
)
"""Each measurement: its name, the process it loads and the headers it adds to the query."""
STEPS = {
    "etags": ("etags", "none"),
    "rate_limits": ("all", "etags"),
    "all": ("all", "none"),
    "if_none_match": ("if_none_match", "all"),
    "idempotency_key": ("idempotency_key", "all"),
}
"""Each ratio's measurement and the measurement it is compared with."""
LABELS = {
    "etags": "ETags (lists carry none)",
    "rate_limits": "rate limits (two buckets, the RateLimit headers)",
    "all": "all the guarantees together",
    "if_none_match": "the query with If-None-Match (a list is not tagged: the header is ignored)",
    "idempotency_key": "the query with an Idempotency-Key (a GET: read, not claimed)",
}
TARGET = 0.05
PAIRS = 8
BURST_SECONDS = 3.0


def _start(bench: Bench, name: str) -> Service:
    limits, without_etags = VARIANTS[name]
    port = free_port()
    env = {**os.environ, **bench.envs["accreditation"], **limits, "KRING_LOG_FORMAT": "json"}
    command = [*bench.pin["service"], sys.executable, "-m", "bench.guarantees"]
    command += ["--port", str(port), *(["--without-etags"] if without_etags else [])]
    service = Service(bench.procs.start(f"guarantees-{name}", command, env, port), port)
    shown = " ".join(str(part) for part in (*limits.items(), "python -m bench.guarantees"))
    bench.procs.commands.append(
        shown + " --port PORT" + (" --without-etags" if without_etags else "")
    )
    return service


def _script(token: str, headers: dict[str, str]) -> str:
    lines = [f"wrk.headers[{name!r}] = {value!r}" for name, value in headers.items()]
    return "\n".join([*lines, LUA % {"token": token}])


def measure(bench: Bench) -> dict[str, Any]:
    """The five measurements, each of two runs in mirrored order (:data:`RUNS`)."""
    print("measuring the guarantees on the registrant query", flush=True)
    services = {name: _start(bench, name) for name in VARIANTS}
    token = bench.registrar_token(bench.main_tenant)
    path = bench.registrar_url(bench.main_tenant).split("/", 3)[3]
    answer = httpx.get(
        f"{services['all'].base}/{path}", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name, _, _ in RUNS}
    try:
        for name, variant, headers in [*RUNS, *reversed(RUNS)]:
            etag = answer.headers.get("etag", '"untagged"')  # a list carries none
            sent = {k: etag if v == "ETAG" else v for k, v in headers.items()}
            service = services[variant]
            runs[name].append(
                bench.load.wrk(
                    f"guarantees: {name}",
                    f"{service.base}/{path}",
                    token,
                    pid=service.pid,
                    script_text=_script(token, sent),
                    check=answer,
                )
            )
        paired = _paired(bench, services, token, path, answer)
    finally:
        for name in VARIANTS:
            bench.procs.terminate(f"guarantees-{name}")
    return {**{name: combine(r) for name, r in runs.items()}, "paired": paired}


def _paired(
    bench: Bench, services: dict[str, Service], token: str, path: str, answer: httpx.Response
) -> dict[str, Any]:
    """``none`` and ``all`` in short bursts, in turn: each pair's ratio of the service's CPU per
    request, and their median."""
    bursts = Load(bench.pin, bench.load.work, duration=BURST_SECONDS, warmup=1.0)
    ratios = []
    for turn in range(PAIRS):
        order = ("none", "all") if turn % 2 == 0 else ("all", "none")
        cpu = {}
        for name in order:
            service = services[name]
            result = bursts.wrk(
                f"guarantees, pair {turn + 1}: {name}",
                f"{service.base}/{path}",
                token,
                pid=service.pid,
                check=answer,
            )
            cpu[name] = result["cpu"]["service_ms"]
        ratios.append(round(cpu["all"] / cpu["none"], 4) if cpu["none"] else None)
    bench.load.commands += bursts.commands
    known = sorted(r for r in ratios if r is not None)
    return {"ratios": ratios, "median": statistics.median(known) if known else None}


def under_target(guarantees: dict[str, Any] | None) -> bool | None:
    """Whether all the guarantees together add under 5 % to the service's CPU per request."""
    if not guarantees:
        return None
    added = guarantees.get("paired_added")
    return None if added is None else added < TARGET


def lines(guarantees: dict[str, Any] | None) -> list[str]:
    """The report's section (:mod:`bench.render`)."""
    if not guarantees:
        return []
    rows = [
        "## The guarantees' cost on the registrant query (issue 15)",
        "",
        "Service CPU per request with each guarantee against without it, measured side by side"
        f" (bench/guarantees.py). Target: all together under {TARGET:.0%} of the service's CPU"
        " per request.",
        "",
        "| step | CPU ms/request | before | added | req/s ratio |",
        "|---|---:|---:|---:|---:|",
    ]
    for step, s in guarantees["steps"].items():
        added = "n/a" if s["added"] is None else f"{s['added'] * 100:+.1f} %"
        rows.append(
            f"| {LABELS[step]} | {s['service_ms']} | {s['base_service_ms']} | {added} "
            f"| {s['rps_ratio']} |"
        )
    if (paired := guarantees.get("paired_added")) is not None:
        ratios = ", ".join(f"{r:.3f}" for r in guarantees["runs"]["paired"]["ratios"] if r)
        rows += [
            "",
            f"Judged on {PAIRS} pairs of {BURST_SECONDS:g} s bursts, all the guarantees against"
            " none in turn (this machine drifts by more than the target between the mirrored"
            f" runs above): the median pair adds **{paired * 100:+.1f} %** (each pair's ratio:"
            f" {ratios}).",
        ]
    return [*rows, ""]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.guarantees", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--without-etags", action="store_true")
    args = parser.parse_args()
    app = create_app(load_settings())
    if args.without_etags:
        app.state.operations = {}  # no operation is known, so none is tagged
    tune_gc()  # as kring serve does
    uvicorn.run(app, host=args.host, port=args.port, workers=1, **SERVE_OPTIONS)


if __name__ == "__main__":
    main()
