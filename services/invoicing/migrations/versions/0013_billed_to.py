"""Whom each invoice bills: ``invoices.billed_to`` (ADR 0097).

``employer`` (the debtor linked to the participant's client organisation), ``person`` (the
participant, paying themselves) or ``other`` (neither, or not to be told); null exactly when
there is nobody to bill (``buyer`` null). Only an ``employer`` invoice is shown to that
organisation's HR client.

Existing rows are derived from what is stored, the person first:

- ``person`` when the buyer states exactly the data of a debtor that is the person's own
  (``debtors.person_id``), or when the person pays themselves and has since before the
  invoice was made (``person_billing``: ``pays = 'self'``, unchanged since);
- ``employer`` when it states exactly the data of the debtor linked to the participant's
  client organisation;
- ``other`` otherwise: a debtor given on the cost sheet, or one whose data changed since.
  Not shown to HR: a private address is never guessed to be the employer's.

A credit note bills whom its invoice billed. The immutability trigger is set aside for the
backfill alone: an issued invoice gains the column once, and never changes it afterwards.
The invoice events already written (``outbox``) gain ``billed_to`` from their invoice, so the
HR feed keeps what it may show and drops what it may not.
"""

from alembic import op

revision = "0013"
down_revision = "0012"

SNAPSHOT = """jsonb_strip_nulls(jsonb_build_object(
    'name', d.name, 'street', d.street, 'postal_code', d.postal_code, 'city', d.city,
    'country_code', d.country_code, 'kvk_number', d.kvk_number, 'vat_id', d.vat_id,
    'peppol_scheme', d.peppol_scheme, 'peppol_id', d.peppol_id,
    'buyer_reference', d.buyer_reference, 'email', d.email)) = jsonb_strip_nulls(i.buyer)"""
"""Whether the invoice ``i`` states exactly the data of the debtor ``d``."""

STATEMENTS = [
    "ALTER TABLE invoices ADD COLUMN billed_to text",
    "ALTER TABLE invoices DISABLE TRIGGER invoices_keep_issued",
    f"""
    UPDATE invoices i SET billed_to = CASE
        WHEN EXISTS (
            SELECT 1 FROM debtors d
            WHERE d.org_id = i.org_id AND d.person_id = i.person_id AND {SNAPSHOT}
        ) OR EXISTS (
            SELECT 1 FROM person_billing b
            WHERE b.org_id = i.org_id AND b.person_id = i.person_id
              AND b.pays = 'self' AND b.updated_at <= i.created_at
        ) THEN 'person'
        WHEN EXISTS (
            SELECT 1 FROM client_organisation_debtors c
            JOIN debtors d ON d.org_id = c.org_id AND d.id = c.debtor_id
            WHERE c.org_id = i.org_id AND c.client_organisation_id = i.client_organisation_id
              AND {SNAPSHOT}
        ) THEN 'employer'
        ELSE 'other'
    END
    WHERE i.kind = 'invoice' AND i.buyer IS NOT NULL
    """,
    """
    UPDATE invoices note SET billed_to = credited.billed_to
    FROM invoices credited
    WHERE note.kind = 'credit_note'
      AND credited.org_id = note.org_id AND credited.id = note.credits_id
    """,
    "ALTER TABLE invoices ENABLE TRIGGER invoices_keep_issued",
    """
    ALTER TABLE invoices ADD CONSTRAINT invoices_billed_to_check
        CHECK (billed_to IN ('employer', 'person', 'other')
               AND (billed_to IS NULL) = (buyer IS NULL))
    """,
    """
    UPDATE outbox o SET payload = o.payload || jsonb_build_object('billed_to', i.billed_to)
    FROM invoices i
    WHERE o.type IN ('invoice.issued', 'invoice.paid', 'invoice.credited')
      AND i.org_id = o.org_id AND i.id = o.aggregate_id
    """,
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)
