"""What each reader sees of accreditation's events (ADR 0063; ``topology.event_scope``): an
HR client only events about its client organisation's people. Each is about one person, with
the employer scheduling's snapshot named (a credential's: of the session it certifies, or of
the latest session of the cycle it states); a service reads none (none consumes them today)."""

from __future__ import annotations

from services import topology
from services.kit.events import Narrow, when

from .webhooks import WEBHOOKS

FOR_EMPLOYER: dict[str, Narrow] = dict.fromkeys(WEBHOOKS, when("employer_id"))
"""Each type as an HR client sees it: whole when it is about one of its people."""

scope = topology.event_scope("accreditation", FOR_EMPLOYER)
