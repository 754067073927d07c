"""deploy/k8s: a retention CronJob per service, running ``kring retention --service NAME`` as
the service's own database role, hardened like every workload, reaching the database only."""

from __future__ import annotations

import pytest

from services.cli import SERVICES

from .manifests import OVERLAYS, Objects, find, of_kind, pod_spec
from .test_manifests import Pod, allowed


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("service", SERVICES)
def test_each_service_has_a_daily_retention_cronjob(
    rendered: dict[str, Objects], overlay: str, service: str
) -> None:
    objects = rendered[overlay]
    cron = find(objects, "CronJob", f"{service}-retention")
    spec = cron["spec"]
    minute, hour, *rest = spec["schedule"].split()
    assert rest == ["*", "*", "*"] and minute.isdigit() and hour.isdigit()
    assert spec["concurrencyPolicy"] == "Forbid"
    assert spec["timeZone"] == "Etc/UTC"
    job = spec["jobTemplate"]["spec"]
    assert job["activeDeadlineSeconds"] > 0 and job["backoffLimit"] <= 3
    pod = pod_spec(cron)
    assert pod["restartPolicy"] == "Never"
    assert pod["serviceAccountName"] == f"kring-{service}"
    assert pod["automountServiceAccountToken"] is False
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    (container,) = pod["containers"]
    assert container["args"] == ["retention", "--service", service]
    assert container["imagePullPolicy"] == "Always"
    deployment = pod_spec(find(objects, "Deployment", service))["containers"][0]
    assert container["image"] == deployment["image"]
    database = next(v for v in container["env"] if v["name"] == "KRING_DATABASE_URL")
    served = next(v for v in deployment["env"] if v["name"] == "KRING_DATABASE_URL")
    assert database == served  # the service's own role: row-level security holds it too
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"]
    assert set(container["resources"]["limits"]) >= {"cpu", "memory"}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_retention_pods_reach_the_database_and_nothing_else(
    rendered: dict[str, Objects], overlay: str
) -> None:
    objects = rendered[overlay]
    ns = find(objects, "Deployment", "scheduling")["metadata"]["namespace"]
    if overlay == "prod":
        postgres: Pod | str = Pod(ns, {"cnpg.io/cluster": "kring-db"}, {"postgresql": 5432})
    else:
        postgres = "203.0.113.10"
    dns = Pod("kube-system", {"k8s-app": "kube-dns"}, {"dns": 53})
    api = Pod(ns, {"app.kubernetes.io/name": "scheduling"}, {"http": 8101})
    crons = of_kind(objects, "CronJob")
    assert len(crons) == len(SERVICES)
    for cron in crons:
        pod = Pod(ns, cron["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["labels"], {})
        assert allowed(objects, pod, postgres, 5432), cron["metadata"]["name"]
        assert allowed(objects, pod, dns, 53)
        assert not allowed(objects, pod, "198.51.100.7", 443)
        assert not allowed(objects, pod, api, 8101)
