"""The parts of a person's export and erasure every service shares: the elfproef, the
export's streamed envelope, and the own-records rule."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.kit.errors import Forbidden
from services.kit.subjects import (
    Held,
    SubjectDocument,
    check_own,
    erasure_status,
    export_body,
    looks_like_bsn,
)


def elfproef(digits: list[int]) -> bool:
    return (sum(d * (9 - i) for i, d in enumerate(digits[:8])) - digits[8]) % 11 == 0


@pytest.mark.parametrize("bsn", ["123456782", "111222333", "999999990"])
def test_known_bsns_are_recognised(bsn: str) -> None:
    assert elfproef([int(c) for c in bsn])
    assert looks_like_bsn(bsn)


@pytest.mark.parametrize(
    "number", ["110012345", "123456789", "12345678", "1234567820", "NIP-123456782", "12345678a"]
)
def test_other_numbers_are_not(number: str) -> None:
    assert not looks_like_bsn(number)


@given(st.lists(st.integers(0, 9), min_size=9, max_size=9))
def test_nine_digits_are_a_bsn_exactly_when_they_pass_the_elfproef(digits: list[int]) -> None:
    value = "".join(map(str, digits))
    assert looks_like_bsn(value) == (elfproef(digits) and value != "000000000")


@given(st.lists(st.integers(0, 9), min_size=9, max_size=9), st.sampled_from(["SKJ", " skj"]))
def test_a_register_whose_numbers_are_nine_digits_keeps_every_one(
    digits: list[int], register: str
) -> None:
    """SKJ's numbers are nine digits, and one in eleven passes the elfproef: each is SKJ's."""
    value = "".join(map(str, digits))
    assert not looks_like_bsn(value, register)
    assert looks_like_bsn(value, "NIP") == looks_like_bsn(value)


@given(st.text(max_size=12))
def test_anything_but_nine_ascii_digits_is_no_bsn(value: str) -> None:
    if not (len(value) == 9 and value.isascii() and value.isdigit()):
        assert not looks_like_bsn(value)


async def _rows(n: int) -> object:
    for i in range(n):
        yield {"id": i}


async def test_the_export_streams_valid_json_kind_by_kind() -> None:
    person = uuid.uuid4()
    at = datetime(2026, 12, 1, tzinfo=UTC)
    document = SubjectDocument(kind="invoice_pdf", id=person, href="/v1/x", name="A-1")
    chunks = [
        chunk
        async for chunk in export_body(
            service="scheduling",
            person_id=person,
            exported_at=at,
            records={"people": [{"id": 1}], "attendance": _rows(3), "none": []},
            documents=[document],
        )
    ]
    assert len(chunks) > 5  # a record at a time, never the whole at once
    body = msgspec.json.decode(b"".join(chunks))
    assert body == {
        "service": "scheduling",
        "person_id": str(person),
        "exported_at": "2026-12-01T00:00:00Z",
        "records": {"people": [{"id": 1}], "attendance": [{"id": 0}, {"id": 1}, {"id": 2}],
                    "none": []},
        "documents": [{"kind": "invoice_pdf", "id": str(person), "href": "/v1/x",
                       "name": "A-1"}],
    }  # fmt: skip


def test_only_an_admin_and_the_person_reach_the_person_s_records() -> None:
    me, other = uuid.uuid4(), uuid.uuid4()
    check_own(admin=True, caller=None, person_id=other)
    check_own(admin=False, caller=me, person_id=me)
    with pytest.raises(Forbidden) as refused:
        check_own(admin=False, caller=me, person_id=other)
    assert [e.rule for e in refused.value.errors] == ["own_records_only"]


def test_an_erasure_that_keeps_records_is_held() -> None:
    kept = Held(kind="invoice", id=uuid.uuid4(), number="A-1", reason="AWR", until=at_end())
    assert (erasure_status([]), erasure_status([kept])) == ("erased", "held")


def at_end() -> object:
    from datetime import date

    return date(2033, 12, 31)
