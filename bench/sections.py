"""Sections of ``latest.md`` for the paths issue 21 added: two workers against one, credentials
issued and verified, the subject export (:mod:`bench.render` puts them in order)."""

from __future__ import annotations

from typing import Any

FACILITATOR_SHARE_BEFORE = 0.068
"""The session list's share of the framework ceiling when issue 21 was raised."""


def ms(us: float) -> str:
    """Microseconds as milliseconds, two decimals."""
    return f"{us / 1000:.2f}"


def rate(value: float) -> str:
    """A rate: whole above 100, three digits below."""
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def workers(w: dict[str, Any] | None) -> list[str]:
    if not w:
        return []
    rows = [
        f"| {n} | {rate(r['rps'])} | {ms(r['p50_us'])} | {ms(r['p99_us'])} | "
        f"{r['cpu']['service_ms']:.3f} | {r['cpu']['postgres_ms']:.3f} | "
        f"{r['cpu']['service_core_busy'] * 100:.0f} % |"
        for n, r in w["runs"].items()
    ]
    return [
        "## Workers: `kring serve accreditation --workers 2` against one, registrant query",
        "",
        "Measured in mirrored turn (1, 2, 2, 1; means shown); both may use every core, and "
        "PostgreSQL has every core back for the while; wrk stays on the load core. On two "
        "cores a second worker does not get a core of its own: it takes CPU from PostgreSQL "
        "and wrk, which need about as much per request as the service (CPU per request below).",
        "",
        "| workers | req/s | p50 ms | p99 ms | service ms | PostgreSQL ms | service CPU busy |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        *rows,
        "",
        f"Two workers / one: **{w['throughput_ratio']}x** the throughput, p99 "
        f"{w['p99_ratio']}x, service CPU per request {w['service_cpu_ratio']}x.",
        "",
    ]


def pools(p: dict[str, Any] | None) -> list[str]:
    if not p:
        return []
    rows = [
        f"| {label} | {rate(r['rps'])} | {ms(r['p50_us'])} | {ms(r['p99_us'])} | "
        f"{r['cpu']['service_ms']:.3f} | {r['cpu']['service_core_busy'] * 100:.0f} % |"
        for label, r in (("Kring", p["kring"]), ("raw peer", p["peer_raw"]))
    ]
    return [
        f"## The registrant query with a pool of {p['pool']} connections",
        "",
        "Kring and the raw peer each started again with `KRING_DB_POOL_MAX` at "
        f"{p['pool']} instead of the default 10, measured in mirrored turn (Kring, peer, "
        "peer, Kring; means shown), wrk -c32 as above: whether the pool is what a request "
        "waits for.",
        "",
        "| contender | req/s | p50 ms | p99 ms | service ms | service core busy |",
        "|---|---:|---:|---:|---:|---:|",
        *rows,
        "",
        f"Kring / raw peer with {p['pool']} connections each: **{p['throughput_ratio']}x** the "
        f"throughput, p99 {p['p99_ratio']}x, service CPU per request {p['service_cpu_ratio']}x.",
        "",
    ]


def credentials(c: dict[str, Any] | None) -> list[str]:
    if not c:
        return []
    i, v = c["issue"], c["verify"]
    return [
        "## Credentials: issue and verify",
        "",
        f"Issue (`POST /v1/credentials`, an admin naming the person): {i['credentials']} "
        f"proofs of attendance of standing SKJ credits, {i['clients']} clients at once: "
        f"**{i['per_second']} credentials/s** ({i['seconds']} s); per issue median "
        f"{i['median_ms']} ms, p95 {i['p95_ms']} ms, max {i['max_ms']} ms. Issues of one "
        "tenant take its ledger lock, so they wait for each other by design.",
        "",
        f"Verify (`POST /v1/credential-verifications`, no token, wrk -c{v['connections']}): "
        f"**{rate(v['rps'])} verifications/s**, p50 {ms(v['p50_us'])} ms, p99 "
        f"{ms(v['p99_us'])} ms, service CPU {v['cpu']['service_ms']:.3f} ms per verification.",
        "",
    ]


def subject(s: dict[str, Any] | None) -> list[str]:
    if not s:
        return []
    lines = [
        "## Subject export: everything about one registrant (an admin's token)",
        "",
        "The registrant the hot paths query (about 20 ledger entries over six years), exported "
        "one request after the other; scheduling's peak RSS while it ran.",
        "",
        "| export | bytes | requests | median ms | p95 ms | max ms | RSS before MiB "
        "| peak RSS MiB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    labels = {
        "scheduling": "scheduling's part (GET /v1/subjects/{id}/export)",
        "archive": "the archive of the three services (GET /v1/people/{id}/export)",
    }
    for key, label in labels.items():
        r = s.get(key)
        if not r:
            continue
        if r["absent"]:
            lines.append(f"| {label} | not served ({r['status']}) | | | | | | |")
            continue
        lines.append(
            f"| {label} | {r['bytes']:,} | {r['times']} | {r['median_ms']} | {r['p95_ms']} | "
            f"{r['max_ms']} | {r['rss_before_mib']} | {r['peak_rss_mib']} |"
        )
    return [*lines, ""]


def floor(report: dict[str, Any]) -> list[str]:
    """The floor of the fixed choices (the ladder's ``floor`` rung) against the registrant
    query, the database ceiling and the raw peer: what issue 21's bars leave to Kring's code."""
    floor = next((r for r in report.get("ladder") or () if r["rung"] == "floor"), None)
    endpoint = report["paths"].get("registrant_query")
    peer = report["paths"].get("peer_raw")
    database = report["ceilings"].get("database")
    if not (floor and endpoint and peer and database):
        return []
    ms, floor_ms = endpoint["cpu"]["service_ms"], floor["cpu"]["service_ms"]
    db = database["rps"]
    return [
        "The floor of the fixed choices (`/ladder/floor`): bare Litestar doing the endpoint's "
        "database work (its pool, transaction and repository function, three round trips) and "
        "answering the page it read, the query's own JSON, with none of Kring's stack: "
        f"{rate(floor['rps'])} req/s at {floor_ms:.3f} ms of service CPU, "
        f"{floor['rps'] / db * 100:.0f} % of the database ceiling and "
        f"{floor['rps'] / peer['rps']:.2f}x the raw peer (Kring: {endpoint['rps'] / db * 100:.0f} "
        f"% and {endpoint['rps'] / peer['rps']:.2f}x). Kring's own code costs "
        f"{ms - floor_ms:+.3f} ms per request over the floor, "
        f"{(ms - floor_ms) / ms * 100:.0f} % of the endpoint's CPU (ADR 0043).",
        "",
        *database_budget(report),
        *sessions_floor(report),
    ]


def database_budget(report: dict[str, Any]) -> list[str]:
    """What a request may spend at 80 % of the database ceiling, against what the floor spends
    (the least measured on the fixed choices doing this work over HTTP), and the floor's CPU
    taken apart: the database work (the ceiling loop's own CPU per query), the framework's (the
    framework ceiling's per request, a constant answer) and the rest (ADR 0046)."""
    database = report["ceilings"].get("database") or {}
    framework = report["ceilings"].get("framework") or {}
    floor = next((r for r in report.get("ladder") or () if r["rung"] == "floor"), None)
    if "cpu" not in database or "cpu" not in framework or not floor:
        return []
    allowed = 1000 / (0.8 * database["rps"])
    spent = floor["cpu"]["service_ms"]
    work, bare = database["cpu"]["service_ms"], framework["cpu"]["service_ms"]
    busy = database["cpu"]["service_core_busy"]
    waits = ": the loop waits on PostgreSQL" if busy < 0.9 else ""
    reach = "within" if spent <= allowed else "out of"
    return [
        f"At 80 % of the database ceiling ({rate(database['rps'])} queries/s), a request may "
        f"spend {allowed:.3f} ms of service CPU; the floor spends {spent:.3f} ms "
        f"({spent / allowed:.2f}x), so the bar is {reach} the fixed choices' reach in this run. "
        f"Of the floor's CPU, the database work takes {work:.3f} ms a query in the ceiling's "
        f"loop (its core {busy * 100:.0f} % busy{waits}), and the framework {bare:.3f} ms a "
        f"request with no work at all (the framework ceiling); the rest, "
        f"{spent - work - bare:+.3f} ms, is the page's JSON and HTTP, and the same work done "
        "inside a server.",
        "",
    ]


def sessions_floor(report: dict[str, Any]) -> list[str]:
    """The session list's floor (``/ladder/sessions-floor``) against the list and the bar."""
    floor = report.get("sessions_floor")
    listed = report["paths"].get("facilitator_upcoming")
    if not (floor and listed):
        return []
    ms, floor_ms = listed["cpu"]["service_ms"], floor["cpu"]["service_ms"]
    bar = 2 * FACILITATOR_SHARE_BEFORE
    reach = "within" if floor["of_framework_ceiling"] >= bar else "out of"
    return [
        "The session list's floor (`/ladder/sessions-floor`): bare Litestar doing the list's "
        "database work (the scheduling pool, a read-only transaction with the tenant, the "
        "repository function building the 50 sessions) and answering the page it read, the "
        "list's own JSON, with none of Kring's stack: "
        f"{rate(floor['rps'])} req/s at {floor_ms:.3f} ms of service CPU, "
        f"{floor['of_framework_ceiling'] * 100:.1f} % of the framework ceiling (Kring's list: "
        f"{listed['of_framework_ceiling'] * 100:.1f} %). The bar, {bar * 100:.1f} %, is "
        f"{reach} the floor's reach. Kring's own code costs {ms - floor_ms:+.3f} ms per list "
        f"over the floor, {(ms - floor_ms) / ms * 100:.0f} % of the list's CPU.",
        "",
    ]
