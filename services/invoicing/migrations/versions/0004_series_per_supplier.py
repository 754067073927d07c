"""One numbering series per supplier (KvK) and year, across tenants.

``supplier_series`` is the counter of a supplier's series: one row per KvK number and
year, shared by every tenant the supplier bills through, so it has no ``org_id`` and no
row-level security (it holds a KvK number, a year and a count, nothing else). The
service's role may read, insert and update it, never delete: a counter does not go back.

``invoice_prefixes`` binds each invoice prefix of a tenant to one supplier, so that two
suppliers' counters never write the same number string in one tenant.

Existing series are carried over without renumbering anything issued: a prefix that
numbers issued invoices is bound to the supplier of its latest number, another prefix of
a billing profile to the supplier of the oldest profile holding it; each counter starts
after the highest number its supplier issued in that year, and after the highest number
of every series whose prefix it is bound to (ADR 0022 gives the reasoning for two
suppliers who shared one prefix's counter).

``invoice_series`` stays for the previous release, which still numbers through it: a
trigger answers its statement from the supplier's counter, so both releases take numbers
from one counter while they run side by side. The next release drops it.
"""

from alembic import op

revision = "0004"
down_revision = "0003"

APP_ROLE = "kring_invoicing"

STATEMENTS = [
    # The previous release numbers through invoice_series: hold it until the counters are
    # carried over (issuers in flight finish first, later ones wait for the trigger).
    "LOCK TABLE invoice_series IN SHARE ROW EXCLUSIVE MODE",
    """
    CREATE TABLE supplier_series (
        kvk_number text NOT NULL,
        year integer NOT NULL,
        last_number integer NOT NULL,
        CONSTRAINT supplier_series_pkey PRIMARY KEY (kvk_number, year),
        CONSTRAINT supplier_series_last_number_check CHECK (last_number >= 1)
    )
    """,
    f'REVOKE DELETE ON supplier_series FROM "{APP_ROLE}"',
    """
    CREATE TABLE invoice_prefixes (
        org_id uuid NOT NULL,
        prefix text NOT NULL,
        kvk_number text NOT NULL,
        numbered boolean NOT NULL DEFAULT false,
        claimed_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT invoice_prefixes_pkey PRIMARY KEY (org_id, prefix)
    )
    """,
    f'REVOKE DELETE ON invoice_prefixes FROM "{APP_ROLE}"',
    "ALTER TABLE invoice_prefixes ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY tenant_isolation ON invoice_prefixes"
    " USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid)"
    " WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid)",
    # Every number issued so far, read back from its string PREFIX-YEAR-NNNNN.
    """
    CREATE VIEW legacy_numbers AS
    SELECT org_id, seller->>'invoice_prefix' AS prefix, seller->>'kvk_number' AS kvk_number,
           parts[1]::integer AS year, parts[2]::integer AS sequence
    FROM invoices, regexp_match(number, '-([0-9]{4})-([0-9]+)$') AS parts
    WHERE number IS NOT NULL
    """,
    """
    INSERT INTO invoice_prefixes (org_id, prefix, kvk_number, numbered)
    SELECT DISTINCT ON (org_id, prefix) org_id, prefix, kvk_number, true
    FROM legacy_numbers
    ORDER BY org_id, prefix, year DESC, sequence DESC
    """,
    """
    INSERT INTO invoice_prefixes (org_id, prefix, kvk_number)
    SELECT DISTINCT ON (org_id, invoice_prefix) org_id, invoice_prefix, kvk_number
    FROM billing_profiles
    ORDER BY org_id, invoice_prefix, created_at, id
    ON CONFLICT (org_id, prefix) DO NOTHING
    """,
    """
    INSERT INTO supplier_series (kvk_number, year, last_number)
    SELECT kvk_number, year, max(sequence)
    FROM (
        SELECT kvk_number, year, sequence FROM legacy_numbers
        UNION ALL
        SELECT bound.kvk_number, taken.year, taken.sequence
        FROM legacy_numbers AS taken
        JOIN invoice_prefixes AS bound USING (org_id, prefix)
        UNION ALL
        SELECT bound.kvk_number, series.year, series.last_number
        FROM invoice_series AS series
        JOIN invoice_prefixes AS bound USING (org_id, prefix)
    ) AS issued
    GROUP BY kvk_number, year
    """,
    "DROP VIEW legacy_numbers",
    # The previous release's statement, answered from the supplier's counter: the row it
    # would update is replaced by one carrying the supplier's next number.
    """
    CREATE FUNCTION invoice_series_from_supplier() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        supplier text;
    BEGIN
        UPDATE invoice_prefixes SET numbered = true
        WHERE org_id = NEW.org_id AND prefix = NEW.prefix
        RETURNING kvk_number INTO supplier;
        IF supplier IS NULL THEN
            SELECT min(kvk_number) INTO supplier FROM billing_profiles
            WHERE org_id = NEW.org_id AND invoice_prefix = NEW.prefix
            HAVING count(DISTINCT kvk_number) = 1;
            IF supplier IS NULL THEN
                RAISE EXCEPTION USING
                    ERRCODE = 'object_not_in_prerequisite_state',
                    MESSAGE = 'invoice prefix ' || NEW.prefix || ' names no single supplier';
            END IF;
            INSERT INTO invoice_prefixes (org_id, prefix, kvk_number, numbered)
            VALUES (NEW.org_id, NEW.prefix, supplier, true);
        END IF;
        INSERT INTO supplier_series AS series (kvk_number, year, last_number)
        VALUES (supplier, NEW.year, 1)
        ON CONFLICT (kvk_number, year) DO UPDATE SET last_number = series.last_number + 1
        RETURNING last_number INTO NEW.last_number;
        DELETE FROM invoice_series
        WHERE org_id = NEW.org_id AND prefix = NEW.prefix AND year = NEW.year;
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE TRIGGER invoice_series_from_supplier BEFORE INSERT ON invoice_series
    FOR EACH ROW EXECUTE FUNCTION invoice_series_from_supplier()
    """,
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)
