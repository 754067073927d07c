from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

import msgspec

from services.kit.errors import FieldError
from services.kit.schemas import Inbound, Outbound

from ..debtors.schemas import Debtor
from ..profiles.schemas import BtwMode

InvoiceKind = Literal["invoice", "credit_note"]
InvoiceStatus = Literal["draft", "needs_debtor", "issued", "paid", "credited"]
BilledTo = Literal["employer", "person", "other"]
CostKind = Literal[
    "facilitation", "preparation", "travel_time", "travel_costs", "location", "other"
]


class CostLine(Outbound, frozen=True):  # of a cost sheet, and of each invoice split from it
    kind: CostKind
    description: str
    amount_cents: int


class Seller(Outbound, frozen=True):
    """The facilitator as billed: a snapshot of their billing profile when the draft was made."""

    legal_name: str
    street: str
    postal_code: str
    city: str
    country_code: str
    kvk_number: str
    btw_id: str
    iban: str
    bic: str | None
    btw_mode: BtwMode
    exemption_text: str | None
    invoice_prefix: str
    """The prefix of the invoice's number; the sequence is the supplier's (`kvk_number`)."""
    payment_term_days: int
    email: Annotated[
        str | None,
        msgspec.Meta(description="Where the buyer asks about the invoice (the profile's e-mail)."),
    ] = None


class Invoice(Outbound, frozen=True):
    """One participant's invoice, or a credit note. Amounts are euro cents.

    A credit note's amounts are negative; it names the invoice it credits.

    `status`: `draft` (may be issued), `needs_debtor` (a draft held until its debtor is
    known and complete: `needs` says what is missing), `issued`, `paid`, `credited`.
    """

    id: uuid.UUID
    kind: InvoiceKind
    status: InvoiceStatus
    number: str | None
    issue_date: date | None
    due_date: date | None
    paid_on: date | None
    cost_sheet_id: uuid.UUID
    facilitator_id: uuid.UUID
    person_id: uuid.UUID
    participant_name: str
    description: str
    supply_date: date
    seller: Seller
    buyer: Annotated[
        Debtor | None,
        msgspec.Meta(
            description=(
                "Who is billed, as the invoice states them. Null while the draft is held for "
                "want of a debtor (`needs_debtor`, rule `debtor_required`)."
            )
        ),
    ]
    needs: Annotated[
        list[FieldError],
        msgspec.Meta(
            description=(
                "Why a draft is held in `needs_debtor`, each with the debtor's `field` and the "
                "`rule`: `debtor` / `debtor_required` (nobody to bill: link a debtor to the "
                "participant's client organisation with `PUT /v1/debtors/for-client-"
                "organisation/{id}`, or record the person's choice with `PUT /v1/debtors/for-"
                "person/{id}`), `debtor.<part>` / `required` (an empty part of the name and "
                "address), `debtor.buyer_reference` / `order_number_required` (a government "
                "buyer, OIN, needs its order number). Writing the missing data there completes "
                "the draft. Empty for every other status."
            )
        ),
    ]
    client_organisation_id: Annotated[
        uuid.UUID | None,
        msgspec.Meta(
            description=(
                "The participant's employer (scheduling's client organisation id) when the "
                "draft was made: whose linked debtor pays, unless the person pays themselves."
            )
        ),
    ]
    billed_to: Annotated[
        BilledTo | None,
        msgspec.Meta(
            description=(
                "Whom `buyer` is, decided with it: `employer` (the debtor linked to the "
                "participant's client organisation), `person` (the participant, paying "
                "themselves: `PUT /v1/debtors/for-person/{id}`) or `other` (a debtor given on "
                "the cost sheet that is neither, or an invoice from before this was recorded "
                "whose buyer matches neither). Only an invoice billed to the `employer`, and its "
                "credit note, is shown to that organisation's HR client. A credit note bills "
                "whom its invoice billed. Null while there is nobody to bill (`needs_debtor`)."
            )
        ),
    ]
    lines: list[CostLine]
    btw_rate_percent: int
    subtotal_cents: int
    btw_cents: int
    total_cents: int
    credits_id: uuid.UUID | None
    credits_number: str | None
    credits_issue_date: date | None
    credits_paid_on: Annotated[
        date | None,
        msgspec.Meta(
            description=(
                "A credit note's: when the invoice it credits had been paid, so its amount is "
                "refunded; null when that invoice was unpaid: the credit note cancels the "
                "amount due and nothing is paid back."
            )
        ),
    ]
    created_at: datetime


class InvoicePage(Outbound, frozen=True):
    items: list[Invoice]
    next_cursor: str | None


class PaymentIn(Inbound, frozen=True):
    examples = ({"paid_on": "2026-04-20"},)

    paid_on: date
    """The date the payment was received."""


class InvoiceEventData(Outbound, frozen=True):
    """What every invoice event states: the invoice, its amounts and whom it concerns, by id.

    No names, addresses or e-mail addresses: a subscriber allowed to read invoices reads the
    rest with `GET /v1/invoices/{invoice_id}`."""

    invoice_id: uuid.UUID
    number: str
    cost_sheet_id: uuid.UUID
    facilitator_id: uuid.UUID
    person_id: Annotated[uuid.UUID, msgspec.Meta(description="The participant the invoice is for.")]
    client_organisation_id: Annotated[
        uuid.UUID | None,
        msgspec.Meta(
            description="The participant's employer (scheduling's client organisation id) when"
            " the draft was made."
        ),
    ]
    billed_to: Annotated[
        BilledTo,
        msgspec.Meta(
            description="Whom the invoice bills (`Invoice.billed_to`): only an `employer`'s"
            " invoice is shown to the HR client of `client_organisation_id`, no other."
        ),
    ]
    total_cents: Annotated[int, msgspec.Meta(description="The invoice's total, including BTW.")]


class InvoiceNotIssuedData(Outbound, frozen=True):
    """`invoice.not_issued`: a draft its facilitator's billing profile would issue at once
    (`auto_issue`) was left a draft, because something the invoice needs is missing: `reasons`
    names each field and rule, as `POST /v1/invoices/{invoice_id}/issue` would refuse it. Write
    the missing data (the billing profile's `email` for a government buyer), revise the cost
    sheet or issue the draft. A draft held for want of a debtor is announced as
    `cost_sheet.needs_debtor` instead. Ids only, like every invoice event."""

    invoice_id: uuid.UUID
    cost_sheet_id: uuid.UUID
    facilitator_id: uuid.UUID
    person_id: Annotated[uuid.UUID, msgspec.Meta(description="The participant the draft is for.")]
    client_organisation_id: uuid.UUID | None
    reasons: list[FieldError]


class InvoiceIssuedData(InvoiceEventData, frozen=True):
    """`invoice.issued`: a draft was issued, by hand or at once when its session was billed.
    From now on the invoice never changes; only its payment and crediting are recorded."""

    issue_date: date
    due_date: date
    supply_date: Annotated[date, msgspec.Meta(description="The date of the session billed.")]
    subtotal_cents: Annotated[int, msgspec.Meta(description="Excluding BTW.")]
    btw_cents: int
    btw_rate_percent: int


class InvoicePaidData(InvoiceEventData, frozen=True):
    """`invoice.paid`: the payment of an issued invoice was recorded."""

    paid_on: date


class InvoiceCreditedData(InvoiceEventData, frozen=True):
    """`invoice.credited`: an issued or paid invoice was credited in full by a credit note
    (sent once per invoice; its aggregate is the invoice credited, not the credit note)."""

    credit_note_id: uuid.UUID
    credit_note_number: str
    credit_note_issue_date: date
    paid_on: Annotated[
        date | None,
        msgspec.Meta(
            description=(
                "When the invoice had been paid: its amount is refunded. Null when it was "
                "unpaid: the credit note cancels the amount due and nothing is refunded."
            )
        ),
    ]
