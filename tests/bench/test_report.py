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
