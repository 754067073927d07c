"""Who may call each of invoicing's operations, and on which rows (ADR 0082).

The role half is enforced by the kit's one guard; the row half by the code each scope names:
``profiles/rules.py`` (``may_access``: a facilitator's own billing), ``debtors/rules.py``
(``seen_by``: a facilitator's view of the debtors, ADR 0102), ``invoices/rules.py``
(``may_read``, ``reader_filter``: the facilitator's, the participant's, the HR client's
employees' that bill its organisation, ADR 0097), ``relations/service.py`` (an HR client's
own organisation's debtor).
A service token reads nothing here: scheduling's events arrive signed at ``/internal/events``.
"""

from __future__ import annotations

from collections.abc import Mapping

from services.kit.policy import TENANT, Policy, event_rows

ROLES_WIDEST_FIRST = ("admin", "service", "registrar", "hr", "facilitator", "participant")

DEBTORS = "debtors"
BILLED = "billed"
EMPLOYEES = "employees"
EMPLOYER = "employer"
OWN = "own"
EVENTS = "events"
SUBSCRIPTIONS = "subscriptions"
ABOUT_SELF = "about_self"

SCOPES = {
    TENANT: "every row of the tenant",
    DEBTORS: "the debtors of client organisations (and those written by external id), and the"
    " own debtors and billing choices of the people it bills (its invoices, and its closed"
    " sessions waiting to be billed); claim `person`",
    BILLED: "the sessions it facilitated, their cost sheets and invoices; claim `person`",
    EMPLOYEES: "the issued invoices (and their credit notes) of its client organisation's people"
    " that bill the organisation (`billed_to: employer`), never those a person pays themselves;"
    " claim `client_org`",
    EMPLOYER: "its own client organisation's debtor; claim `client_org`",
    OWN: "its own issued invoices; claim `person`",
    EVENTS: "the events of its client organisation's people, of invoices only those that bill"
    " the organisation; claim `client_org`",
    SUBSCRIPTIONS: "the subscriptions it made, delivering what the feed shows it",
    ABOUT_SELF: "the records about itself; claim `person`",
}

ADMIN = {"admin": TENANT}
BILLING = {"admin": TENANT, "facilitator": BILLED}
BILLERS = {"admin": TENANT, "facilitator": DEBTORS}
ORGANISATION_DEBTOR = {"admin": TENANT, "hr": EMPLOYER, "facilitator": DEBTORS}
INVOICES = {"admin": TENANT, "hr": EMPLOYEES, "facilitator": BILLED, "participant": OWN}
SUBSCRIBERS = {"admin": TENANT, "hr": SUBSCRIPTIONS}

TABLE: dict[str, Mapping[str, str]] = {
    # The event feed, its delivery log and webhook subscriptions (the kit's routes).
    **event_rows(feed={"admin": TENANT, "hr": EVENTS}, log=ADMIN, subscriptions=SUBSCRIBERS),
    # The processing log and retention settings (the kit's routes).
    "listProcessingLog": {"admin": TENANT, "participant": ABOUT_SELF},
    "getRetentionSettings": ADMIN,
    "updateRetentionSettings": ADMIN,
    # A person's data: their export (their own, for a participant) and their erasure.
    "exportSubject": {"admin": TENANT, "participant": ABOUT_SELF},
    "eraseSubject": ADMIN,
    "getSubjectErasure": ADMIN,
    # Billing profiles: a facilitator's own.
    "getBillingProfile": BILLING,
    "upsertBillingProfile": BILLING,
    "listBillingProfiles": ADMIN,
    # Debtors and billing relations.
    "listDebtors": BILLERS,
    "getDebtor": BILLERS,
    "getDebtorByExternalId": BILLERS,
    "upsertDebtor": BILLERS,
    "getPersonBilling": BILLERS,
    "putPersonBilling": BILLERS,
    "getClientOrganisationDebtor": ORGANISATION_DEBTOR,
    "putClientOrganisationDebtor": ORGANISATION_DEBTOR,
    # Cost sheets and the sessions waiting to be billed.
    "listCostSheets": BILLING,
    "createCostSheet": BILLING,
    "getCostSheet": BILLING,
    "reviseCostSheet": BILLING,
    "reconcileCostSheet": BILLING,
    "listUnbilledSessions": BILLING,
    "getUnbilledSession": BILLING,
    "billUnbilledSession": BILLING,
    # Invoices.
    "listInvoices": INVOICES,
    "getInvoice": INVOICES,
    "getInvoicePdf": INVOICES,
    "getInvoiceUbl": INVOICES,
    "issueInvoice": BILLING,
    "recordInvoicePayment": BILLING,
    "creditInvoice": BILLING,
}

POLICY = Policy(roles=ROLES_WIDEST_FIRST, scopes=SCOPES, table=TABLE)
