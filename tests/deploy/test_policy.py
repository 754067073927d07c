"""The policy scan: checkov over the rendered overlays and the Dockerfile, once per session.

What is scanned is what would be applied (``kubectl kustomize`` of each overlay), so the
patches of the overlays are scanned too. No check is skipped on the command line; the
few skips are inline, each with its reason (``checkov.io/skipN`` annotations in the
manifests, a ``# checkov:skip=`` comment in the Dockerfile), and
test_every_policy_skip_is_justified holds them to that. ``--skip-download`` keeps the
scan offline: the checks ship with checkov.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import pytest
import yaml

from .manifests import BIN, DOCKERFILE, OVERLAYS, Objects

CHECKOV = BIN / "checkov"
ALLOWED_SKIPS = {
    "CKV_K8S_35": "settings come from KRING_* environment variables (services/kit/settings.py)",
    "CKV_K8S_43": "a fixed release tag; the release pipeline pins the digest",
    "CKV_DOCKER_2": "the orchestrator's probes are the health checks",
}


CANARY = "canary"
BAD_POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "bad", "namespace": "kring"},
    "spec": {"containers": [{"name": "c", "image": "nginx:latest"}]},
}


def is_canary(check: dict[str, Any]) -> bool:
    return f"/{CANARY}/" in check["file_path"]


@pytest.fixture(scope="session")
def checkov_reports(
    rendered: dict[str, Objects], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    scan = tmp_path_factory.mktemp("checkov")
    for overlay in OVERLAYS:
        (scan / overlay).mkdir()
        (scan / overlay / "manifests.yaml").write_text(yaml.safe_dump_all(rendered[overlay]))
    shutil.copy(DOCKERFILE, scan / "Dockerfile")
    # A canary, scanned in the same run: a scan that finds nothing wrong with it is vacuous.
    (scan / CANARY).mkdir()
    (scan / CANARY / "bad.yaml").write_text(yaml.safe_dump(BAD_POD))
    result = subprocess.run(
        [
            str(CHECKOV),
            "--directory",
            str(scan),
            "--framework",
            "kubernetes",
            "dockerfile",
            "--skip-download",
            "--compact",
            "--output",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=scan,
    )
    try:
        reports = json.loads(result.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"checkov gave no report (exit {result.returncode}):\n{result.stderr[-3000:]}")
    if isinstance(reports, dict):
        reports = [reports]
    return {"exit": result.returncode, "by_type": {r["check_type"]: r for r in reports}}


def describe(check: dict[str, Any]) -> str:
    return f"{check['check_id']} {check['check_name']}: {check['resource']} ({check['file_path']})"


@pytest.mark.parametrize("framework", ["kubernetes", "dockerfile"])
def test_the_policy_scan_passes(checkov_reports: dict[str, Any], framework: str) -> None:
    report = checkov_reports["by_type"].get(framework)
    assert report is not None, f"checkov did not scan any {framework} file"
    summary = report["summary"]
    assert summary["parsing_errors"] == 0
    assert summary["resource_count"] > 0 and summary["passed"] > 0
    failed = [c for c in report["results"].get("failed_checks", []) if not is_canary(c)]
    assert failed == [], "\n".join(describe(check) for check in failed)


def test_every_skipped_check_is_known_and_carries_its_reason(
    checkov_reports: dict[str, Any],
) -> None:
    skipped = [
        check
        for report in checkov_reports["by_type"].values()
        for check in report["results"].get("skipped_checks", [])
    ]
    for check in skipped:
        assert check["check_id"] in ALLOWED_SKIPS, describe(check)
        reason = check["check_result"].get("suppress_comment") or ""
        assert len(reason.split()) >= 6, f"{describe(check)}: skipped without a reason"


def test_the_scan_fails_a_bad_manifest(checkov_reports: dict[str, Any]) -> None:
    """The canary (latest tag, writable root filesystem, root, all capabilities) fails."""
    failed = {
        check["check_id"]
        for check in checkov_reports["by_type"]["kubernetes"]["results"]["failed_checks"]
        if is_canary(check)
    }
    assert {"CKV_K8S_14", "CKV_K8S_22", "CKV_K8S_23", "CKV_K8S_28"} <= failed
    assert checkov_reports["exit"] == 1, "the canary's failures fail the run"
