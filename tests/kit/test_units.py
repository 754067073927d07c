"""Pure parts of the kit: settings, cursors, ids, the validation rule names."""

from __future__ import annotations

import time
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.kit.errors import InvalidInput
from services.kit.ids import uuid7
from services.kit.pagination import decode_cursor, encode_cursor, next_cursor
from services.kit.problems import rule_of
from services.kit.settings import Settings, from_env


def test_settings_from_env_with_lists_and_overrides() -> None:
    settings = from_env(
        Settings,
        {
            "KRING_DATABASE_URL": "postgresql://x@/y",
            "KRING_CORS_ORIGINS": "https://a.nl, https://b.nl",
            "KRING_DB_POOL_MAX": "7",
            "UNRELATED": "1",
        },
        service="s",
    )
    assert settings.cors_origins == ("https://a.nl", "https://b.nl")
    assert settings.db_pool_max == 7
    assert settings.service == "s"


def test_bad_settings_stop_the_process_with_the_reason() -> None:
    with pytest.raises(SystemExit, match="db_pool_max"):
        from_env(Settings, {"KRING_DATABASE_URL": "x", "KRING_DB_POOL_MAX": "many"}, service="s")


@given(st.uuids())
def test_cursor_round_trips(value: uuid.UUID) -> None:
    assert decode_cursor(encode_cursor(value)) == value


@pytest.mark.parametrize("cursor", ["***", "abc", "", "AAAA"])
def test_foreign_cursor_is_invalid_input(cursor: str) -> None:
    with pytest.raises(InvalidInput):
        decode_cursor(cursor)


def test_next_cursor_only_when_more_rows_than_the_limit() -> None:
    ids = [uuid.uuid4() for _ in range(4)]
    assert next_cursor(ids[:3], 3) is None
    assert decode_cursor(next_cursor(ids, 3)) == ids[2]


def test_uuid7_is_version_7_and_time_ordered() -> None:
    earlier = uuid7()
    time.sleep(0.002)
    later = uuid7()
    assert earlier.version == later.version == 7
    assert earlier < later


def test_uuid7_keeps_creation_order_within_a_millisecond() -> None:
    """Ids made in a burst (the credit notes of one cancelled session, say) list in the order
    they were made, so keyset pages are creation order."""
    burst = [uuid7() for _ in range(5_000)]
    assert burst == sorted(burst)
    assert len(set(burst)) == len(burst)
    assert {i.version for i in burst} == {7}
    assert {i.variant for i in burst} == {uuid.RFC_4122}


def test_uuid7_does_not_go_back_when_the_clock_does() -> None:
    from services.kit import ids

    first = uuid7()
    ms, _ = ids._next(0)  # a clock stepped far back
    assert ms >= first.int >> 80
    assert uuid7() > first


@pytest.mark.parametrize(
    ("message", "rule"),
    [
        ("Object missing required field `name`", "required"),
        ("Object contains unknown field `bsn`", "unknown_field"),
        ("Expected `str` of length <= 200", "length"),
        ("Expected `int` >= 1", "range"),
        ("Expected `str` matching regex '^[0-9]{8}$'", "pattern"),
        ("Invalid enum value 'x'", "enum"),
        ("Invalid UUID", "format"),
        ("Invalid RFC3339 encoded date", "format"),
        ("Expected `str`, got `int`", "type"),
        ("Expected `uuid`, got `int`", "type"),
        ("Input data was truncated", "syntax"),
    ],
)
def test_rule_names(message: str, rule: str) -> None:
    assert rule_of(message) == rule
