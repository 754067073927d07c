"""The run's figures as one report: ratios to the ceilings, the checks, and the two files
``latest.json`` (the report itself) and ``latest.md`` (:func:`bench.render.render` of it)."""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from . import guarantees
from .render import LABELS, render
from .sections import FACILITATOR_SHARE_BEFORE


def ratio(a: float, b: float) -> float | None:
    return round(a / b, 3) if b else None


def _framework_ceiling(results: dict[str, Any]) -> dict[str, Any]:
    """The framework ceiling as the mean of its runs before and after the hot paths."""
    before, after = results["framework_ceiling"], results["framework_ceiling_after"]
    return {
        **before,
        "rps": round((before["rps"] + after["rps"]) / 2, 1),
        "rps_before": before["rps"],
        "rps_after": after["rps"],
        "drift": ratio(after["rps"], before["rps"]),
        "after": after,
    }


def _paths(results: dict[str, Any], *, framework: float, database: float) -> dict[str, Any]:
    """Each measured hot path with its share of the ceilings (of the database: the registrant's)."""
    paths = {}
    for name in LABELS:
        if name not in results:
            continue
        r = results[name]
        paths[name] = {
            **r,
            "of_framework_ceiling": ratio(r["rps"], framework),
            "of_database_ceiling": ratio(r["rps"], database)
            if name in ("registrant_query", "peer_raw", "peer")
            else None,
        }
    return paths


def _in_pairs(pairs: list[dict[str, Any]] | None) -> dict[str, Any] | None:
    """Kring against the raw peer pair by pair: each pair's ratios and the medians."""
    if not pairs:
        return None
    ratios = {
        "throughput_ratio": [ratio(p["kring"]["rps"], p["peer_raw"]["rps"]) for p in pairs],
        "p99_ratio": [ratio(p["kring"]["p99_us"], p["peer_raw"]["p99_us"]) for p in pairs],
        "service_cpu_ratio": [
            ratio(p["kring"]["service_ms"], p["peer_raw"]["service_ms"]) for p in pairs
        ],
    }
    medians = {key: _median(values) for key, values in ratios.items()}
    return {"pairs": pairs, "ratios": ratios, **medians}


def _median(values: list[float | None]) -> float | None:
    """The median of the known values (3 decimals), or None when none is."""
    known = [v for v in values if v is not None]
    return round(statistics.median(known), 3) if known else None


def _of_ceiling(run: dict[str, Any] | None, framework: float) -> dict[str, Any] | None:
    """A run with its share of the framework ceiling."""
    return None if run is None else {**run, "of_framework_ceiling": ratio(run["rps"], framework)}


def _versus(upper: dict[str, Any], lower: dict[str, Any] | None) -> dict[str, Any] | None:
    """One rung of the ladder of peers against the one below it."""
    if not lower:
        return None
    return {
        "throughput_ratio": ratio(upper["rps"], lower["rps"]),
        "p99_ratio": ratio(upper["p99_us"], lower["p99_us"]),
        "p50_ratio": ratio(upper["p50_us"], lower["p50_us"]),
        "service_cpu_ratio": ratio(upper["cpu"]["service_ms"], lower["cpu"]["service_ms"]),
    }


PEER_RATIOS = {
    "kring_over_raw_peer": ("registrant_query", "peer_raw"),
    "raw_peer_over_orm_peer": ("peer_raw", "peer"),
    "kring_over_orm_peer": ("registrant_query", "peer"),
}
"""The ladder of peers' ratios: the framework's share (Kring against FastAPI + pydantic on the
same SQL), the data layer's (raw SQL against the ORM), and both together."""


def _versus_peers(results: dict[str, Any]) -> dict[str, Any]:
    return {
        name: _versus(results[upper], results.get(lower))
        for name, (upper, lower) in PEER_RATIOS.items()
        if upper in results
    }


def _guarantees(steps: dict[str, dict[str, Any]] | None) -> dict[str, Any] | None:
    """Each step of :data:`bench.guarantees.STEPS`: the service's CPU per request against the
    process it was loaded with, round by round, and the fraction the median round adds."""
    if not steps:
        return None
    shown = {}
    for step, spent in steps.items():
        ratios = [
            ratio(upper, lower)
            for upper, lower in zip(spent["service_ms"], spent["base_service_ms"], strict=True)
        ]
        median = _median(ratios)
        shown[step] = {
            "service_ms": round(statistics.median(spent["service_ms"]), 3),
            "base_service_ms": round(statistics.median(spent["base_service_ms"]), 3),
            "ratios": ratios,
            "added": round(median - 1, 3) if median is not None else None,
        }
    return {"runs": steps, "steps": shown}


def _memory_flat(exports: list[dict[str, Any]]) -> bool | None:
    """Whether exporting everything took no more memory than exporting a year (None: unknown)."""
    if len(exports) != 2:
        return None
    small, big = exports
    growth_small = small["peak_rss_mib"] - small["rss_before_mib"]
    growth_big = big["peak_rss_mib"] - big["rss_before_mib"]
    return big["peak_rss_mib"] <= small["peak_rss_mib"] * 1.10 + 8 and growth_big <= max(
        growth_small * 1.5, 16
    )


def _scale_curve(curve: list[dict[str, Any]]) -> dict[str, Any]:
    if len(curve) < 2:
        return {"points": curve, "p99_ratio_largest_to_10k": None, "flat": None}
    smallest, largest = curve[0], curve[-1]
    return {
        "points": curve,
        "p99_ratio_largest_to_10k": ratio(largest["p99_us"], smallest["p99_us"]),
        "flat": largest["p99_us"] <= 1.5 * smallest["p99_us"],
    }


def _workers(runs: dict[str, Any] | None) -> dict[str, Any] | None:
    """Two workers against one: the runs and their ratios."""
    if not runs:
        return None
    one, two = runs["1"], runs["2"]
    return {
        "runs": runs,
        "throughput_ratio": ratio(two["rps"], one["rps"]),
        "p99_ratio": ratio(two["p99_us"], one["p99_us"]),
        "service_cpu_ratio": ratio(two["cpu"]["service_ms"], one["cpu"]["service_ms"]),
    }


def _pools(runs: dict[str, Any] | None) -> dict[str, Any] | None:
    """Kring against the raw peer with a larger pool: the runs and their ratios."""
    if not runs:
        return None
    kring, peer = runs["kring"], runs["peer_raw"]
    return {
        **runs,
        "throughput_ratio": ratio(kring["rps"], peer["rps"]),
        "p99_ratio": ratio(kring["p99_us"], peer["p99_us"]),
        "service_cpu_ratio": ratio(kring["cpu"]["service_ms"], peer["cpu"]["service_ms"]),
    }


def _checks(
    paths: dict[str, Any],
    curve: dict[str, Any],
    *,
    memory_flat: bool | None,
    versus_peers: dict[str, Any],
    in_pairs: dict[str, Any] | None,
    cost: dict[str, Any] | None,
    flow: dict[str, Any] | None,
) -> dict[str, bool | None]:
    """The issues' "done when", each measured or None; Kring against the raw peer by the
    median pair when the run has pairs, by the mirrored runs when not."""
    kring = paths["registrant_query"]
    raw = paths.get("peer_raw")
    versus_raw = versus_peers.get("kring_over_raw_peer")
    facilitator = paths.get("facilitator_upcoming")
    return {
        "registrant_query_of_database_ceiling_at_least_0.8": kring["of_database_ceiling"] >= 0.8
        if kring["of_database_ceiling"] is not None
        else None,
        "registrant_query_1.5x_raw_peer_with_lower_p99": _over_raw_peer(
            kring, raw, versus_raw, in_pairs
        ),
        "registrant_p99_largest_over_10k_at_most_1.5": curve["flat"],
        f"session_list_of_framework_ceiling_at_least_{2 * FACILITATOR_SHARE_BEFORE:g}": (
            facilitator["of_framework_ceiling"] >= 2 * FACILITATOR_SHARE_BEFORE
        )
        if facilitator
        else None,
        "guarantees_add_under_5_percent_of_service_cpu": guarantees.under_target(cost),
        "export_memory_flat": memory_flat,
        "one_hung_subscriber_nine_at_most_1.5x_normal_p95": _fan_out(flow),
    }


def _over_raw_peer(
    kring: dict[str, Any],
    raw: dict[str, Any] | None,
    versus_raw: dict[str, Any] | None,
    in_pairs: dict[str, Any] | None,
) -> bool | None:
    """At least 1.5x the raw peer's throughput with a lower p99."""
    if in_pairs and in_pairs["throughput_ratio"] is not None and in_pairs["p99_ratio"]:
        return bool(in_pairs["throughput_ratio"] >= 1.5 and in_pairs["p99_ratio"] < 1)
    if versus_raw and raw:
        return bool(versus_raw["throughput_ratio"] >= 1.5 and kring["p99_us"] < raw["p99_us"])
    return None


def _fan_out(flow: dict[str, Any] | None) -> bool | None:
    """Whether the nine live subscribers' p95 with one hung stays within 1.5x (and 5 ms) of
    the p95 with none hung."""
    delivery = (flow or {}).get("delivery") or {}
    baseline = delivery.get("baseline")
    if not baseline:
        return None
    return bool(delivery["p95_ms"] <= 1.5 * baseline["p95_ms"] + 5)


def _missing(results: dict[str, Any]) -> list[str]:
    """What this run could not measure, and why."""
    missing = []
    subject = results.get("subject_export") or {}
    for name, route in (
        ("scheduling", "/v1/subjects/{id}/export"),
        ("archive", "/v1/people/{id}/export"),
    ):
        if (subject.get(name) or {}).get("absent"):
            missing.append(f"the subject export `GET {route}`: not served by this build")
    if len(results.get("scale_curve", [])) < 2:
        missing.append("the scale curve: fewer than two points (see the run's log)")
    return missing


def _options(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "scale": args.scale,
        "seed": args.seed,
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "connections": 32,
        "wrk_threads": 1,
    }


def build(
    args: argparse.Namespace,
    *,
    started_at: datetime,
    began: float,
    host: dict[str, Any],
    db_kind: str,
    dataset: dict[str, Any],
    facts: dict[str, Any],
    pin: dict[str, Any],
    results: dict[str, Any],
    commands: dict[str, Any],
) -> dict[str, Any]:
    """The report, as ``latest.json`` holds it."""
    framework = _framework_ceiling(results)
    paths = _paths(results, framework=framework["rps"], database=results["database_ceiling"]["rps"])
    versus_peers = _versus_peers(results)
    in_pairs = _in_pairs(results.get("kring_and_raw_peer_in_pairs"))
    scale_curve = _scale_curve(results["scale_curve"])
    exports = results.get("export", [])
    flat = _memory_flat(exports)
    cost = _guarantees(results.get("guarantees"))
    host["postgresql"] = facts["postgresql"]
    host["database"] = db_kind
    return {
        "date": started_at.strftime("%Y-%m-%d %H:%M UTC"),
        "seconds": round(time.perf_counter() - began, 1),
        "options": _options(args),
        "machine": host,
        "pinning": {k: v for k, v in pin.items() if k not in ("load", "service", "cores")},
        "dataset": {**dataset, **{k: facts[k] for k in ("tenants", "period")}},
        "facilitator": {"upcoming_sessions": facts["facilitator_upcoming"]},
        "ceilings": {"framework": framework, "database": results["database_ceiling"]},
        "paths": paths,
        "versus_peers": versus_peers,
        "kring_and_raw_peer_in_pairs": in_pairs,
        "scale_curve": scale_curve,
        "export": {"runs": exports, "memory_flat": flat},
        "profile": results.get("profile"),
        "ladder": results.get("ladder"),
        "sessions_floor": _of_ceiling(results.get("sessions_floor"), framework["rps"]),
        "flow": results.get("flow"),
        "guarantees": cost,
        "credentials": results.get("credentials"),
        "workers": _workers(results.get("workers")),
        "pools": _pools(results.get("pools")),
        "subject_export": results.get("subject_export"),
        "checks": _checks(
            paths,
            scale_curve,
            memory_flat=flat,
            versus_peers=versus_peers,
            in_pairs=in_pairs,
            cost=cost,
            flow=results.get("flow"),
        ),
        "missing": _missing(results),
        "commands": commands,
    }


def write(report: dict[str, Any], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
    (folder / "latest.md").write_text(render(report))
    print(f"wrote latest.md and latest.json in {folder}")
