"""The report's Markdown is what :func:`bench.render.render` makes of its JSON."""

from __future__ import annotations

import json
from pathlib import Path

from bench.render import render

RESULTS = Path(__file__).resolve().parents[2] / "bench" / "results"


def test_the_committed_markdown_is_the_committed_json_rendered() -> None:
    report = json.loads((RESULTS / "latest.json").read_text())
    assert render(report) == (RESULTS / "latest.md").read_text()


def test_sections_without_figures_are_left_out() -> None:
    report = json.loads((RESULTS / "latest.json").read_text())
    report.update(versus_peer=None, profile=None, ladder=None, flow=None)
    report["export"] = {"runs": [], "memory_flat": None}
    text = render(report)
    for heading in ("Kring against the peer", "## Profile", "## From the framework", "## Flow"):
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
