"""Demo data for ``kring run``: one employer, eight professionals, a facilitator and a group.

Everything goes through the public APIs with the development admin token, and
every step is idempotent, so a second ``kring run`` finds the same demo.
"""

from __future__ import annotations

from typing import Any

import httpx

AGREEMENT = {
    "ground_rules": "We beginnen op tijd.\nWe brengen elk een casus in.\nWe luisteren eerst.",
    "confidentiality": "Wat in de groep besproken wordt, blijft in de groep.",
}
PROFESSIONALS = [
    ("Anouk", "de Vries", "2012-09-01"),
    ("Bram", "Jansen", "2016-02-01"),
    ("Chantal", "Bakker", "2009-06-01"),
    ("Daan", "Visser", "2019-09-01"),
    ("Eva", "Smit", "2014-01-01"),
    ("Fatima", "El Amrani", "2017-04-01"),
    ("Gijs", "Mulder", "2011-11-01"),
    ("Hanna", "Bos", "2020-03-01"),
]
BILLING_PROFILE = {
    "legal_name": "Van Dijk Intervisie",
    "street": "Oudegracht 100",
    "postal_code": "3511 AX",
    "city": "Utrecht",
    "kvk_number": "12345678",
    "btw_id": "NL000099998B57",
    "iban": "NL91ABNA0417164300",
    "invoice_prefix": "VDI",
}


def _ok(response: httpx.Response) -> Any:
    if response.status_code >= 400:
        raise SystemExit(
            f"demo data: {response.request.method} {response.request.url}: {response.text}"
        )
    return response.json()


def seed(scheduling_url: str, invoicing_url: str, token: str) -> str:
    """Create the demo (or find it); returns the group's id."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=scheduling_url, headers=headers, timeout=10) as api:
        employer = _employer(api)
        members = [
            _professional(api, employer, number, professional)
            for number, professional in enumerate(PROFESSIONALS, start=1)
        ]
        facilitator = _facilitator(api)
        group = _group(api, facilitator, members)
    with httpx.Client(base_url=invoicing_url, headers=headers, timeout=10) as api:
        _ok(api.put(f"/v1/billing-profiles/{facilitator['id']}", json=BILLING_PROFILE))
    return str(group["id"])


def _employer(api: httpx.Client) -> Any:
    return _ok(
        api.put(
            "/v1/client-organisations/by-external-id/gemeente-utrecht",
            json={"name": "Gemeente Utrecht", "kvk_number": "30280353"},
        )
    )


def _professional(
    api: httpx.Client, employer: Any, number: int, professional: tuple[str, str, str]
) -> Any:
    given, family, started = professional
    return _ok(
        api.put(
            f"/v1/people/by-external-id/demo-{number:02d}",
            json={
                "given_name": given,
                "family_name": family,
                "email": f"{given.lower()}@example.nl",
                "employer_id": employer["id"],
                "career_started_on": started,
                "registrations": [{"register": "SKJ", "number": f"1100{number:05d}"}],
            },
        )
    )


def _facilitator(api: httpx.Client) -> Any:
    """The group's facilitator, a person recognised by the LVSC as a supervisor."""
    facilitator = _ok(
        api.put(
            "/v1/people/by-external-id/demo-begeleider",
            json={
                "given_name": "Ingrid",
                "family_name": "van Dijk",
                "career_started_on": "1998-01-01",
            },
        )
    )
    _ok(
        api.put(
            f"/v1/facilitators/{facilitator['id']}",
            json={
                "recognitions": [{"register": "LVSC", "role": "supervisor", "number": "LVSC-0042"}]
            },
        )
    )
    return facilitator


def _group(api: httpx.Client, facilitator: Any, members: list[Any]) -> Any:
    """The facilitator's group, found again on a second run; created with its members."""
    existing = _ok(api.get("/v1/groups", params={"facilitator_id": facilitator["id"]}))["items"]
    if existing:
        return existing[0]
    group = _ok(
        api.post(
            "/v1/groups",
            json={
                "name": "Intervisiegroep Jeugd Utrecht",
                "facilitator_id": facilitator["id"],
                "mode": "in_person",
                "location": "Stadskantoor Utrecht, Jaarbeursplein 13",
                "agreement": AGREEMENT,
            },
        )
    )
    for member in members:
        _join(api, group, member)
    return group


def _join(api: httpx.Client, group: Any, member: Any) -> None:
    """A member added, consenting voluntarily and accepting the group's first agreement."""
    _ok(api.post(f"/v1/groups/{group['id']}/members", json={"person_id": member["id"]}))
    base = f"/v1/groups/{group['id']}/members/{member['id']}"
    _ok(api.post(f"{base}/consent", json={"voluntary": True}))
    _ok(api.post(f"{base}/acceptance", json={"agreement_version": 1}))
