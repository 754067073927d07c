"""The group rules as pure functions: exhaustive cases and properties."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.kit.errors import Conflict, RuleViolation
from services.scheduling.groups import rules
from services.scheduling.groups.schemas import SizePolicy

NOW = datetime(2026, 11, 23, tzinfo=UTC)


def member(
    *, consent: bool = True, version: int | None = 1, career: date | None = None
) -> rules.MemberState:
    return rules.MemberState(
        person_id=uuid.uuid4(),
        name="M",
        career_started_on=career,
        consent_at=NOW if consent else None,
        accepted_agreement_version=version,
    )


def state(members: list[rules.MemberState], **kw: object) -> rules.GroupState:
    return rules.GroupState(
        facilitator_id=kw.get("facilitator_id", uuid.uuid4()),  # type: ignore[arg-type]
        size=kw.get("size", SizePolicy()),  # type: ignore[arg-type]
        seniority_spread_warning_years=15,
        agreement_version=1,
        members=members,
    )


@pytest.mark.parametrize(
    ("consent", "version", "counts"),
    [
        (True, 1, True),
        (False, 1, False),
        (True, None, False),
        (True, 0, False),
        (False, None, False),
    ],
)
def test_counts_needs_consent_and_current_agreement(
    consent: bool, version: int | None, counts: bool
) -> None:
    assert rules.counts(member(consent=consent, version=version), 1) is counts


@given(st.dates(), st.dates())
def test_years_between_counts_whole_years(a: date, b: date) -> None:
    earlier, later = sorted((a, b))
    years = rules.years_between(earlier, later)
    days = (later - earlier).days
    assert days // 366 <= years <= days // 365


@given(st.lists(st.uuids(), min_size=2, max_size=8, unique=True))
def test_a_chain_relates_every_pair_in_it(chain: list[uuid.UUID]) -> None:
    # chain[i] is managed by chain[i + 1]
    ancestors = {p: frozenset(chain[i + 1 :]) for i, p in enumerate(chain)}
    for i, a in enumerate(chain):
        for b in chain[i + 1 :]:
            assert rules.in_one_chain(a, b, ancestors)
            assert rules.in_one_chain(b, a, ancestors)
    assert not rules.in_one_chain(chain[0], uuid.uuid4(), ancestors)


def test_refusal_lists_every_reason_at_once() -> None:
    boss = member()
    full = state([boss, member()], size=SizePolicy(min=2, max=2, recommended=2))
    fac = full.facilitator_id
    with pytest.raises(RuleViolation) as refused:
        rules.refuse_member(full, fac, ancestors={boss.person_id: frozenset({fac})})
    assert [e.rule for e in refused.value.errors] == [
        "facilitator_not_member",
        "max_size",
        "no_hierarchy",
    ]


def test_already_member_is_a_conflict() -> None:
    m = member()
    with pytest.raises(Conflict):
        rules.refuse_member(state([m]), m.person_id, ancestors={})


def test_warnings_name_their_rules() -> None:
    members = [member(career=date(1990, 1, 1)), member(consent=False, career=date(2020, 1, 1))]
    found = [w.rule for w in rules.warnings(state(members))]
    assert found == ["min_size", "consent_missing", "seniority_spread"]


def test_no_warnings_for_a_healthy_group() -> None:
    members = [member(career=date(2010 + i, 1, 1)) for i in range(8)]
    assert rules.warnings(state(members)) == []


def test_size_policy_order() -> None:
    rules.check_size_policy(SizePolicy(min=3, max=10, recommended=8))
    with pytest.raises(RuleViolation):
        rules.check_size_policy(SizePolicy(min=9, max=10, recommended=8))
