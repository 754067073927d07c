"""services/topology.py is the one list of who receives whose events.

``kring run`` (through ``platform_env``) and ``kring subscribers`` (what deploy/README.md
tells the operator to put in the Secret ``kring-webhooks``) both print it; the producers'
contracts publish its event types, the consumers serve its route, and the Deployments read
the Secret keys the guide creates. Nothing else writes the list down.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
import pytest
import yaml

import services.cli as cli
from services import topology
from services.kit.relay import Subscriber

from .manifests import DEPLOY, OVERLAYS, ROOT, Objects, find, pod_spec

PRODUCERS = sorted({s.producer for s in topology.SUBSCRIPTIONS})
CONSUMERS = sorted({s.consumer for s in topology.SUBSCRIPTIONS})


def published(producer: str) -> set[str]:
    """The event types the producer's committed contract describes (OpenAPI ``webhooks``)."""
    contract = yaml.safe_load((ROOT / "contracts" / f"{producer}.yaml").read_text())
    return set(contract.get("webhooks") or {})


def decode(raw: str) -> list[Subscriber]:
    return msgspec.json.decode(raw, type=list[Subscriber])


def expected(producer: str, base_urls: dict[str, str]) -> list[tuple[str, str, list[str]]]:
    return [
        (s.consumer, base_urls[s.consumer] + topology.EVENT_ROUTE, list(s.types))
        for s in topology.SUBSCRIPTIONS
        if s.producer == producer
    ]


def shape(subscribers: list[Subscriber]) -> list[tuple[str, str, list[str]]]:
    return [(s.name, s.url, s.types) for s in subscribers]


def secret_ref(objects: Objects, deployment: str, variable: str) -> dict[str, Any] | None:
    env = pod_spec(find(objects, "Deployment", deployment))["containers"][0].get("env", [])
    for var in env:
        if var["name"] == variable:
            ref: dict[str, Any] = var["valueFrom"]["secretKeyRef"]
            return ref
    return None


def test_every_subscription_is_an_event_its_producer_publishes() -> None:
    for subscription in topology.SUBSCRIPTIONS:
        assert subscription.types, subscription
        unknown = set(subscription.types) - published(subscription.producer)
        assert not unknown, f"{subscription.producer} publishes no {sorted(unknown)}"


def test_accreditation_is_told_when_a_session_is_cancelled() -> None:
    """The reversal of a session closed in error (deploy/README.md once left it out)."""
    types = {s.consumer: s.types for s in topology.SUBSCRIPTIONS if s.producer == "scheduling"}
    assert set(types) == {"accreditation", "invoicing"}
    for consumer in types:
        assert {"session.closed", "session.cancelled"} <= set(types[consumer]), consumer


@pytest.mark.parametrize("consumer", CONSUMERS)
def test_every_consumer_receives_on_the_event_route(consumer: str) -> None:
    config = cli.service_module(consumer, "config")
    app = cli.service_module(consumer, "app").create_app(
        config.load_settings({}, database_url="postgresql://topology@/none")
    )
    routes = {route.path: route for route in app.routes}
    assert topology.EVENT_ROUTE in routes, sorted(routes)
    assert "POST" in routes[topology.EVENT_ROUTE].methods


def test_kring_run_configures_the_topology() -> None:
    ports = {name: 9100 + i for i, name in enumerate(cli.SERVICES)}
    envs = cli.platform_env(
        ports,
        database_url="postgresql://topology@/none",
        jwks="{}",
        issuer="kring-test",
        audience="kring",
        webhook_secret="whsec_topology",
    )
    local = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    for name in cli.SERVICES:
        subscribers = decode(envs[name]["KRING_WEBHOOK_SUBSCRIBERS"])
        assert shape(subscribers) == expected(name, local), name
        for subscriber in subscribers:
            accepted = envs[subscriber.name]["KRING_WEBHOOK_SECRETS"].split(",")
            assert subscriber.secret in accepted, "the consumer accepts what the producer signs"


def in_cluster(objects: Objects, consumer: str) -> str:
    """``http://<Service>:<port>`` of the Service in front of the consumer's pods."""
    service = find(objects, "Service", consumer)
    pods = find(objects, "Deployment", consumer)["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= pods.items(), consumer
    container = pod_spec(find(objects, "Deployment", consumer))["containers"][0]
    named = {port["name"]: port["containerPort"] for port in container["ports"]}
    (port,) = service["spec"]["ports"]
    assert named[port["targetPort"]] == cli.service_module(consumer, "config").PORT
    return f"http://{service['metadata']['name']}:{port['port']}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_kring_subscribers_prints_the_topology_at_the_clusters_services(
    rendered: dict[str, Objects],
    overlay: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    secrets = {consumer: f"whsec_{consumer}" for consumer in CONSUMERS}
    for consumer, secret in secrets.items():
        monkeypatch.setenv(cli.secret_variable(consumer), secret)
    urls = {consumer: in_cluster(rendered[overlay], consumer) for consumer in CONSUMERS}
    for producer in cli.SERVICES:
        capsys.readouterr()
        assert cli.main(["subscribers", producer]) == 0
        subscribers = decode(capsys.readouterr().out)
        assert shape(subscribers) == expected(producer, urls), producer
        assert all(s.secret == secrets[s.name] for s in subscribers)


def test_kring_subscribers_names_the_secrets_it_misses(monkeypatch: pytest.MonkeyPatch) -> None:
    for consumer in CONSUMERS:
        monkeypatch.delenv(cli.secret_variable(consumer), raising=False)
    with pytest.raises(SystemExit) as raised:
        cli.main(["subscribers", "scheduling"])
    for consumer in topology.consumers("scheduling"):
        assert cli.secret_variable(consumer) in str(raised.value)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_deployments_read_the_secret_kring_subscribers_fills(
    rendered: dict[str, Objects], overlay: str
) -> None:
    objects = rendered[overlay]
    for name in cli.SERVICES:
        subscribers = secret_ref(objects, name, "KRING_WEBHOOK_SUBSCRIBERS")
        if name in PRODUCERS:
            assert subscribers is not None, name
            assert (subscribers["name"], subscribers["key"]) == (
                "kring-webhooks",
                "subscribers.json",
            )
        else:
            assert subscribers is None, f"{name} produces for no one (services/topology.py)"
        accepted = secret_ref(objects, name, "KRING_WEBHOOK_SECRETS")
        if name in CONSUMERS:
            assert accepted is not None, name
            assert (accepted["name"], accepted["key"]) == ("kring-webhooks", name)
        else:
            assert accepted is None, f"{name} consumes no internal events"


def test_the_deploy_guide_runs_kring_subscribers_instead_of_a_list() -> None:
    guide = (DEPLOY / "README.md").read_text()
    for producer in PRODUCERS:
        assert f"subscribers {producer}" in guide, producer
    written = {t for name in cli.SERVICES for t in published(name) if t in guide}
    assert not written, f"deploy/README.md lists event types by hand: {sorted(written)}"
    variables = set(re.findall(r"KRING_WEBHOOK_SECRET_[A-Z_]+", guide))
    assert variables == {cli.secret_variable(c) for c in CONSUMERS}
    keys = set(re.findall(r"--from-literal=([a-z]+)=", guide))
    assert keys >= set(CONSUMERS), "the Secret holds every consumer's signing secret"
