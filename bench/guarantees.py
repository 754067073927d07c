"""What the guarantees of issue 15 add to the registrant query's CPU per request, in one run.

Accreditation processes, started alike on the service core, answer the same query:

1. ``none`` (and ``none-again``, its twin): no rate limits (``KRING_RATE_LIMIT_*=0``) and no
   ETags (the kit's table of operations emptied at start, so no answer is hashed or held back;
   the middleware of retries and edits still looks at each request's headers);
2. ``etags``: ETags as served (a list such as this query's answer carries none, so this step
   measures what the middleware costs a request it does not tag), still no rate limits;
3. ``all`` (and ``all-again``): ETags and rate limits (quotas too large to refuse, so every
   request is checked and answered with the headers, as in service).

Each step of :data:`STEPS` loads its two processes at once, each by a wrk of its own with half
the connections, both on the service core, for :data:`ROUND_SECONDS`; the ratio of their CPU
per request is the round's figure, and the median of the rounds the step's. This machine drifts
by more than the 5 % target between runs one after the other, even seconds apart; two processes
loaded over the same seconds drift alike. Two steps send a header to ``all`` and none to
``all-again``: ``If-None-Match`` (its ETag when it has one; a list has none, so the header is
ignored) and an ``Idempotency-Key`` (a GET: the key is not claimed, only read). The last step,
``none-again`` against ``none``, is the method's own noise.

``python -m bench.guarantees --port PORT [--without-etags]`` serves one of these processes
(the accreditation service's ``KRING_*`` variables, as ``kring serve accreditation`` reads them).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any

import httpx
import uvicorn

from services.accreditation.app import create_app
from services.accreditation.config import load_settings
from services.cli import SERVE_OPTIONS, tune_gc

from .load import LUA, Load
from .processes import UNLIMITED, Service, free_port

if TYPE_CHECKING:
    from .measure import Bench

NO_LIMITS = {"KRING_RATE_LIMIT_TENANT": "0", "KRING_RATE_LIMIT_CLIENT": "0"}
VARIANTS = {
    "none": (NO_LIMITS, True),
    "none-again": (NO_LIMITS, True),
    "etags": (NO_LIMITS, False),
    "all": (UNLIMITED, False),
    "all-again": (UNLIMITED, False),
}
"""Each process: its rate limit variables, and whether its answers go without ETags."""
STEPS: dict[str, tuple[tuple[str, dict[str, str]], str]] = {
    "etags": (("etags", {}), "none"),
    "rate_limits": (("all", {}), "etags"),
    "all": (("all", {}), "none"),
    "if_none_match": (("all", {"If-None-Match": "ETAG"}), "all-again"),
    "idempotency_key": (("all", {"Idempotency-Key": "bench-registrant-query"}), "all-again"),
    "noise": (("none-again", {}), "none"),
}
"""Each step: the process measured with the headers it is sent, and the process it is compared
with (sent the query alone), loaded at once."""
LABELS = {
    "etags": "ETags (lists carry none)",
    "rate_limits": "rate limits (two buckets, the RateLimit headers)",
    "all": "all the guarantees together",
    "if_none_match": "the query with If-None-Match (a list is not tagged: the header is ignored)",
    "idempotency_key": "the query with an Idempotency-Key (a GET: read, not claimed)",
    "noise": "the method's own noise: a second process with none against the first",
}
TARGET = 0.05
ROUNDS = {"all": 8}
"""Rounds per step where not :data:`DEFAULT_ROUNDS`: the target's step gets more."""
DEFAULT_ROUNDS = 4
ROUND_SECONDS = 4.0


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
    """Each step of :data:`STEPS`, its rounds in turn (the two processes' order swapped each
    round)."""
    print("measuring the guarantees on the registrant query", flush=True)
    services = {name: _start(bench, name) for name in VARIANTS}
    token = bench.registrar_token(bench.main_tenant)
    path = bench.registrar_url(bench.main_tenant).split("/", 3)[3]
    answer = httpx.get(
        f"{services['all'].base}/{path}", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    etag = answer.headers.get("etag", '"untagged"')  # a list carries none
    rounds = Load(bench.pin, bench.load.work, duration=ROUND_SECONDS, warmup=1.0)
    steps = {}
    try:
        for step, ((upper, headers), lower) in STEPS.items():
            sent = {k: etag if v == "ETAG" else v for k, v in headers.items()}
            ends = {
                upper: (services[upper], _script(token, sent)),
                lower: (services[lower], _script(token, {})),
            }
            spent: dict[str, list[float]] = {upper: [], lower: []}
            for turn in range(ROUNDS.get(step, DEFAULT_ROUNDS)):
                names = (lower, upper) if turn % 2 == 0 else (upper, lower)
                targets = [(f"{ends[n][0].base}/{path}", ends[n][0].pid, ends[n][1]) for n in names]
                figures = rounds.together(f"guarantees, {step}", targets, token, check=answer)
                for name, ms in zip(names, figures, strict=True):
                    spent[name].append(ms)
            steps[step] = {"service_ms": spent[upper], "base_service_ms": spent[lower]}
    finally:
        for name in VARIANTS:
            bench.procs.terminate(f"guarantees-{name}")
    bench.load.commands += rounds.commands
    return steps


def under_target(guarantees: dict[str, Any] | None) -> bool | None:
    """Whether all the guarantees together add under 5 % to the service's CPU per request."""
    if not guarantees:
        return None
    added = guarantees["steps"]["all"]["added"]
    return None if added is None else bool(added < TARGET)


def lines(guarantees: dict[str, Any] | None) -> list[str]:
    """The report's section (:mod:`bench.render`)."""
    if not guarantees:
        return []
    rows = [
        "## The guarantees' cost on the registrant query (issue 15)",
        "",
        "Service CPU per request with each guarantee against without it (bench/guarantees.py),"
        " the two processes loaded at once, each by a wrk of its own with half the"
        f" connections, both on the service core, in rounds of {ROUND_SECONDS:g} s: this"
        " machine drifts by more than the target between runs one after the other, and two"
        " processes loaded over the same seconds drift alike. Each figure is the median of its"
        f" rounds. Target: all together under {TARGET:.0%} of the service's CPU per request.",
        "",
        "| step | rounds | CPU ms/request | compared with | added | each round's ratio |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for step, s in guarantees["steps"].items():
        added = "n/a" if s["added"] is None else f"{s['added'] * 100:+.1f} %"
        shown = ", ".join(f"{r:.3f}" for r in s["ratios"] if r)
        rows.append(
            f"| {LABELS[step]} | {len(s['ratios'])} | {s['service_ms']} | {s['base_service_ms']}"
            f" | {added} | {shown} |"
        )
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
