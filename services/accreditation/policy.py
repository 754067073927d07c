"""Who may call each of accreditation's operations, and on which rows (ADR 0082).

The role half is enforced by the kit's one guard; the row half by the code each scope names:
``ledger/rules.py`` (``may_read_person``, ``registrar_register``), ``outcomes/service.py``
(sessions facilitated, employees), ``credentials/rules.py``, ``reflections/rules.py``.
A service token records and runs the chain; it reads nothing a person would read.
"""

from __future__ import annotations

from collections.abc import Mapping

from services.kit.policy import PUBLIC, TENANT, Policy, event_rows

ROLES_WIDEST_FIRST = ("admin", "service", "registrar", "hr", "facilitator", "participant")

SENT = "sent"
CHAIN = "chain"
REFERENCE = "reference"
REGISTER = "register"
EMPLOYEES = "employees"
FACILITATED = "facilitated"
OWN = "own"
SUPERVISED = "supervised"
SUPERVISOR = "supervisor"
SUBSCRIPTIONS = "subscriptions"
EVENTS = "events"

SCOPES = {
    TENANT: "every row of the tenant",
    SENT: "what it sends; nothing stored but the register rules",
    CHAIN: "the chain's hashes, signatures and counts; no person",
    REFERENCE: "the registers, their rules and public keys; no person",
    REGISTER: "its register's consenting registrants; claim `register`",
    EMPLOYEES: "its client organisation's people; claim `client_org`",
    FACILITATED: "the sessions it facilitated; claim `person`",
    OWN: "its own; claim `person`",
    SUPERVISED: "its own and those naming it as supervisor; claim `person`",
    SUPERVISOR: "those naming it as supervisor; claim `person`",
    SUBSCRIPTIONS: "the subscriptions it made, delivering what the feed shows it",
    EVENTS: "the events about its client organisation's people",
}

EVERYONE = {
    "admin": REFERENCE,
    "service": REFERENCE,
    "registrar": REFERENCE,
    "hr": REFERENCE,
    "facilitator": REFERENCE,
    "participant": REFERENCE,
}
ADMIN = {"admin": TENANT}
CHAIN_READERS = {"admin": CHAIN, "registrar": CHAIN, "service": CHAIN}
REGISTRANTS = {"admin": TENANT, "registrar": REGISTER}
PERSONAL = {"admin": TENANT, "participant": OWN}
CREDENTIALS = {"admin": TENANT, "registrar": REGISTER, "participant": OWN}
STATEMENTS = {"admin": TENANT, "facilitator": SUPERVISED, "participant": SUPERVISED}
SUBSCRIBERS = {"admin": TENANT, "hr": SUBSCRIPTIONS}

TABLE: dict[str, Mapping[str, str]] = {
    # The event feed, its delivery log and webhook subscriptions (the kit's routes).
    **event_rows(feed={"admin": TENANT, "hr": EVENTS}, log=ADMIN, subscriptions=SUBSCRIBERS),
    # The processing log and retention settings (the kit's routes).
    "listProcessingLog": {"admin": TENANT, "participant": OWN},
    "getRetentionSettings": ADMIN,
    "updateRetentionSettings": ADMIN,
    # A person's data and accreditation's part of their erasure (ADR 0092).
    "exportSubject": PERSONAL,
    "eraseSubject": ADMIN,
    "getSubjectErasure": PERSONAL,
    # Registers and their rules: reference data.
    "listRegisters": EVERYONE,
    "getRegister": EVERYONE,
    "listRuleSets": EVERYONE,
    "createOrganisationRegister": ADMIN,
    "addRuleSet": ADMIN,
    # The ledger.
    "recordClosedSession": {"admin": TENANT, "service": SENT},
    "getLedgerEntry": ADMIN,
    "reverseLedgerEntry": ADMIN,
    "verifyLedger": CHAIN_READERS,
    "createCheckpoint": {"admin": CHAIN, "service": CHAIN},
    "listCheckpoints": CHAIN_READERS,
    "listCheckpointKeys": EVERYONE,
    "listPersonEntries": PERSONAL,
    "getPersonTotals": PERSONAL,
    "listRegistrantEntries": {"registrar": REGISTER},
    "exportRegisterNdjson": REGISTRANTS,
    "exportRegisterCsv": REGISTRANTS,
    "getAttendanceList": {"admin": TENANT, "facilitator": FACILITATED},
    # Outcomes.
    "listSessionOutcomes": {"admin": TENANT, "hr": EMPLOYEES, "facilitator": FACILITATED},
    "listPersonOutcomes": {
        "admin": TENANT,
        "hr": EMPLOYEES,
        "facilitator": OWN,
        "participant": OWN,
    },
    "listRegistrantOutcomes": {"registrar": REGISTER},
    "preflight": {"admin": SENT, "service": SENT, "facilitator": SENT},
    # Consents: the participant's own.
    "listConsents": {"participant": OWN},
    "grantConsent": {"participant": OWN},
    "revokeConsent": {"participant": OWN},
    # Credentials and reflection statements.
    "issueCredential": PERSONAL,
    "issueCycleCredentials": PERSONAL,
    "listCredentials": CREDENTIALS,
    "getCredential": CREDENTIALS,
    "getCredentialPdf": CREDENTIALS,
    "requestReflectionStatement": PERSONAL,
    "listReflectionStatements": STATEMENTS,
    "getReflectionStatement": STATEMENTS,
    "countersignReflectionStatement": {"facilitator": SUPERVISOR, "participant": SUPERVISOR},
    # What a verifier needs, without a token.
    "verifyCredential": PUBLIC,
    "getIssuerKeys": PUBLIC,
    "getIssuerDid": PUBLIC,
    "getStatusList": PUBLIC,
    "getCredentialPage": PUBLIC,
    "verifyCredentialById": PUBLIC,
}

POLICY = Policy(roles=ROLES_WIDEST_FIRST, scopes=SCOPES, table=TABLE)
