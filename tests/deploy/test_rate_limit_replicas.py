"""The rate limits hold across replicas: each overlay tells the services the most replicas its
autoscalers may run, so that each replica's share of a quota times the replicas is the quota."""

from __future__ import annotations

import pytest

from .manifests import OVERLAYS, Objects, of_kind


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_replica_count_of_the_rate_limits_is_the_autoscalers_most(
    rendered: dict[str, Objects], overlay: str
) -> None:
    (config_map,) = of_kind(rendered[overlay], "ConfigMap")
    most = max(
        hpa["spec"]["maxReplicas"] for hpa in of_kind(rendered[overlay], "HorizontalPodAutoscaler")
    )
    assert int(config_map["data"]["KRING_RATE_LIMIT_REPLICAS"]) == most
