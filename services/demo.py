"""Demo data for ``kring run``: an intervisie group of youth professionals, as it meets.

One employer; eight professionals, each registered with SKJ (number and registration date);
a facilitator recognised as a supervisor by the LVSC, which SKJ accepts; their group; last
week's session with everyone's attendance recorded, left open, so that closing it earns each
professional their SKJ hours; the facilitator's billing profile, and the employer as the
debtor that pays for its professionals.

Everything goes through the public APIs with the development admin token, and
every step is idempotent, so a second ``kring run`` finds the same demo.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

AGREEMENT = {
    "ground_rules": "We beginnen op tijd.\nWe brengen elk een casus in.\nWe luisteren eerst.",
    "confidentiality": "Wat in de groep besproken wordt, blijft in de groep.",
}
# Given and family name, career start, SKJ registration date (SKJ's cycles run from it).
PROFESSIONALS = [
    ("Anouk", "de Vries", "2012-09-01", "2015-03-01"),
    ("Bram", "Jansen", "2016-02-01", "2016-09-15"),
    ("Chantal", "Bakker", "2009-06-01", "2015-01-01"),
    ("Daan", "Visser", "2019-09-01", "2020-02-01"),
    ("Eva", "Smit", "2014-01-01", "2015-06-01"),
    ("Fatima", "El Amrani", "2017-04-01", "2017-10-01"),
    ("Gijs", "Mulder", "2011-11-01", "2015-04-01"),
    ("Hanna", "Bos", "2020-03-01", "2020-09-01"),
]
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
# The group meets in the evening for two and a half hours, with the incident method.
SESSION_HOURS = ("19:00", "21:30")
SESSION_METHOD = "incidentmethode"
SESSION_DESCRIPTION = "Intervisie volgens de incidentmethode."
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
EMPLOYER_DEBTOR = {
    "name": "Gemeente Utrecht",
    "street": "Stadsplateau 1",
    "postal_code": "3521 AZ",
    "city": "Utrecht",
    "kvk_number": "30280353",
    "buyer_reference": "Jeugd en Onderwijs",
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
        _last_session(api, group, members)
    with httpx.Client(base_url=invoicing_url, headers=headers, timeout=10) as api:
        _ok(api.put(f"/v1/billing-profiles/{facilitator['id']}", json=BILLING_PROFILE))
        _ok(api.put(f"/v1/debtors/for-client-organisation/{employer['id']}", json=EMPLOYER_DEBTOR))
    return str(group["id"])


def _employer(api: httpx.Client) -> Any:
    return _ok(
        api.put(
            "/v1/client-organisations/by-external-id/gemeente-utrecht",
            json={"name": "Gemeente Utrecht", "kvk_number": "30280353"},
        )
    )


def _professional(
    api: httpx.Client, employer: Any, number: int, professional: tuple[str, str, str, str]
) -> Any:
    """A youth professional employed by the employer, registered with SKJ."""
    given, family, started, registered = professional
    skj = {"register": "SKJ", "number": f"1100{number:05d}", "registered_on": registered}
    return _ok(
        api.put(
            f"/v1/people/by-external-id/demo-{number:02d}",
            json={
                "given_name": given,
                "family_name": family,
                "email": f"{given.lower()}@example.nl",
                "employer_id": employer["id"],
                "career_started_on": started,
                "registrations": [skj],
            },
        )
    )


def _facilitator(api: httpx.Client) -> Any:
    """The group's facilitator, a person recognised by the LVSC as a supervisor (one of the
    bodies SKJ accepts for its facilitators)."""
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


def _last_session(api: httpx.Client, group: Any, members: list[Any]) -> Any:
    """The group's session (found again on a second run): held in person a week ago, everyone
    present; left open, for the demo's user to close."""
    found = _ok(api.get("/v1/sessions", params={"group_id": group["id"]}))["items"]
    session = found[0] if found else _plan(api, group)
    if session["status"] == "planned":
        for member in members:
            _ok(
                api.put(
                    f"/v1/sessions/{session['id']}/attendance/{member['id']}",
                    json={"status": "present"},
                )
            )
    return session


def _plan(api: httpx.Client, group: Any) -> Any:
    """One session of the group, on the evening a week before today (Amsterdam time)."""
    day = (datetime.now(AMSTERDAM) - timedelta(days=7)).date().isoformat()
    methods = _ok(api.get("/v1/methods"))["items"]
    method = next(m["id"] for m in methods if m["key"] == SESSION_METHOD)
    start, end = SESSION_HOURS
    planned = _ok(
        api.post(
            "/v1/sessions",
            json={
                "group_id": group["id"],
                "start": f"{day}T{start}",
                "end": f"{day}T{end}",
                "method_id": method,
                "description": SESSION_DESCRIPTION,
            },
        )
    )
    return planned["sessions"][0]
