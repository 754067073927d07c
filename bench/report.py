"""The run's figures as one report: ratios to the ceilings, the checks, and the two files
``latest.json`` (the report itself) and ``latest.md`` (:func:`bench.render.render` of it)."""

from __future__ import annotations

import argparse
import json
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from . import guarantees
from .render import LABELS, render


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
            if name in ("registrant_query", "peer")
            else None,
        }
    return paths


def _versus_peer(kring: dict[str, Any], peer: dict[str, Any] | None) -> dict[str, Any] | None:
    if not peer:
        return None
    return {
        "throughput_ratio": ratio(kring["rps"], peer["rps"]),
        "p99_ratio": ratio(kring["p99_us"], peer["p99_us"]),
        "p50_ratio": ratio(kring["p50_us"], peer["p50_us"]),
        "service_cpu_ratio": ratio(kring["cpu"]["service_ms"], peer["cpu"]["service_ms"]),
    }


def _guarantees(runs: dict[str, dict[str, Any]] | None) -> dict[str, Any] | None:
    """Each step of :data:`bench.guarantees.STEPS`: the service's CPU per request against the
    step before it, and the fraction it adds."""
    if not runs:
        return None
    steps = {}
    for step, (measured, base) in guarantees.STEPS.items():
        cpu, before = runs[measured]["cpu"]["service_ms"], runs[base]["cpu"]["service_ms"]
        cpu_ratio = ratio(cpu, before)
        steps[step] = {
            "service_ms": cpu,
            "base_service_ms": before,
            "service_cpu_ratio": cpu_ratio,
            "added": round(cpu_ratio - 1, 3) if cpu_ratio is not None else None,
            "rps_ratio": ratio(runs[measured]["rps"], runs[base]["rps"]),
        }
    return {"runs": runs, "steps": steps}


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
    smallest, largest = curve[0], curve[-1]
    return {
        "points": curve,
        "p99_ratio_largest_to_10k": ratio(largest["p99_us"], smallest["p99_us"]),
        "flat": (largest["p99_us"] <= 1.5 * smallest["p99_us"]) if curve else None,
    }


def _checks(
    paths: dict[str, Any],
    curve: list[dict[str, Any]],
    *,
    memory_flat: bool | None,
    versus_peer: dict[str, Any] | None,
    peer: dict[str, Any] | None,
    cost: dict[str, Any] | None,
) -> dict[str, bool | None]:
    """The issue's "done when", each measured or None."""
    smallest, largest = curve[0], curve[-1]
    kring = paths["registrant_query"]
    return {
        "registrant_query_of_framework_ceiling_at_least_0.5": kring["of_framework_ceiling"] >= 0.5,
        "registrant_p99_largest_over_10k_at_most_1.5": largest["p99_us"]
        <= 1.5 * smallest["p99_us"],
        "export_memory_flat": memory_flat,
        "registrant_query_2x_peer_with_lower_p99": (
            versus_peer["throughput_ratio"] >= 2.0 and kring["p99_us"] < peer["p99_us"]
        )
        if versus_peer and peer
        else None,
        "guarantees_add_under_5_percent_of_service_cpu": guarantees.under_target(cost),
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
    peer = results.get("peer")
    versus_peer = _versus_peer(results["registrant_query"], peer)
    exports = results.get("export", [])
    flat = _memory_flat(exports)
    cost = _guarantees(results.get("guarantees"))
    host["postgresql"] = facts["postgresql"]
    host["database"] = db_kind
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
        "machine": host,
        "pinning": {k: v for k, v in pin.items() if k not in ("load", "service", "cores")},
        "dataset": {**dataset, **{k: facts[k] for k in ("tenants", "period")}},
        "facilitator": {"upcoming_sessions": facts["facilitator_upcoming"]},
        "ceilings": {"framework": framework, "database": results["database_ceiling"]},
        "paths": paths,
        "versus_peer": versus_peer,
        "scale_curve": _scale_curve(results["scale_curve"]),
        "export": {"runs": exports, "memory_flat": flat},
        "profile": results.get("profile"),
        "ladder": results.get("ladder"),
        "flow": results.get("flow"),
        "guarantees": cost,
        "checks": _checks(
            paths,
            results["scale_curve"],
            memory_flat=flat,
            versus_peer=versus_peer,
            peer=peer,
            cost=cost,
        ),
        "missing": [],
        "commands": commands,
    }


def write(report: dict[str, Any], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
    (folder / "latest.md").write_text(render(report))
    print(f"wrote latest.md and latest.json in {folder}")
