"""Version 2 of SKJ's, NOvA's and MfN's rules: the rules as the registers apply them.

Version 1 (revision 0002) misstated three rules, and the registers have applied them as they
are all along:

- SKJ accepts a begeleider recognised by SKJ itself, besides a supervisor registered with
  LVSC, VGCT, NIP, NVO or NVRG (`facilitator_recognitions` lists `SKJ`);
- NOvA wants a gespreksleider registered with NOvA in that role, not any NOvA-registered
  lawyer (`facilitator_role`);
- MfN's "at least 5 mediators" is about who is present at the meeting, not the group's size
  (`min_present` replaces `group_min`; "at least 3 MfN" was already counted over those
  present).

Each new version is valid from the start (2000-01-01, like version 1), not from a later
date: nothing changed at the registers, version 1 was wrong, and a session judged from now
on (a late event, a pending outcome judged again) gets the register's answer whatever its
date. With the same `valid_from` the higher version wins. Entries already recorded keep
naming version 1; the ledger is append-only. Every other field is version 1's figure.
"""

import json

from alembic import op

revision = "0006"
down_revision = "0005"

CORRECTED_RULES: dict[str, dict[str, object]] = {
    "SKJ": {
        "unit": "hours",
        "min_session_minutes": 60,
        "online_counts": False,
        "facilitator_recognitions": ["SKJ", "LVSC", "VGCT", "NIP", "NVO", "NVRG"],
        "cycle_alignment": "registration",
        "cycle_years": 5,
        "required_minutes_per_cycle": 3600,
        "self_declared": True,
        "uncertain": ["required_minutes_per_cycle", "facilitator_recognitions"],
        "source": "SKJ: 60 h reflection per 5 years (quoted by a provider); sessions of at "
        "least 1 h, face-to-face contact hours only (an attendee who joins a hybrid session "
        "online does not count); led by a begeleider recognised by SKJ itself or, for the "
        "reflectieverklaring, a supervisor registered with LVSC, VGCT, NIP, NVO or NVRG; "
        "self-declared.",
    },
    "NOVA": {
        "unit": "points",
        "min_session_minutes": 120,
        "max_counted_minutes_per_session": 240,
        "group_min": 3,
        "group_max": 10,
        "facilitator_recognitions": ["NOVA"],
        "facilitator_role": "gespreksleider",
        "cap_per_year_centi": 400,
        "cycle_alignment": "calendar_year",
        "cycle_years": 1,
        "required_minutes_per_cycle": 480,
        "uncertain": ["cap_per_year_centi", "online_counts"],
        "source": "NOvA kwaliteitstoets: at least 8 h intervisie a year, each day 2-4 h "
        "continuous, group 3-10, a gespreksleider registered with NOvA in that role (not "
        "merely a NOvA-registered lawyer); 1 non-legal PO point per hour, at most 4 a year.",
    },
    "MFN": {
        "unit": "points",
        "min_session_minutes": 120,
        "min_present": 5,
        "min_peers_with_registration": 3,
        "cap_per_cycle_centi": 3400,
        "cycle_alignment": "fixed",
        "cycle_years": 3,
        "cycle_anchor": "2022-01-01",
        "required_points_centi_per_cycle": 1800,
        "uncertain": ["cycle_anchor"],
        "source": "MfN: 48 points per fixed 3-year period, at least 18 from intervisie, the "
        "category at most 34 per period; meetings of 2 h; at least 5 mediators present at "
        "the meeting (not merely in the group) of whom at least 3 MfN.",
    },
}


def _version_2(code: str, rules: dict[str, object]) -> str:
    doc = json.dumps(rules, sort_keys=True).replace("'", "''")
    return (
        "INSERT INTO rule_sets (id, org_id, register_code, version, valid_from, rules) "
        f"VALUES (gen_random_uuid(), NULL, '{code}', 2, DATE '2000-01-01', '{doc}'::jsonb)"
    )


def upgrade() -> None:
    for code, rules in CORRECTED_RULES.items():
        op.execute(_version_2(code, rules))
