"""``latest.md``: the report (``latest.json``) as Markdown, one section per function."""

from __future__ import annotations

from typing import Any

from . import data, guarantees, sections
from .load import BATCH, HR_CONNECTIONS
from .sections import ms as _ms
from .sections import rate as _rate

LABELS = {
    "registrant_query": "registrant's entries, 5 years (GET /v1/registrar/entries)",
    "peer_raw": "the same query, FastAPI + pydantic on the same raw asyncpg SQL "
    "(bench/peer/raw.py)",
    "peer": "the same query, the conventional way (FastAPI, pydantic, SQLAlchemy async: "
    "bench/peer)",
    "facilitator_upcoming": "facilitator's upcoming sessions (GET /v1/sessions)",
    "people_batch_new": f"HR sync: {BATCH} new people per request (POST /v1/people/batch, "
    f"{HR_CONNECTIONS} connections)",
    "people_batch_unchanged": f"HR sync: the same {BATCH} people again, unchanged "
    f"(POST /v1/people/batch, {HR_CONNECTIONS} connections)",
}
RUNGS = {
    "bare": "bare Litestar answering the registrant's page (22 entries)",
    "stack": "Kring's stack (token, guard, strict parameters, request log, metrics) + page",
    "transaction": "+ the per-request transaction (BEGIN with the tenant, COMMIT)",
}


def _pct(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value * 100:.0f} %" if value >= 0.1 else f"{value * 100:.2g} %"


def render(report: dict[str, Any]) -> str:
    return "\n".join(
        [
            *_heading(report),
            *_hot_paths(report),
            *_hr_sync(report),
            *_versus_peer(report),
            *_ceilings(report),
            *_cpu_lines(report),
            *_ladder_lines(report),
            *guarantees.lines(report.get("guarantees")),
            *sections.workers(report.get("workers")),
            *sections.pools(report.get("pools")),
            *sections.credentials(report.get("credentials")),
            *_profile_lines(report.get("profile")),
            *_scale_curve(report),
            *_export(report),
            *sections.subject(report.get("subject_export")),
            *_flow(report.get("flow")),
            *_dataset(report),
            *_machine(report["machine"]),
            *_commands(report),
            *_checks(report),
        ]
    )


def _heading(report: dict[str, Any]) -> list[str]:
    o = report["options"]
    return [
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
    ]


def _hot_paths(report: dict[str, Any]) -> list[str]:
    lines = [
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
    return lines


def _hr_sync(report: dict[str, Any]) -> list[str]:
    hr = [report["paths"].get(k) for k in ("people_batch_new", "people_batch_unchanged")]
    if not all(hr):
        return []
    new, same = hr
    return [
        "",
        f"HR sync: **{new['rps'] * BATCH:,.0f} new people/s** and "
        f"**{same['rps'] * BATCH:,.0f} unchanged people/s** in batches of {BATCH} "
        "(the HR client's token: employer rules, manager checks and registrations apply).",
    ]


PEER_RATIOS = {
    "kring_over_raw_peer": "Kring / raw peer: Litestar + msgspec against FastAPI + pydantic, "
    "same SQL and transaction",
    "raw_peer_over_orm_peer": "raw peer / ORM peer: raw asyncpg against the SQLAlchemy ORM, "
    "both on FastAPI + pydantic",
    "kring_over_orm_peer": "Kring / ORM peer: both together",
}


def _versus_peer(report: dict[str, Any]) -> list[str]:
    vp = report.get("versus_peers")
    if vp is None and report.get("versus_peer"):  # a report from before the raw peer
        vp = {"kring_over_orm_peer": report["versus_peer"]}
    vp = vp or {}
    rows = [(label, vp.get(key)) for key, label in PEER_RATIOS.items() if vp.get(key)]
    if not rows:
        return []
    runs = report["paths"]["registrant_query"].get("runs", [])
    return [
        "",
        "### The ladder of peers",
        "",
        "Each peer answers the registrant query with the same JSON (checked before measuring), "
        "under the same uvicorn options and garbage-collector tuning as `kring serve`; measured "
        f"in mirrored turn (Kring, raw, ORM, ORM, raw, Kring; {len(runs)} runs each, means "
        "shown).",
        "",
        "| ratio | throughput | p99 | p50 | service CPU per request |",
        "|---|---:|---:|---:|---:|",
        *[
            f"| {label} | **{r['throughput_ratio']}x** | {r['p99_ratio']}x | {r['p50_ratio']}x "
            f"| {r['service_cpu_ratio']}x |"
            for label, r in rows
        ],
        *_in_pairs(report.get("kring_and_raw_peer_in_pairs")),
    ]


def _in_pairs(in_pairs: dict[str, Any] | None) -> list[str]:
    if not in_pairs or in_pairs["throughput_ratio"] is None:
        return []
    shown = ", ".join(f"{r:.3f}" for r in in_pairs["ratios"]["throughput_ratio"] if r)
    return [
        "",
        f"In {len(in_pairs['pairs'])} pairs of 4 s bursts instead, Kring and the raw peer in"
        " turn (the order swapped each pair; a pair's bursts, seconds apart, drift less than"
        " the runs above, minutes apart), the median pair: Kring serves"
        f" **{in_pairs['throughput_ratio']}x** the raw peer's throughput with"
        f" {in_pairs['p99_ratio']}x its p99 and {in_pairs['service_cpu_ratio']}x its service"
        f" CPU per request (each pair's throughput ratio: {shown}). The bar of 1.5x is judged"
        " on this median.",
    ]


def _ceilings(report: dict[str, Any]) -> list[str]:
    f = report["ceilings"]["framework"]
    d = report["ceilings"]["database"]
    return [
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
    ]


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
        "(from /proc: the serving process and its workers, the bench's PostgreSQL server and "
        "its backends, wrk). With the service "
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


def _ladder_lines(report: dict[str, Any]) -> list[str]:
    """From the framework ceiling to the registrant query, one layer at a time."""
    rungs = report.get("ladder")
    if not rungs:
        return []
    steps = [("framework ceiling (a constant 3-field Struct)", report["ceilings"]["framework"])]
    steps += [(RUNGS[r["rung"]], r) for r in rungs if r["rung"] in RUNGS]
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
    return [*lines, "", *sections.floor(report)]


def _profile_lines(summary: dict[str, Any] | None) -> list[str]:
    if not summary:
        return []
    if "error" in summary:
        return ["## Profile of the registrant query", "", f"Not taken: {summary['error']}.", ""]
    return [
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


def _mib(n: int) -> str:
    return f"{n / 2**20:,.0f}" if n >= 2**20 else f"{n / 2**20:.2f}"


def _scale_curve(report: dict[str, Any]) -> list[str]:
    sc = report["scale_curve"]
    if not sc["points"]:
        return []
    lines = [
        "## Scale curve: the registrant query's p99 by ledger size",
        "",
        "Each size is a database of its own (`bench/curve.py`: built once, named by a hash of "
        "its parameters, reused), one tenant whose ledger has that many entries, about "
        f"{data.ENTRIES_PER_PERSON} per registrant, so every point answers the same number of "
        "rows; each served by an accreditation process of its own, all alike; each point the "
        "mean of two runs in mirrored order.",
        "",
        "| ledger entries | database MiB | ledger table MiB | ledger indexes MiB | requests "
        "| req/s | p50 ms | p99 ms | built |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for point in sc["points"]:
        b = point.get("sizes")  # a report from before the curve's databases has none
        sizes = (
            f"{_mib(b['database'])} | {_mib(b['ledger_table'])} | {_mib(b['ledger_indexes'])}"
            if b
            else "n/a | n/a | n/a"
        )
        built = (
            ""
            if "reused" not in point
            else "reused"
            if point["reused"]
            else f"{point['build_seconds']:.0f} s, this run"
        )
        lines.append(
            f"| {point['entries']:,} | {sizes} | {point['requests']:,} | {_rate(point['rps'])} | "
            f"{_ms(point['p50_us'])} | {_ms(point['p99_us'])} | {built} |"
        )
    if sc["p99_ratio_largest_to_10k"] is None:
        return [*lines, ""]
    largest = sc["points"][-1]["entries"]
    return [
        *lines,
        "",
        f"p99 at {largest:,} / p99 at {sc['points'][0]['entries']:,}: "
        f"**{sc['p99_ratio_largest_to_10k']}** (flat means at most 1.5): "
        f"{'flat' if sc['flat'] else 'NOT flat'}.",
        "",
    ]


def _export(report: dict[str, Any]) -> list[str]:
    ex = report["export"]
    if not ex["runs"]:
        return []
    lines = [
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
    return [
        *lines,
        "",
        f"Memory {'stays flat' if ex['memory_flat'] else 'does NOT stay flat'} "
        "(peak RSS read from /proc/PID/status VmHWM after resetting it through clear_refs).",
        "",
    ]


def _flow(fl: dict[str, Any] | None) -> list[str]:
    if not fl:
        return []
    lines = [
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
    return [*lines, *_issue(fl.get("issue")), *_delivery(fl.get("delivery"))]


def _issue(issue: dict[str, Any] | None) -> list[str]:
    if not issue:
        return []
    inv, ses = issue["invoice"], issue["session"]
    return [
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


def _delivery(dl: dict[str, Any] | None) -> list[str]:
    if not dl:
        return []
    live = dl["subscribers"] - dl["hung"]
    return [
        "### Webhooks to ten subscriptions, one receiver hung",
        "",
        f"One tenant's {dl['subscribers']} webhook subscriptions; {dl['hung']} receiver takes "
        "each request and never answers (until the relay's 10 s timeout), the other "
        f"{live} answer at once. Sessions closed one at a time, each timed from the close "
        f"until its `session.closed` reached all {live}; then {dl['events']} "
        "`session.scheduled` events (series of 52 sessions planned one after the other), "
        f"delivered to all {live} in {dl['seconds']} s: **{dl['events_per_second']} events/s** "
        f"({dl['deliveries_per_second']} deliveries/s).",
        "",
        "| close to delivered | sessions | median ms | p95 ms | max ms |",
        "|---|---:|---:|---:|---:|",
        *_baseline(dl.get("baseline")),
        f"| to all {live} live subscriptions | {dl['closes']} | {dl['median_ms']} | "
        f"{dl['p95_ms']} | {dl['max_ms']} |",
        "",
    ]


def _baseline(b: dict[str, Any] | None) -> list[str]:
    """The normal figures, every receiver answering (a report from before has none)."""
    if not b:
        return []
    return [
        f"| to all {b['subscribers']}, none hung (the normal p95; {b['events_per_second']} "
        f"events/s) | {b['closes']} | {b['median_ms']} | {b['p95_ms']} | {b['max_ms']} |"
    ]


def _dataset(report: dict[str, Any]) -> list[str]:
    ds = report["dataset"]
    lines = [
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
    return lines


def _machine(m: dict[str, Any]) -> list[str]:
    v = m["versions"]
    return [
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
    ]


def _commands(report: dict[str, Any]) -> list[str]:
    return [
        "## Commands",
        "",
        "```sh",
        report["commands"]["run"],
        *report["commands"]["services"],
        *report["commands"]["load"],
        "```",
        "",
    ]


def _checks(report: dict[str, Any]) -> list[str]:
    lines = [
        "## Checks (the issues' done when)",
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
    return lines
