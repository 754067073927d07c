"""The person's one request, where scheduling alone answers it: who may ask, and what is kept
when another service cannot be reached (the whole request across the three processes is
``tests/flow/test_privacy_flow.py``)."""

from __future__ import annotations

import uuid

import httpx

from tests.conftest import Token
from tests.scheduling.attendance.support import closed_session
from tests.scheduling.sessions.support import participant


async def test_an_erasure_no_service_could_do_is_kept_failed_and_erases_nothing(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    group, _ = await closed_session(scheduling, auth)
    person_id = str(group.member_ids[0])
    before = (await scheduling.get(f"/v1/people/{person_id}", headers=auth())).json()
    answer = await scheduling.post(f"/v1/people/{person_id}/erasure", headers=auth())
    assert answer.status_code == 503, answer.text  # invoicing is not configured in-process
    request_id = answer.json()["extra"]["erasure_request_id"]
    stored = await scheduling.get(f"/v1/erasure-requests/{request_id}", headers=auth())
    assert stored.status_code == 200, stored.text
    assert (stored.json()["status"], stored.json()["refusal"]["service"]) == (
        "failed",
        "invoicing",
    )
    after = (await scheduling.get(f"/v1/people/{person_id}", headers=auth())).json()
    assert after == before
    listed = await scheduling.get(
        "/v1/erasure-requests", params={"person_id": person_id}, headers=auth()
    )
    assert [r["id"] for r in listed.json()["items"]] == [request_id]
    mine = await scheduling.get(
        f"/v1/erasure-requests/{request_id}", headers=participant(auth, group.member_ids[0])
    )
    assert mine.status_code == 200
    other = await scheduling.get(
        f"/v1/erasure-requests/{request_id}", headers=participant(auth, group.member_ids[1])
    )
    assert other.status_code == 404


async def test_the_archive_is_the_person_s_or_an_admin_s(
    scheduling: httpx.AsyncClient, auth: Token
) -> None:
    group, _ = await closed_session(scheduling, auth)
    me, other = group.member_ids[0], group.member_ids[1]
    theirs = await scheduling.get(f"/v1/people/{other}/export", headers=participant(auth, me))
    assert theirs.status_code == 403
    assert [e["rule"] for e in theirs.json()["errors"]] == ["own_records_only"]
    unknown = await scheduling.get(f"/v1/people/{uuid.uuid4()}/export", headers=auth())
    assert unknown.status_code == 404
    unreachable = await scheduling.get(f"/v1/people/{me}/export", headers=auth())
    assert unreachable.status_code == 503  # accreditation and invoicing are not configured
