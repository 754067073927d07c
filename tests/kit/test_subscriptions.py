"""Webhook subscriptions through a producer's API (scheduling's, the same kit in every service):
each operation, who may do it, and every refusal the contract names."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest

from services.kit import webhooks
from services.kit.subscriptions import rules
from tests.conftest import Token
from tests.kit.support import PUBLIC_URL, subscribe
from tests.scheduling.support import rules_of

PATH = "/v1/webhook-subscriptions"


async def test_created_with_its_secret_shown_once(scheduling: httpx.AsyncClient, auth: Token):
    created = await subscribe(
        scheduling, auth("admin"), description="HR sync", event_types=["session.closed"]
    )
    assert created["secret"].startswith(webhooks.PREFIX)
    assert created["status"] == "active"
    assert created["reader"] == {"subject": "test", "roles": ["admin"], "claims": {}}
    assert created["previous_secret_until"] is None
    read = await scheduling.get(f"{PATH}/{created['id']}", headers=auth("admin"))
    assert read.status_code == 200, read.text
    assert "secret" not in read.json()
    assert read.json() == {k: v for k, v in created.items() if k != "secret"}


async def test_a_secret_of_the_clients_own_is_kept_if_long_enough(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    own = webhooks.new_secret()
    assert (await subscribe(scheduling, auth("admin"), secret=own))["secret"] == own
    short = "whsec_" + "QUJD" * 10  # 30 bytes of base64 text, 30 bytes decoded: long enough
    assert (await subscribe(scheduling, auth("admin"), secret=short))["secret"] == short
    body = {"url": PUBLIC_URL, "event_types": ["session.closed"]}
    for secret, status, rule in [
        ("whsec_" + "QUJD" * 7 + "QQ==", 422, "secret_too_short"),  # 22 bytes
        ("whsec_" + "QUJD" * 22, 422, "secret_too_long"),  # 66 bytes
        ("whsec_" + "QUJ" * 11 + "=", 422, "secret_format"),  # broken padding
        ("whsec_short", 400, "length"),
        ("no-prefix-" + "QUJD" * 10, 400, "pattern"),
    ]:
        refused = await scheduling.post(PATH, json={**body, "secret": secret}, headers=auth())
        assert refused.status_code == status, (secret, refused.text)
        assert rules_of(refused) == [rule]
        assert refused.json()["errors"][0]["field"] == "body.secret"


@pytest.mark.parametrize(
    ("url", "status", "rule"),
    [
        ("http://93.184.215.14/hooks", 422, "url_https"),
        ("https://10.0.0.5/hooks", 422, "url_address"),
        ("https://169.254.169.254/latest/meta-data/", 422, "url_address"),
        ("https://[fd00:ec2::254]/", 422, "url_address"),
        ("https://127.0.0.1/hooks", 422, "url_address"),
        ("https://localhost:8443/hooks", 422, "url_address"),
        ("https://user:secret@93.184.215.14/hooks", 422, "url_userinfo"),
        ("https://nowhere.invalid/hooks", 422, "url_unresolvable"),
        ("https://93.184.215.14/" + "a" * 2048, 400, "length"),
    ],
)
async def test_an_unsafe_url_is_refused_naming_its_rule(
    scheduling: httpx.AsyncClient, auth: Token, url: str, status: int, rule: str
) -> None:
    body = {"url": url, "event_types": ["session.closed"]}
    refused = await scheduling.post(PATH, json=body, headers=auth("admin"))
    assert refused.status_code == status, refused.text
    assert rules_of(refused) == [rule]
    assert refused.json()["errors"][0]["field"] == "body.url"


async def test_event_types_come_from_the_services_catalogue_each_once(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    body = {"url": PUBLIC_URL, "event_types": ["session.closed", "invoice.issued"]}
    refused = await scheduling.post(PATH, json=body, headers=auth("admin"))
    assert refused.status_code == 422, refused.text
    assert rules_of(refused) == ["unknown_event_type"]
    assert refused.json()["errors"][0]["field"] == "body.event_types[1]"
    twice = {**body, "event_types": ["session.closed", "session.closed"]}
    assert rules_of(await scheduling.post(PATH, json=twice, headers=auth())) == [
        "duplicate_event_type"
    ]
    none = {**body, "event_types": []}
    assert (await scheduling.post(PATH, json=none, headers=auth())).status_code == 400


async def test_an_organisation_has_at_most_its_limit(
    scheduling: httpx.AsyncClient, auth: Token, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert rules.MAX_SUBSCRIPTIONS == 50
    monkeypatch.setattr(rules, "MAX_SUBSCRIPTIONS", 2)
    hr = auth("hr", client_org=str(uuid.uuid4()))
    await subscribe(scheduling, auth("admin"))
    await subscribe(scheduling, hr)
    body = {"url": PUBLIC_URL, "event_types": ["session.closed"]}
    refused = await scheduling.post(PATH, json=body, headers=hr)
    assert refused.status_code == 422, refused.text
    assert rules_of(refused) == ["subscription_limit"]


async def test_admin_lists_all_an_hr_client_its_own_another_tenant_none(
    scheduling: httpx.AsyncClient, auth: Token, token_for
) -> None:
    org_a, org_b = str(uuid.uuid4()), str(uuid.uuid4())
    hr_a, hr_b = auth("hr", client_org=org_a), auth("hr", client_org=org_b, subject="hr-b")
    admins = [(await subscribe(scheduling, auth("admin")))["id"] for _ in range(3)]
    of_a = (await subscribe(scheduling, hr_a))["id"]
    of_b = (await subscribe(scheduling, hr_b))["id"]

    seen, cursor = [], None
    while True:
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await scheduling.get(PATH, params=query, headers=auth("admin"))).json()
        assert len(page["items"]) <= 2
        seen += [item["id"] for item in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert seen == [*admins, of_a, of_b]

    listed = await scheduling.get(PATH, headers=auth("hr", client_org=org_a, subject="other"))
    assert [item["id"] for item in listed.json()["items"]] == [of_a]
    assert listed.json()["items"][0]["reader"]["claims"] == {"client_org": org_a}
    assert (await scheduling.get(f"{PATH}/{of_b}", headers=hr_a)).status_code == 404
    assert (await scheduling.get(f"{PATH}/{admins[0]}", headers=hr_a)).status_code == 404
    assert (await scheduling.get(f"{PATH}/{of_a}", headers=auth("admin"))).status_code == 200
    other = token_for(uuid.uuid4(), "admin")
    assert (await scheduling.get(PATH, headers=other)).json()["items"] == []
    assert (await scheduling.get(f"{PATH}/{of_a}", headers=other)).status_code == 404


@pytest.mark.parametrize("role", ["participant", "facilitator", "service", "registrar"])
async def test_other_roles_may_not(scheduling: httpx.AsyncClient, auth: Token, role: str) -> None:
    assert (await scheduling.get(PATH, headers=auth(role))).status_code == 403
    body = {"url": PUBLIC_URL, "event_types": ["session.closed"]}
    assert (await scheduling.post(PATH, json=body, headers=auth(role))).status_code == 403


async def test_replaced_checked_as_created_with_if_match(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    created = await subscribe(scheduling, auth("admin"))
    url = f"{PATH}/{created['id']}"
    tag = (await scheduling.get(url, headers=auth())).headers["etag"]
    change = {"url": PUBLIC_URL + "/v2", "event_types": ["session.cancelled", "person.updated"]}
    replaced = await scheduling.put(url, json=change, headers={**auth(), "if-match": tag})
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["url"] == PUBLIC_URL + "/v2"
    assert replaced.json()["event_types"] == ["session.cancelled", "person.updated"]
    assert replaced.json()["description"] is None
    assert replaced.json()["updated_at"] > created["updated_at"]
    stale = await scheduling.put(url, json=change, headers={**auth(), "if-match": tag})
    assert stale.status_code == 412, stale.text

    unsafe = await scheduling.put(
        url, json={**change, "url": "https://192.168.1.1/"}, headers=auth()
    )
    assert rules_of(unsafe) == ["url_address"]
    unknown = await scheduling.put(url, json={**change, "event_types": ["x.y"]}, headers=auth())
    assert rules_of(unknown) == ["unknown_event_type"]
    secret = await scheduling.put(
        url, json={**change, "secret": webhooks.new_secret()}, headers=auth()
    )
    assert rules_of(secret) == ["unknown_field"]
    hr = auth("hr", client_org=str(uuid.uuid4()))
    assert (await scheduling.put(url, json=change, headers=hr)).status_code == 404


async def test_deleted(scheduling: httpx.AsyncClient, auth: Token) -> None:
    created = await subscribe(scheduling, auth("admin"))
    url = f"{PATH}/{created['id']}"
    hr = auth("hr", client_org=str(uuid.uuid4()))
    assert (await scheduling.delete(url, headers=hr)).status_code == 404
    assert (await scheduling.delete(url, headers=auth())).status_code == 204
    assert (await scheduling.get(url, headers=auth())).status_code == 404
    assert (await scheduling.delete(url, headers=auth())).status_code == 404


async def test_paused_and_resumed_and_a_disabled_one_resumed_not_paused(
    scheduling: httpx.AsyncClient, auth: Token, database_url: str
) -> None:
    created = await subscribe(scheduling, auth("admin"))
    url = f"{PATH}/{created['id']}"
    paused = await scheduling.post(f"{url}/pause", headers=auth())
    assert paused.status_code == 200, paused.text
    assert paused.json()["status"] == "paused"
    changed = paused.json()["status_changed_at"]
    again = (await scheduling.post(f"{url}/pause", headers=auth())).json()
    assert (again["status"], again["status_changed_at"]) == ("paused", changed)
    resumed = await scheduling.post(f"{url}/resume", json={}, headers=auth())
    assert resumed.status_code == 200, resumed.text
    assert resumed.json()["status"] == "active"
    assert resumed.json()["status_changed_at"] > changed

    conn = await asyncpg.connect(database_url)  # as Kring's relay disables one
    try:
        await conn.execute(
            "UPDATE scheduling.subscribers SET status = 'disabled', disabled_reason = $2,"
            " status_changed_at = now() WHERE id = $1",
            uuid.UUID(created["id"]),
            "The endpoint answered 410 Gone.",
        )
    finally:
        await conn.close()
    disabled = (await scheduling.get(url, headers=auth())).json()
    assert (disabled["status"], disabled["disabled_reason"]) == (
        "disabled",
        "The endpoint answered 410 Gone.",
    )
    refused = await scheduling.post(f"{url}/pause", headers=auth())
    assert refused.status_code == 409, refused.text
    assert rules_of(refused) == ["subscription_disabled"]
    resumed = (await scheduling.post(f"{url}/resume", json={}, headers=auth())).json()
    assert (resumed["status"], resumed["disabled_reason"]) == ("active", None)


async def test_a_rotated_secret_signs_beside_the_new_one_for_a_day(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    created = await subscribe(scheduling, auth("admin"))
    url = f"{PATH}/{created['id']}"
    rotated = await scheduling.post(f"{url}/rotate-secret", json={}, headers=auth())
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["secret"].startswith(webhooks.PREFIX)
    assert rotated.json()["secret"] != created["secret"]
    until = datetime.fromisoformat(rotated.json()["previous_secret_until"])
    assert abs(until - (datetime.now(UTC) + timedelta(hours=24))) < timedelta(minutes=5)
    read = (await scheduling.get(url, headers=auth())).json()
    assert read["previous_secret_until"] == rotated.json()["previous_secret_until"]
    assert "secret" not in read

    own = webhooks.new_secret()
    mine = await scheduling.post(f"{url}/rotate-secret", json={"secret": own}, headers=auth())
    assert mine.json()["secret"] == own
    short = {"secret": "whsec_" + "QUJD" * 7 + "QQ=="}
    refused = await scheduling.post(f"{url}/rotate-secret", json=short, headers=auth())
    assert rules_of(refused) == ["secret_too_short"]


async def test_row_level_security_holds_a_tenant_to_its_own_and_reads_the_operators(
    database_url: str,
) -> None:
    """A tenant's transaction sees its own subscriptions and the operator's (to deliver its
    events to them) and changes only its own; the relay, naming no tenant, sees all."""
    conn = await asyncpg.connect(database_url, server_settings={"search_path": "scheduling"})
    await conn.execute('SET ROLE "kring_scheduling"')
    tenant_a, tenant_b = uuid.uuid4(), uuid.uuid4()
    reader = {"subject": "t", "roles": ["admin"], "claims": {}}
    rows = {tenant_a: uuid.uuid4(), tenant_b: uuid.uuid4(), None: uuid.uuid4()}
    insert = (
        "INSERT INTO subscribers (id, name, org_id, url, secret, types, reader)"
        " VALUES ($1, 'rls-' || $1::uuid, $2, 'https://93.184.215.14/', $3, '{session.closed}', $4)"
    )
    try:
        await conn.set_type_codec(
            "jsonb", encoder=lambda v: json.dumps(v), decoder=json.loads, schema="pg_catalog"
        )
        for org, row in rows.items():  # no tenant set: as the relay and the operator's sync
            await conn.execute(insert, row, org, webhooks.new_secret(), reader if org else None)
        async with conn.transaction():
            await conn.execute("SELECT set_config('app.org_id', $1, true)", str(tenant_a))
            seen = await conn.fetch(
                "SELECT id FROM subscribers WHERE id = ANY($1)", list(rows.values())
            )
            assert {r["id"] for r in seen} == {rows[tenant_a], rows[None]}
            changed = await conn.execute(
                "UPDATE subscribers SET description = 'x' WHERE id = ANY($1)", list(rows.values())
            )
            assert changed == "UPDATE 1"
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
                await conn.execute(insert, uuid.uuid4(), tenant_b, webhooks.new_secret(), reader)
        everything = await conn.fetchval(
            "SELECT count(*) FROM subscribers WHERE id = ANY($1)", list(rows.values())
        )
        assert everything == 3
    finally:
        await conn.execute("DELETE FROM subscribers WHERE id = ANY($1)", list(rows.values()))
        await conn.close()
