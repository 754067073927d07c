"""A credential as a reader sees it (pure): its title and its facts as Dutch label and value
pairs, read from the credential's own payload only, so that its page and its PDF show what
the credential says and nothing more."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..ledger.rules import AMSTERDAM

MODES = {"in_person": "in persoon", "online": "online"}
SIGNED_AS = {
    "ledger": "Vastgelegd in het grootboek",
    "participant": "Aanwezigheid bevestigd",
    "facilitator": "Afgetekend door de procesbegeleider",
}


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def number(value: Any) -> str:
    """Dutch notation with two decimals: ``2,50``."""
    return f"{float(value):.2f}".replace(".", ",") if isinstance(value, (int, float)) else ""


def moment(value: Any) -> str:
    """An RFC 3339 time as a Dutch date and local time: ``26-03-2026 21:35``."""
    try:
        when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return _text(value)
    return when.astimezone(AMSTERDAM).strftime("%d-%m-%Y %H:%M")


def day(value: Any) -> str:
    text = _text(value)
    return f"{text[8:10]}-{text[5:7]}-{text[:4]}" if len(text) == 10 else text


def _subject(credential: dict[str, Any]) -> dict[str, Any]:
    subject = credential.get("credentialSubject")
    return subject if isinstance(subject, dict) else {}


def facts_of(credential: dict[str, Any]) -> dict[str, Any]:
    facts = _subject(credential).get("intervisie")
    return facts if isinstance(facts, dict) else {}


def title(credential: dict[str, Any]) -> str:
    return _text(credential.get("name")) or "Certificaat"


def holder(credential: dict[str, Any]) -> str:
    for identity in _subject(credential).get("identifier") or []:
        if isinstance(identity, dict) and identity.get("identityType") == "name":
            return _text(identity.get("identityHash"))
    return ""


def _counted(facts: dict[str, Any]) -> str:
    unit = "uur" if facts.get("unit") == "hours" else "punten"
    counted = f"{facts.get('minutes')} minuten, {number(facts.get('points'))} {unit}"
    before = facts.get("points_before_caps")
    if before is not None and before != facts.get("points"):
        counted += f" (voor plafonds {number(before)})"
    return counted


def _session_rows(facts: dict[str, Any]) -> list[tuple[str, str]]:
    facilitator = facts.get("facilitator") or {}
    recognised = ", ".join(facilitator.get("recognitions") or [])
    rows = [
        ("Datum", day(facts.get("date"))),
        ("Tijd", f"{_text(facts.get('start'))} - {_text(facts.get('end'))}"),
        ("Methode", _text(facts.get("method")) or "niet vastgelegd"),
        ("Vorm", MODES.get(_text(facts.get("mode")), _text(facts.get("mode")))),
        (
            "Procesbegeleider",
            _text(facilitator.get("name")) + (f" (erkend door {recognised})" if recognised else ""),
        ),
        ("Geteld", _counted(facts)),
    ]
    for signature in facts.get("signatures") or []:
        if isinstance(signature, dict):
            said = SIGNED_AS.get(_text(signature.get("role")), _text(signature.get("role")))
            rows.append((said, f"{moment(signature.get('at'))} door {_text(signature.get('by'))}"))
    return rows


def _period_rows(facts: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        ("Cyclus", f"{day(facts.get('cycle_start'))} t/m {day(facts.get('cycle_end'))}"),
        ("Geteld", _counted(facts)),
        ("Bijeenkomsten", _text(facts.get("sessions"))),
        ("Reflectieverklaringen", _text(facts.get("reflection_statements"))),
    ]


def rows(credential: dict[str, Any]) -> list[tuple[str, str]]:
    """Every fact, labelled: who, which register, what was done and counted, how it was signed."""
    facts = facts_of(credential)
    subject = _subject(credential)
    achievement = subject.get("achievement") or {}
    issuer = credential.get("issuer") or {}
    head = [
        ("Deelnemer", holder(credential)),
        (
            "Register",
            f"{_text(facts.get('register'))}, registratienummer "
            f"{_text(facts.get('registration_number'))}",
        ),
    ]
    body = _period_rows(facts) if facts.get("kind") == "period" else _session_rows(facts)
    tail = [
        ("Omschrijving", _text(achievement.get("description"))),
        ("Criteria", _text((achievement.get("criteria") or {}).get("narrative"))),
        ("Uitgegeven", f"{moment(credential.get('validFrom'))} door {_text(issuer.get('name'))}"),
        ("Kenmerk", _text(credential.get("id"))),
    ]
    return head + body + tail


def evidence(credential: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The evidence a credential names: (name, description, id)."""
    return [
        (_text(e.get("name")), _text(e.get("description")), _text(e.get("id")))
        for e in credential.get("evidence") or []
        if isinstance(e, dict)
    ]
