"""The report's Markdown is what :func:`bench.render.render` makes of its JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.guarantees import STEPS, lines, under_target
from bench.render import render
from bench.report import _guarantees, _in_pairs, _over_raw_peer

RESULTS = Path(__file__).resolve().parents[2] / "bench" / "results"


def test_the_committed_markdown_is_the_committed_json_rendered() -> None:
    report = json.loads((RESULTS / "latest.json").read_text())
    assert render(report) == (RESULTS / "latest.md").read_text()


def test_sections_without_figures_are_left_out() -> None:
    report = json.loads((RESULTS / "latest.json").read_text())
    report.update(versus_peer=None, versus_peers=None, profile=None, ladder=None, flow=None)
    report["export"] = {"runs": [], "memory_flat": None}
    text = render(report)
    for heading in ("The ladder of peers", "## Profile", "## From the framework", "## Flow"):
        assert heading not in text
    assert "## Streamed export" not in text
    assert "## Scale curve" in text


def test_the_delivery_figures_are_rendered_when_a_run_has_them() -> None:
    report = json.loads((RESULTS / "latest.json").read_text())
    report["flow"] = {**report["flow"], "delivery": DELIVERY}
    text = render(report)
    assert "### Webhooks to ten subscriptions, one receiver hung" in text
    assert "**61.6 events/s** (554.4 deliveries/s)" in text
    assert "| to all 9 live subscriptions | 12 | 46.4 | 52.0 | 53.8 |" in text
    report["flow"].pop("delivery")
    assert "one receiver hung" not in render(report), "a report from before has none"


DELIVERY = {
    "subscribers": 10,
    "hung": 1,
    "closes": 12,
    "median_ms": 46.4,
    "p95_ms": 52.0,
    "max_ms": 53.8,
    "events": 416,
    "seconds": 6.75,
    "events_per_second": 61.6,
    "deliveries_per_second": 554.4,
}


def _run(rps: float, p99_us: float, service_ms: float) -> dict[str, Any]:
    return {
        "rps": rps,
        "p50_us": p99_us / 2,
        "p99_us": p99_us,
        "connections": 32,
        "cpu": {"service_ms": service_ms, "postgres_ms": 0.4, "service_core_busy": 0.99},
    }


def test_the_sections_of_issue_21_are_rendered_when_a_run_has_them() -> None:
    report = json.loads((RESULTS / "latest.json").read_text())
    report["versus_peers"] = {
        "kring_over_raw_peer": {
            "throughput_ratio": 1.25,
            "p99_ratio": 0.8,
            "p50_ratio": 0.8,
            "service_cpu_ratio": 0.8,
        }
    }
    report["workers"] = {
        "runs": {"1": _run(1200, 50_000, 0.82), "2": _run(1500, 60_000, 0.9)},
        "throughput_ratio": 1.25,
        "p99_ratio": 1.2,
        "service_cpu_ratio": 1.098,
    }
    report["pools"] = {
        "pool": 20,
        "kring": _run(1700, 29_000, 0.57),
        "peer_raw": _run(1300, 31_000, 0.75),
        "throughput_ratio": 1.308,
        "p99_ratio": 0.935,
        "service_cpu_ratio": 0.76,
    }
    report["credentials"] = {
        "issue": {
            "credentials": 200,
            "clients": 4,
            "seconds": 2.5,
            "per_second": 80.0,
            "median_ms": 40.0,
            "p95_ms": 60.0,
            "max_ms": 70.0,
        },
        "verify": _run(900, 40_000, 1.0),
    }
    report["subject_export"] = {
        "person_id": "0",
        "scheduling": {"absent": True, "status": 404},
        "archive": {
            "absent": False,
            "bytes": 12_345,
            "times": 10,
            "median_ms": 30.0,
            "p95_ms": 40.0,
            "max_ms": 41.0,
            "rss_before_mib": 100.0,
            "peak_rss_mib": 101.0,
        },
    }
    point = report["scale_curve"]["points"][0]
    point.update(
        sizes={"database": 9_627_678_399, "ledger_table": 4_647_100_416, "ledger_indexes": 1},
        reused=False,
        build_seconds=666.0,
    )
    report["flow"]["delivery"] = {**DELIVERY, "baseline": {**DELIVERY, "hung": 0, "p95_ms": 40.0}}
    text = render(report)
    assert "| Kring / raw peer: Litestar + msgspec against FastAPI + pydantic" in text
    assert "**1.25x** | 0.8x" in text
    assert "Two workers / one: **1.25x** the throughput" in text
    assert "with 20 connections each: **1.308x** the throughput, p99 0.935x" in text
    assert "| Kring | 1,700 |" in text and "| raw peer | 1,300 |" in text
    assert "**80.0 credentials/s**" in text
    assert "**900 verifications/s**" in text
    assert "| scheduling's part (GET /v1/subjects/{id}/export) | not served (404)" in text
    assert "| 12,345 | 10 | 30.0 | 40.0 | 41.0 | 100.0 | 101.0 |" in text
    assert "| 9,182 | 4,432 | 0.00 |" in text
    assert "666 s, this run" in text
    assert "none hung (the normal p95" in text


def test_the_floor_is_set_beside_the_endpoint_and_not_in_the_layers() -> None:
    report = json.loads((RESULTS / "latest.json").read_text())
    rungs = [rung for rung in report["ladder"] if rung["rung"] != "floor"]
    report["ladder"] = [*rungs, {**_run(1500, 60_000, 0.6), "rung": "floor"}]
    text = render(report)
    endpoint = report["paths"]["registrant_query"]
    floor_line = next(line for line in text.splitlines() if "(`/ladder/floor`)" in line)
    assert "1,500 req/s at 0.600 ms" in floor_line
    share = 1500 / report["ceilings"]["database"]["rps"] * 100
    assert f"{share:.0f} % of the database ceiling" in floor_line
    over = endpoint["cpu"]["service_ms"] - 0.6
    assert f"costs {over:+.3f} ms per request over the floor" in floor_line
    layers = text.split("## From the framework")[1].split("\n\n")[1]
    assert "floor" not in layers, "the floor is no layer of the cumulative table"


def test_the_session_list_s_floor_says_whether_the_bar_is_within_its_reach() -> None:
    report = json.loads((RESULTS / "latest.json").read_text())
    framework = report["ceilings"]["framework"]["rps"]
    listed = report["paths"]["facilitator_upcoming"]["cpu"]["service_ms"]
    for rps, reach in ((0.10 * framework, "out of"), (0.20 * framework, "within")):
        report["sessions_floor"] = {
            **_run(rps, 30_000, 0.5),
            "rung": "sessions-floor",
            "of_framework_ceiling": rps / framework,
        }
        line = next(
            line for line in render(report).splitlines() if "(`/ladder/sessions-floor`)" in line
        )
        assert f"at 0.500 ms of service CPU, {rps / framework * 100:.1f} %" in line
        assert f"The bar, 13.6 %, is {reach} the floor's reach." in line
        assert f"costs {listed - 0.5:+.3f} ms per list over the floor" in line


def test_the_database_ceiling_s_budget_is_set_against_what_the_floor_spends() -> None:
    report = json.loads((RESULTS / "latest.json").read_text())
    report["ceilings"]["framework"]["cpu"]["service_ms"] = 0.14
    report["ceilings"]["database"] = {
        **report["ceilings"]["database"],
        "rps": 1250.0,
        "cpu": {"service_ms": 0.3, "service_core_busy": 0.74},
    }
    rungs = [rung for rung in report["ladder"] if rung["rung"] != "floor"]
    for spent, reach in ((0.9, "within"), (1.2, "out of")):
        report["ladder"] = [*rungs, {**_run(1100, 60_000, spent), "rung": "floor"}]
        line = next(
            line for line in render(report).splitlines() if "At 80 % of the database" in line
        )
        assert "a request may spend 1.000 ms of service CPU" in line
        assert f"the floor spends {spent:.3f} ms ({spent:.2f}x), so the bar is {reach}" in line
        assert "0.300 ms a query in the ceiling's loop (its core 74 % busy: the loop waits" in line
        assert f"the rest, {spent - 0.44:+.3f} ms, is the page's JSON" in line


def test_the_guarantees_target_is_judged_on_the_rounds_loaded_at_once() -> None:
    spent = {"service_ms": [1.06, 1.02, 1.04], "base_service_ms": [1.0, 1.0, 1.0]}
    steps = {step: spent for step in STEPS}
    steps["all"] = {"service_ms": [1.03, 1.09, 1.04], "base_service_ms": [1.0, 1.0, 1.0]}
    cost = _guarantees(steps)
    assert cost is not None
    assert cost["steps"]["all"]["added"] == 0.04, "the median round's ratio"
    assert under_target(cost) is True
    steps["all"] = {"service_ms": [1.05, 1.09, 1.06], "base_service_ms": [1.0, 1.0, 1.0]}
    assert under_target(_guarantees(steps)) is False
    text = "\n".join(lines(cost))
    assert "| all the guarantees together | 3 | 1.04 | 1.0 | +4.0 % | 1.030, 1.090, 1.040 |" in text
    assert "loaded at once" in text


def test_kring_against_the_raw_peer_is_judged_on_the_median_pair() -> None:
    def burst(rps: float, p99_us: int, service_ms: float) -> dict[str, float]:
        return {"rps": rps, "p99_us": p99_us, "service_ms": service_ms}

    pairs = [
        {"kring": burst(k, 60_000, 1.0), "peer_raw": burst(100, 80_000, 1.6)}
        for k in (140, 155, 160, 150, 170)
    ]
    in_pairs = _in_pairs(pairs)
    assert in_pairs is not None
    assert in_pairs["throughput_ratio"] == 1.55
    assert in_pairs["p99_ratio"] == 0.75
    report = json.loads((RESULTS / "latest.json").read_text())
    report["kring_and_raw_peer_in_pairs"] = in_pairs
    text = render(report)
    assert "the median pair: Kring serves **1.55x** the raw peer's throughput" in text
    assert "(each pair's throughput ratio: 1.400, 1.550, 1.600, 1.500, 1.700)" in text
    kring, raw = report["paths"]["registrant_query"], report["paths"]["peer_raw"]
    mirrored = {"throughput_ratio": 1.2}
    assert _over_raw_peer(kring, raw, mirrored, in_pairs) is True, "the pairs judge, not the means"
    pairs[2]["kring"]["p99_us"] = pairs[3]["kring"]["p99_us"] = 90_000
    pairs[4]["kring"]["p99_us"] = 90_000
    assert _over_raw_peer(kring, raw, mirrored, _in_pairs(pairs)) is False, "p99 above the peer's"
