"""The credentials' content (pure): Open Badges 3.0 ``AchievementCredential`` documents in the
W3C VC Data Model 2.0, and the issuer's Bitstring Status List credential.

Every fact a credential's page or PDF shows is in the credential itself: the OB 3.0 fields
(``creditsEarned``, ``activityStartDate``/``activityEndDate``, ``licenseNumber``, the
achievement's ``name``, ``description`` and ``criteria``) and, for what OB 3.0 has no term
for, the ``intervisie`` object of the subject (a term of the VC 2.0 context's issuer-dependent
vocabulary). Times are UTC; the words are Dutch, with local times in Europe/Amsterdam. Never
case content: the method, the times and a fixed, non-substantive description.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote, urlsplit

from ..ledger.rules import AMSTERDAM
from ..ledger.schemas import CycleTotal, LedgerEntry
from . import statuslist

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
ISSUER_NAME = "Kring"
DESCRIPTION = (
    "Een intervisiebijeenkomst: een gestructureerd gesprek tussen vakgenoten over vraagstukken"
    " uit het eigen werk, volgens een vaste methode. Dit bewijs bevat geen casusinhoud."
)


def instant(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def local(value: datetime) -> str:
    return value.astimezone(AMSTERDAM).strftime("%H:%M")


def dutch(value: date) -> str:
    return value.strftime("%d-%m-%Y")


def points(centi: int) -> float:
    return centi / 100


@dataclass(frozen=True, slots=True)
class Issuer:
    """Where an organisation's credentials live: the service's public URL and the tenant."""

    base_url: str
    org_id: uuid.UUID

    @property
    def root(self) -> str:
        return f"{self.base_url.rstrip('/')}/v1/issuers/{self.org_id}"

    @property
    def did(self) -> str:
        """``did:web`` of :attr:`root`: the host (a port's colon encoded), then the path."""
        parts = urlsplit(self.root)
        segments = [quote(parts.netloc, safe="")] + [s for s in parts.path.split("/") if s]
        return "did:web:" + ":".join(segments)

    def kid(self, key_id: str) -> str:
        return f"{self.did}#{key_id}"

    def credential_url(self, credential_id: uuid.UUID) -> str:
        return f"{self.root}/credentials/{credential_id}"

    def status_list_url(self, number: int) -> str:
        return f"{self.root}/status-lists/{number}"

    def profile(self) -> dict[str, Any]:
        return {"id": self.did, "type": ["Profile"], "name": ISSUER_NAME, "url": self.root}


@dataclass(frozen=True, slots=True)
class Issue:
    """What every credential carries besides its content: its id, issuer, time and status."""

    issuer: Issuer
    credential_id: uuid.UUID
    issued_at: datetime
    status_list: int
    status_index: int


def _envelope(issue: Issue, *, name: str, subject: dict[str, Any]) -> dict[str, Any]:
    status_url = issue.issuer.status_list_url(issue.status_list)
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": issue.issuer.credential_url(issue.credential_id),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": issue.issuer.profile(),
        "validFrom": instant(issue.issued_at),
        "name": name,
        "credentialSubject": subject,
        "credentialStatus": {
            "id": f"{status_url}#{issue.status_index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(issue.status_index),
            "statusListCredential": status_url,
        },
    }


def _identifiers(name: str, register_code: str, number: str) -> list[dict[str, Any]]:
    def identity(kind: str, value: str) -> dict[str, Any]:
        return {
            "type": "IdentityObject",
            "identityType": kind,
            "hashed": False,
            "identityHash": value,
        }

    return [identity("name", name), identity("identifier", f"{register_code}-{number}")]


def _achievement(issue: Issue, key: str, *, name: str, criteria: str) -> dict[str, Any]:
    return {
        "id": f"{issue.issuer.root}/achievements/{key}",
        "type": ["Achievement"],
        "name": name,
        "description": DESCRIPTION,
        "criteria": {"narrative": criteria},
    }


def session_credential(
    issue: Issue, entry: LedgerEntry, *, unit: str, confirmed_at: datetime | None = None
) -> dict[str, Any]:
    """The proof of attendance of one credit: the session, the group's method, minutes,
    points, the facilitator and their recognition, the signatures as recorded (the
    participant's confirmation, when it arrived before the credential; the ledger's record),
    and the credit as the ledger holds it."""
    confirmations = (
        [{"role": "participant", "by": entry.person_name, "at": instant(confirmed_at)}]
        if confirmed_at
        else []
    )
    method = entry.method or "een vaste methode"
    facts = {
        "kind": "session",
        "session_id": str(entry.session_id),
        "date": entry.session_date.isoformat(),
        "start": local(entry.started_at),
        "end": local(entry.ended_at),
        "method": entry.method,
        "mode": entry.mode,
        "register": entry.register_code,
        "registration_number": entry.registration_number,
        "minutes": entry.minutes,
        "points": points(entry.points_centi),
        "unit": unit,
        "facilitator": {
            "name": entry.facilitator_name,
            "recognitions": list(entry.facilitator_recognitions),
        },
        "signatures": [*confirmations, _recorded(entry)],
    }
    criteria = (
        f"Aanwezig bij de bijeenkomst van {dutch(entry.session_date)}, geteld volgens de regels"
        f" van {entry.register_code} (versie {entry.rule_version})."
    )
    subject = {
        "type": ["AchievementSubject"],
        "identifier": _identifiers(
            entry.person_name, entry.register_code, entry.registration_number
        ),
        "licenseNumber": entry.registration_number,
        "activityStartDate": instant(entry.started_at),
        "activityEndDate": instant(entry.ended_at),
        "creditsEarned": points(entry.points_centi),
        "achievement": _achievement(
            issue,
            f"intervisie-{entry.register_code.lower()}",
            name=f"Intervisie volgens {method} ({entry.register_code})",
            criteria=criteria,
        ),
        "intervisie": facts,
    }
    name = f"Bewijs van deelname intervisie {dutch(entry.session_date)} ({entry.register_code})"
    return {**_envelope(issue, name=name, subject=subject), "evidence": [_entry_evidence(entry)]}


def _recorded(entry: LedgerEntry) -> dict[str, Any]:
    return {"role": "ledger", "by": entry.recorded_by, "at": instant(entry.recorded_at)}


def _entry_evidence(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "id": f"urn:uuid:{entry.id}",
        "type": ["Evidence"],
        "name": f"Regel {entry.seq} van het grootboek",
        "description": f"Vastgelegd op {instant(entry.recorded_at)}, hash {entry.hash}.",
        "genre": "Grootboekregel",
    }


@dataclass(frozen=True, slots=True)
class Stated:
    """A session credential a period statement names, and the credit it certifies."""

    url: str
    entry: LedgerEntry


@dataclass(frozen=True, slots=True)
class Reflection:
    """A countersigned reflection statement, as a period statement names it."""

    id: uuid.UUID
    supervisor_name: str
    recognition_register: str
    recognition_number: str
    countersigned_at: datetime


def period_statement(
    issue: Issue,
    *,
    person_name: str,
    registration_number: str,
    total: CycleTotal,
    register_code: str,
    unit: str,
    sessions: Sequence[Stated],
    reflections: Iterable[Reflection] = (),
) -> dict[str, Any]:
    """The statement of a cycle: its totals (caps applied), each session credential as evidence
    (by its id, which is its page), and each countersigned reflection statement."""
    reflected = list(reflections)
    facts = {
        "kind": "period",
        "register": register_code,
        "registration_number": registration_number,
        "cycle_start": total.cycle_start.isoformat(),
        "cycle_end": total.cycle_end.isoformat(),
        "minutes": total.minutes,
        "points": points(total.points_centi),
        "points_before_caps": points(total.points_centi_raw),
        "unit": unit,
        "sessions": len(sessions),
        "reflection_statements": len(reflected),
    }
    cycle = f"{dutch(total.cycle_start)} t/m {dutch(total.cycle_end)}"
    subject = {
        "type": ["AchievementSubject"],
        "identifier": _identifiers(person_name, register_code, registration_number),
        "licenseNumber": registration_number,
        "activityStartDate": instant(_midnight(total.cycle_start)),
        "activityEndDate": instant(_midnight(total.cycle_end)),
        "creditsEarned": points(total.points_centi),
        "achievement": _achievement(
            issue,
            f"intervisie-cyclus-{register_code.lower()}",
            name=f"Intervisie in de cyclus {cycle} ({register_code})",
            criteria=f"De intervisie in de cyclus, geteld volgens de regels van {register_code}"
            f" (versie {total.rule_version}), plafonds toegepast.",
        ),
        "intervisie": facts,
    }
    evidence = [_session_evidence(s) for s in sessions] + [_reflection(r) for r in reflected]
    name = f"Periodeverklaring intervisie {cycle} ({register_code})"
    return {**_envelope(issue, name=name, subject=subject), "evidence": evidence}


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=AMSTERDAM)


def _session_evidence(stated: Stated) -> dict[str, Any]:
    entry = stated.entry
    return {
        "id": stated.url,
        "type": ["Evidence"],
        "name": f"Intervisie {dutch(entry.session_date)}",
        "description": f"{entry.minutes} minuten, {points(entry.points_centi):.2f} punten",
        "genre": "Bewijs van deelname",
    }


def _reflection(reflection: Reflection) -> dict[str, Any]:
    return {
        "id": f"urn:uuid:{reflection.id}",
        "type": ["Evidence"],
        "name": "Reflectieverklaring",
        "description": f"Ondertekend door {reflection.supervisor_name}"
        f" ({reflection.recognition_register} {reflection.recognition_number})"
        f" op {instant(reflection.countersigned_at)}.",
        "genre": "Reflectieverklaring",
    }


def status_list_credential(
    issuer: Issuer, number: int, *, revoked: Iterable[int], valid_from: datetime
) -> dict[str, Any]:
    """The issuer's status list ``number`` (revocation), valid from its last change."""
    url = issuer.status_list_url(number)
    return {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer.profile(),
        "validFrom": instant(valid_from),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": statuslist.encode(revoked),
        },
    }
