"""The benchmark's peers answer the registrar query as Kring does: the conventional one (FastAPI,
pydantic, SQLAlchemy) and the raw one (FastAPI, pydantic, Kring's raw asyncpg SQL).

Entries and consents are made through the real accreditation API; then the same requests with
the same tokens go to Kring and to the peer, both in-process, on the same database and role.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import date
from typing import Any

import httpx
import pytest
import pytest_asyncio

from bench.peer import PeerSettings, create_app, raw
from services.kit.auth import mint_token
from services.kit.devkeys import DevKey
from services.kit.settings import Settings
from tests.accreditation.snapshots import attendee, registration, session
from tests.conftest import ISSUER

PATH = "/v1/registrar/entries"
SINCE = "2023-06-15"
DAYS = [date(2024, month, 10) for month in (1, 2, 3, 4)]
Headers = dict[str, str]


@pytest_asyncio.fixture(scope="module", loop_scope="session", params=["orm", "raw"])
async def peer(
    request: pytest.FixtureRequest, settings_for: Callable[..., Settings]
) -> AsyncIterator[httpx.AsyncClient]:
    """Each peer app in-process, configured like the accreditation service of this test run."""
    kring = settings_for("accreditation")
    settings = PeerSettings(
        database_url=kring.database_url,
        database_role=kring.database_role,
        db_pool_max=kring.db_pool_max,
        jwt_issuer=kring.jwt_issuer,
        jwt_audience=kring.jwt_audience,
        jwt_jwks=kring.jwt_jwks or "",
    )
    app = raw.create_app(settings) if request.param == "raw" else create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://peer") as client:
            yield client


async def _record(accreditation: httpx.AsyncClient, headers: Headers, body: dict[str, Any]) -> Any:
    response = await accreditation.post("/v1/ledger/sessions", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def _consent(
    accreditation: httpx.AsyncClient, token_for: Callable[..., Headers], org: uuid.UUID, person: Any
) -> None:
    headers = token_for(org, "participant", person=person)
    response = await accreditation.put("/v1/consents/NIP", headers=headers)
    assert response.status_code == 201, response.text


async def _ledger(
    accreditation: httpx.AsyncClient, token_for: Callable[..., Headers], org: uuid.UUID
) -> dict[str, uuid.UUID]:
    """Four sessions of NIP registrants: who consented, who did not, who revoked; a reversal."""
    people = {name: uuid.uuid4() for name in ("anna", "bram", "cees", "dirk")}
    numbers = {"anna": "00000001", "bram": "NIP-00000002", "cees": "00000003", "dirk": "00000004"}
    service = token_for(org, "service")
    for day in DAYS:
        attendees = [
            attendee(
                registration("NIP", numbers[name], registered_on=SINCE),
                *([registration("NOvA", "A-1")] if name == "anna" else []),
                person_id=person,
                name=name.title(),
            )
            for name, person in people.items()
        ]
        result = await _record(accreditation, service, session(*attendees, day=day))
    for name in ("anna", "bram", "dirk"):
        await _consent(accreditation, token_for, org, people[name])
    revoked = await accreditation.delete(
        "/v1/consents/NIP", headers=token_for(org, "participant", person=people["dirk"])
    )
    assert revoked.status_code == 200, revoked.text
    anna_nip = next(
        j["entry"]
        for j in result["judgements"]
        if j["person_id"] == str(people["anna"]) and j["register_code"] == "NIP"
    )
    reversal = await accreditation.post(
        f"/v1/ledger/entries/{anna_nip['id']}/reversal",
        json={"reason": "recorded twice"},
        headers=token_for(org, "admin"),
    )
    assert reversal.status_code == 201, reversal.text
    return people


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def tenant(
    accreditation: httpx.AsyncClient, token_for: Callable[..., Headers]
) -> dict[str, Any]:
    """A tenant with a ledger, and a second tenant whose consenting entries must stay unseen."""
    org, neighbour = uuid.uuid4(), uuid.uuid4()
    people = await _ledger(accreditation, token_for, org)
    await _ledger(accreditation, token_for, neighbour)
    return {"org": org, "people": people, "registrar": token_for(org, "registrar", register="NIP")}


async def _both(
    accreditation: httpx.AsyncClient, peer: httpx.AsyncClient, headers: Headers, **params: Any
) -> dict[str, Any]:
    """Kring's answer, asserted to be the peer's too, field for field and in the same order."""
    kring = await accreditation.get(PATH, params=params, headers=headers)
    other = await peer.get(PATH, params=params, headers=headers)
    assert kring.status_code == 200, kring.text
    assert other.status_code == 200, other.text
    assert other.json() == kring.json()
    assert [list(item) for item in other.json()["items"]] == [
        list(item) for item in kring.json()["items"]
    ]
    answer: dict[str, Any] = kring.json()
    return answer


async def test_the_peer_answers_as_kring_does(
    accreditation: httpx.AsyncClient, peer: httpx.AsyncClient, tenant: dict[str, Any]
) -> None:
    registrar = tenant["registrar"]

    everything = await _both(accreditation, peer, registrar)
    # anna's 4 credits and her reversal, bram's 4 credits: no one else's, nothing of NOVA
    assert len(everything["items"]) == 9
    assert {e["registration_number"] for e in everything["items"]} == {"00000001", "NIP-00000002"}
    assert {e["kind"] for e in everything["items"]} == {"credit", "reversal"}
    assert {e["register_code"] for e in everything["items"]} == {"NIP"}
    assert everything["next_cursor"] is None
    ids = [e["id"] for e in everything["items"]]
    assert ids == sorted(ids, key=uuid.UUID)

    for spelling in ("00000001", "NIP-00000001", "00000002", "NIP-00000002"):
        one = await _both(accreditation, peer, registrar, registration_number=spelling)
        assert len(one["items"]) in (4, 5)
    period = await _both(
        accreditation,
        peer,
        registrar,
        registration_number="00000002",
        **{"from": "2024-02-10", "to": "2024-03-31"},
    )
    assert sorted(e["session_date"] for e in period["items"]) == ["2024-02-10", "2024-03-10"]
    assert (await _both(accreditation, peer, registrar, to="2023-12-31"))["items"] == []
    assert (await _both(accreditation, peer, registrar, **{"from": "2024-04-01"}))["items"]


async def test_pages_follow_next_cursor_alike(
    accreditation: httpx.AsyncClient, peer: httpx.AsyncClient, tenant: dict[str, Any]
) -> None:
    registrar = tenant["registrar"]
    pages = [await _both(accreditation, peer, registrar, limit=4)]
    while pages[-1]["next_cursor"] is not None:
        pages.append(
            await _both(accreditation, peer, registrar, limit=4, cursor=pages[-1]["next_cursor"])
        )

    assert [len(page["items"]) for page in pages] == [4, 4, 1]
    everything = await _both(accreditation, peer, registrar, limit=200)
    assert [e for page in pages for e in page["items"]] == everything["items"]


async def test_a_registrant_without_consent_is_absent(
    accreditation: httpx.AsyncClient,
    peer: httpx.AsyncClient,
    tenant: dict[str, Any],
    token_for: Callable[..., Headers],
) -> None:
    registrar = tenant["registrar"]
    seen = (await peer.get(PATH, headers=registrar)).json()["items"]
    absent = {str(tenant["people"][name]) for name in ("cees", "dirk")}  # never, revoked
    assert seen
    assert not {e["person_id"] for e in seen} & absent
    for number in ("00000003", "00000004"):
        assert (await _both(accreditation, peer, registrar, registration_number=number)) == {
            "items": [],
            "next_cursor": None,
        }
    other_register = token_for(tenant["org"], "registrar", register="SKJ")
    assert (await _both(accreditation, peer, other_register))["items"] == []


def _bearer(token: str) -> Headers:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    "case", ["none", "basic", "garbage", "other_key", "expired", "other_audience"]
)
async def test_a_missing_or_invalid_token_is_401(
    accreditation: httpx.AsyncClient,
    peer: httpx.AsyncClient,
    tenant: dict[str, Any],
    token_for: Callable[..., Headers],
    dev_key: DevKey,
    case: str,
) -> None:
    org = tenant["org"]
    headers = {
        "none": {},
        "basic": {"Authorization": "Basic dXNlcjpwdw=="},
        "garbage": _bearer("not.a.jwt"),
        "other_key": token_for(org, "registrar", key=DevKey.generate(), register="NIP"),
        "expired": token_for(org, "registrar", ttl=-120, register="NIP"),
        "other_audience": _bearer(
            mint_token(
                dev_key.private_key,
                kid=dev_key.kid,
                issuer=ISSUER,
                audience="someone-else",
                org_id=org,
                subject="test",
                roles=["registrar"],
                register="NIP",
            )
        ),
    }[case]

    assert (await accreditation.get(PATH, headers=headers)).status_code == 401
    response = await peer.get(PATH, headers=headers)
    assert response.status_code == 401, response.text
    assert "items" not in response.json()


@pytest.mark.parametrize("roles, claims", [(("registrar",), {}), (("admin",), {"register": "NIP"})])
async def test_a_token_that_is_not_a_registrars_is_403(
    accreditation: httpx.AsyncClient,
    peer: httpx.AsyncClient,
    tenant: dict[str, Any],
    token_for: Callable[..., Headers],
    roles: tuple[str, ...],
    claims: dict[str, str],
) -> None:
    headers = token_for(tenant["org"], *roles, **claims)
    assert (await accreditation.get(PATH, headers=headers)).status_code == 403
    assert (await peer.get(PATH, headers=headers)).status_code == 403


async def test_the_peer_reports_health(peer: httpx.AsyncClient) -> None:
    assert (await peer.get("/health")).status_code == 200


async def test_the_raw_peer_logs_each_registrant_shown_as_kring_does(
    accreditation: httpx.AsyncClient,
    peer: httpx.AsyncClient,
    tenant: dict[str, Any],
    token_for: Callable[..., Headers],
    request: pytest.FixtureRequest,
) -> None:
    """The raw peer runs Kring's statement: each registrant shown is logged under their consent
    for the reader, as Kring's own request logs it; the conventional peer does not log."""
    admin = token_for(tenant["org"], "admin")

    async def logged() -> Counter[tuple[str, str, str, str | None, str]]:
        rows: Counter[tuple[str, str, str, str | None, str]] = Counter()
        params: dict[str, Any] = {"limit": 200}
        while True:
            answer = await accreditation.get("/v1/processing-log", params=params, headers=admin)
            assert answer.status_code == 200, answer.text
            page = answer.json()
            rows.update(
                (e["actor_subject"], e["actor_role"], e["operation"], e["person_id"], e["grant"])
                for e in page["items"]
            )
            if page["next_cursor"] is None:
                return rows
            params["cursor"] = page["next_cursor"]

    before = await logged()
    await _both(accreditation, peer, tenant["registrar"], **{"from": "2024-01-01"})
    after = await logged()
    both = after - before
    by_kring = Counter({row: 1 for row in both})  # one request each: the peer's is its twin
    assert sorted(row[3] for row in by_kring) == sorted(
        str(tenant["people"][name]) for name in ("anna", "bram")
    ), "anna and bram, under their consents"
    peer_logs = request.node.callspec.params["peer"] == "raw"
    assert both == (by_kring + by_kring if peer_logs else by_kring)
