"""Every event accreditation sends (its contract's ``webhooks``), and how one is written: to
the outbox, in the transaction of the change that caused it."""

from __future__ import annotations

from services.kit.events import Emitter
from services.kit.subjects import SubjectErasedData

from .config import SCHEMA
from .credentials.schemas import CredentialIssuedData, CredentialRevokedData
from .ledger.schemas import EntryRecordedData, EntryReversedData
from .outcomes.schemas import OutcomePendingData, OutcomeRefusedData

EventData = (
    EntryRecordedData
    | EntryReversedData
    | OutcomeRefusedData
    | OutcomePendingData
    | CredentialIssuedData
    | CredentialRevokedData
    | SubjectErasedData
)

WEBHOOKS: dict[str, type[EventData]] = {
    "ledger.entry_recorded": EntryRecordedData,
    "ledger.entry_reversed": EntryReversedData,
    "ledger.outcome_refused": OutcomeRefusedData,
    "ledger.outcome_pending": OutcomePendingData,
    "credential.issued": CredentialIssuedData,
    "credential.revoked": CredentialRevokedData,
    "subject.erased": SubjectErasedData,
}
emit = Emitter(SCHEMA, WEBHOOKS)
