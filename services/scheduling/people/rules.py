"""Who may write and read which people, what a person's registrations and a batch of people
must satisfy, and how a person is named and announced."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from services.kit.errors import DomainError, FieldError, Forbidden, NotFound, RuleViolation
from services.kit.policy import TENANT
from services.kit.subjects import bsn_refused, looks_like_bsn

from ..policy import CLIENT_ORG, FACILITATED_PEOPLE
from ..principal import Principal
from .schemas import (
    EventRegistration,
    Outcome,
    PeopleBatchResult,
    PersonBatchItem,
    PersonOutcome,
    PersonResyncRefusedData,
    PersonUpdatedData,
    Registration,
)

NOBODY = uuid.UUID(int=0)


def employer_to_write(principal: Principal, requested: uuid.UUID | None) -> uuid.UUID | None:
    """An HR client writes only people of its own client organisation; an admin writes any."""
    own = confined_to(principal)
    if own is None:
        return requested
    if requested is not None and requested != own:
        raise Forbidden(_NOT_OWN, errors=[_not_own("body.employer_id")])
    return own


def confined_to(principal: Principal) -> uuid.UUID | None:
    """The client organisation whose people a writer may write; ``None`` means any (an admin)."""
    if principal.has("admin"):
        return None
    if principal.client_org is None:
        raise Forbidden("This HR client's token names no client organisation (claim 'client_org').")
    return principal.client_org


_NOT_OWN = "An HR client may only write people employed by its own client organisation."


def _not_own(field: str) -> FieldError:
    return FieldError(field=field, rule="own_organisation", message="not your organisation")


def may_read(
    scope: str | None,
    principal: Principal,
    *,
    person_id: uuid.UUID,
    employer_id: uuid.UUID | None,
    facilitated: bool,
) -> bool:
    """Whether a caller with ``scope`` (its row scope in the operation, ``policy.py``) reaches
    the person: anyone themself; an HR client its client organisation's people; a facilitator
    the people of the groups it facilitates (``facilitated``); the rest is a 404."""
    if scope == TENANT:
        return True
    if principal.person is not None and principal.person == person_id:
        return True
    if scope == CLIENT_ORG:
        return principal.client_org is not None and principal.client_org == employer_id
    return scope == FACILITATED_PEOPLE and facilitated


def employer_filter(
    scope: str | None, principal: Principal, requested: uuid.UUID | None
) -> uuid.UUID | None:
    """The employer a list is filtered on: the one asked for, within what the reader's scope
    reaches (an HR client only its own client organisation's people)."""
    if scope != CLIENT_ORG:
        return requested
    visible = principal.client_org or NOBODY
    return visible if requested in (None, visible) else NOBODY


def check_manager_visible(
    confined_to: uuid.UUID | None, manager_id: uuid.UUID, *, employs: bool
) -> None:
    """To an HR client (``confined_to`` its client organisation) a manager employed elsewhere
    is unknown: the 404 of a person that does not exist, which tells nothing of who does."""
    if confined_to is not None and not employs:
        raise NotFound(
            f"No person {manager_id}.",
            errors=[FieldError(field="body.manager_id", rule="exists", message="no such person")],
        )


def full_name(given_name: str, family_name: str) -> str:
    """How a person is named to others (a proof, an event): ``Anna de Vries``."""
    return f"{given_name} {family_name}"


REGISTRATION_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9./-]{0,31}")
"""A number the registers' ledger (accreditation) holds: letters, digits, ``.``, ``/`` and
``-``, at most 32, beginning with a letter or digit. Matched whole (``fullmatch``)."""


def number_accepted(number: str) -> bool:
    return REGISTRATION_NUMBER.fullmatch(number) is not None


def check_registrations(registrations: Sequence[Registration]) -> None:
    """A register appears at most once in a person's registrations, each with a number the
    ledger can hold, and never a BSN (nine digits passing the elfproef)."""
    if errors := registration_errors(registrations):
        raise RuleViolation(
            "A register may appear only once in a person's registrations, each with a number"
            " the register can hold.",
            errors=errors,
        )


def registration_errors(
    registrations: Sequence[Registration], *, at: str = "body"
) -> list[FieldError]:
    seen: set[str] = set()
    errors = []
    for index, registration in enumerate(registrations):
        field = f"{at}.registrations[{index}]"
        if registration.register in seen:
            errors.append(
                FieldError(
                    field=f"{field}.register",
                    rule="unique_register",
                    message=f"{registration.register} appears more than once",
                )
            )
        seen.add(registration.register)
        if not number_accepted(registration.number):
            errors.append(_number_refused(f"{field}.number", registration.number))
        elif looks_like_bsn(registration.number, registration.register):
            errors.append(bsn_refused(f"{field}.number"))
    return errors


def _number_refused(field: str, number: str) -> FieldError:
    return FieldError(
        field=field,
        rule="registration_number",
        message=f"{number!r} is not a registration number: letters, digits, '.', '/' and '-',"
        " at most 32, beginning with a letter or digit",
    )


def check_manager_chain(*, loops: bool) -> None:
    """A person cannot manage, at any depth, their own manager."""
    if loops:
        raise RuleViolation(
            "The manager is this person or reports to this person: a manager chain cannot loop.",
            errors=[
                FieldError(
                    field="body.manager_id",
                    rule="manager_cycle",
                    message="the manager reports, at some depth, to this person",
                )
            ],
        )


ERASED: Final = "erased"
"""The rule refusing an upsert of the HR system's id of a person Kring erased (ADR 0098)."""

ERASED_FIELD = "path.external_id"


ERASED_MESSAGE = "the id of a person Kring erased: drop them from the sync"


def employed_elsewhere() -> Forbidden:
    """The single upsert over a stored person of another client organisation, by an HR
    client."""
    return Forbidden(
        "An HR client may only write people employed by its own client organisation.",
        errors=[
            FieldError(
                field="path.external_id",
                rule="own_organisation",
                message="a person of another client organisation",
            )
        ],
    )


def check_not_erased(*, erased: bool) -> None:
    """An erasure holds: the HR system's id of an erased person creates nobody again."""
    if erased:
        raise RuleViolation(
            "This external id was a person's whom Kring erased: they are not created again."
            " Drop them from the sync.",
            errors=[FieldError(field=ERASED_FIELD, rule=ERASED, message=ERASED_MESSAGE)],
        )


def resync_refused(
    operation: Literal["upsertPerson", "upsertPeople"],
    field: str,
    *,
    employer_id: uuid.UUID | None,
    request_id: str | None,
) -> PersonResyncRefusedData:
    """``person.resync_refused``: where the erased person's id stood in which request."""
    return PersonResyncRefusedData(
        operation=operation,
        request_id=request_id,
        field=field,
        rule=ERASED,
        employer_id=employer_id,
    )


# A batch: every item checked, every error named by the item's index, nothing stored on refusal.


def item_field(index: int, name: str) -> str:
    return f"body.items[{index}].{name}"


def batch_employers(
    own: uuid.UUID | None, items: Sequence[PersonBatchItem]
) -> tuple[list[uuid.UUID | None], list[FieldError]]:
    """:func:`employer_to_write` for each item of a writer confined to ``own`` (see
    :func:`confined_to`): the employers to store, and an error for each item naming another."""
    if own is None:
        return [item.employer_id for item in items], []
    errors = [
        _not_own(item_field(index, "employer_id"))
        for index, item in enumerate(items)
        if item.employer_id not in (None, own)
    ]
    return [own] * len(items), errors


def batch_errors(items: Sequence[PersonBatchItem]) -> list[FieldError]:
    """An external id appears once in a batch; each item's registrations as for one person."""
    first: dict[str, int] = {}
    errors = []
    for index, item in enumerate(items):
        if item.external_id in first:
            errors.append(
                FieldError(
                    field=item_field(index, "external_id"),
                    rule="unique_in_batch",
                    message=f"also items[{first[item.external_id]}]",
                )
            )
        first.setdefault(item.external_id, index)
        errors += registration_errors(item.registrations, at=f"body.items[{index}]")
    return errors


@dataclass(frozen=True)
class Finding:
    """What the database finds wrong with one item of a batch, before anything is written."""

    index: int
    unknown_employer: bool = False
    unknown_manager: bool = False
    manager_cycle: bool = False
    foreign_person: bool = False
    """The item updates a person employed elsewhere than where the writer is confined."""
    erased: bool = False
    """The item sends the id of a person Kring erased (ADR 0098)."""


# What each finding means: (flag, field of the item, rule, message).
_FINDINGS = (
    (
        "foreign_person",
        "external_id",
        "own_organisation",
        "a person of another client organisation",
    ),
    ("unknown_employer", "employer_id", "exists", "no such client organisation"),
    ("unknown_manager", "manager_id", "exists", "no such person"),
    (
        "manager_cycle",
        "manager_id",
        "manager_cycle",
        "the manager is this person or reports, at some depth, to this person",
    ),
    ("erased", "external_id", ERASED, ERASED_MESSAGE),
)


def finding_errors(findings: Iterable[Finding]) -> list[FieldError]:
    return [
        FieldError(field=item_field(finding.index, field), rule=rule, message=message)
        for finding in findings
        for flag, field, rule, message in _FINDINGS
        if getattr(finding, flag)
    ]


_ITEM = re.compile(r"^body\.items\[(\d+)\]")


def _item_index(error: FieldError) -> int:
    match = _ITEM.match(error.field or "")
    return int(match.group(1)) if match else -1


def refuse_batch(errors: Iterable[FieldError]) -> None:
    """Refuse the whole batch with every error, in item order, as the single upsert would the
    gravest of them: 403 for another organisation, else 422 for a rule, else 404 for a
    reference to nothing."""
    found = sorted(errors, key=_item_index)
    if not found:
        return
    broken = {error.rule for error in found}
    refusal: type[DomainError] = (
        Forbidden
        if "own_organisation" in broken
        else RuleViolation
        if broken - {"exists"}
        else NotFound
    )
    count = len({_item_index(error) for error in found})
    raise refusal(
        f"Nothing was stored: {count} item{'s' if count > 1 else ''} of the batch "
        f"{'are' if count > 1 else 'is'} refused.",
        errors=found,
    )


def outcome(*, inserted: bool, changed: bool, registrations_changed: bool) -> Outcome:
    if inserted:
        return "created"
    return "updated" if changed or registrations_changed else "unchanged"


@dataclass(frozen=True)
class Written:
    """What writing one item of a batch did to the stored person."""

    id: uuid.UUID
    inserted: bool = False
    changed: bool = False
    """A column of the person changed (or the person is new)."""
    registrations_changed: bool = False

    @property
    def outcome(self) -> Outcome:
        return outcome(
            inserted=self.inserted,
            changed=self.changed,
            registrations_changed=self.registrations_changed,
        )


def batch_result(
    items: Sequence[PersonBatchItem], written: Mapping[str, Written]
) -> PeopleBatchResult:
    """Each item's outcome, in the order of the request, and how many of each."""
    people = [written[item.external_id] for item in items]
    outcomes = [
        PersonOutcome(external_id=item.external_id, id=person.id, outcome=person.outcome)
        for item, person in zip(items, people, strict=True)
    ]
    return PeopleBatchResult(
        items=outcomes,
        created=sum(o.outcome == "created" for o in outcomes),
        updated=sum(o.outcome == "updated" for o in outcomes),
        unchanged=sum(o.outcome == "unchanged" for o in outcomes),
    )


def updated_event(
    person_id: uuid.UUID,
    *,
    given_name: str,
    family_name: str,
    employer_id: uuid.UUID | None,
    registrations: Sequence[Registration],
) -> PersonUpdatedData:
    """``person.updated``: the person's name, employer and registrations as they now are."""
    return PersonUpdatedData(
        person_id=person_id,
        name=full_name(given_name, family_name),
        employer_id=employer_id,
        registrations=[
            EventRegistration(register=r.register, number=r.number, registered_on=r.registered_on)
            for r in sorted(registrations, key=lambda r: r.register)
        ],
    )
