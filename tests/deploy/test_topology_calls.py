"""The API calls between services (services/topology.py ``CALLS``): ``kring run`` points each
caller's variable at the callee's local URL, every overlay's Deployment at the callee's
Service, and the NetworkPolicies let the caller reach the callee's port."""

from __future__ import annotations

import pytest

import services.cli as cli
from services import topology

from .manifests import OVERLAYS, Objects, find, pod_spec
from .test_manifests import allowed, pods
from .test_topology import in_cluster


def test_scheduling_asks_accreditation_for_the_preflight() -> None:
    assert ("scheduling", "accreditation", "KRING_ACCREDITATION_URL") in {
        (c.caller, c.callee, c.variable) for c in topology.CALLS
    }


def test_invoicing_asks_scheduling_whether_a_cost_sheet_s_session_exists() -> None:
    assert ("invoicing", "scheduling", "KRING_SCHEDULING_URL") in {
        (c.caller, c.callee, c.variable) for c in topology.CALLS
    }


def test_kring_run_points_each_caller_at_its_callee() -> None:
    ports = {name: 9200 + i for i, name in enumerate(cli.SERVICES)}
    envs = cli.platform_env(
        ports,
        database_url="postgresql://topology@/none",
        jwks="{}",
        issuer="kring-test",
        audience="kring",
        webhook_secret="whsec_topology",
    )
    for call in topology.CALLS:
        assert envs[call.caller][call.variable] == f"http://127.0.0.1:{ports[call.callee]}"
    called = {(c.caller, c.variable) for c in topology.CALLS}
    for name in cli.SERVICES:
        for variable in ("KRING_ACCREDITATION_URL", "KRING_SCHEDULING_URL"):
            assert (variable in envs[name]) == ((name, variable) in called), name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_caller_reaches_its_callee_in_the_cluster(
    rendered: dict[str, Objects], overlay: str
) -> None:
    objects = rendered[overlay]
    kring = pods(objects)
    for call in topology.CALLS:
        container = pod_spec(find(objects, "Deployment", call.caller))["containers"][0]
        env = {var["name"]: var.get("value") for var in container.get("env", [])}
        assert env.get(call.variable) == in_cluster(objects, call.callee), call
        port = cli.service_module(call.callee, "config").PORT
        assert allowed(objects, kring[call.caller], kring[call.callee], port), call
