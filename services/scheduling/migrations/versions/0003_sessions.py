"""Sessions (one or a series), their change history, attendance and its amendments.

A closed or cancelled session does not change; attendance of a closed session changes
only by a participant's confirmation or by an amendment with a reason. Triggers enforce
both, so that no query (or bug) can rewrite a signed proof of attendance.
"""

from alembic import op

revision = "0003"
down_revision = "0002"

STATEMENTS = [
    """
    CREATE TABLE sessions (
        org_id uuid NOT NULL,
        id uuid NOT NULL PRIMARY KEY,
        group_id uuid NOT NULL,
        series_id uuid,
        rrule text,
        occurrence integer CHECK (occurrence >= 1),
        status text NOT NULL DEFAULT 'planned'
            CHECK (status IN ('planned', 'closed', 'cancelled')),
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL,
        mode text NOT NULL CHECK (mode IN ('in_person', 'online', 'hybrid')),
        location text,
        video_link text,
        method_id uuid REFERENCES methods (id),
        facilitator_id uuid NOT NULL,
        description text CHECK (char_length(description) <= 280),
        sequence integer NOT NULL DEFAULT 0 CHECK (sequence >= 0),
        cancel_reason text,
        closed_at timestamptz,
        closed_by text,
        facilitator_signed_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT sessions_org_id_id_key UNIQUE (org_id, id),
        CONSTRAINT sessions_ends_after_start CHECK (ends_at > starts_at),
        CONSTRAINT sessions_venue CHECK (
            (mode = 'online' OR location IS NOT NULL)
            AND (mode = 'in_person' OR video_link IS NOT NULL)
        ),
        CONSTRAINT sessions_cancel_reason
            CHECK ((status = 'cancelled') = (cancel_reason IS NOT NULL)),
        CONSTRAINT sessions_closed_at CHECK ((status = 'closed') = (closed_at IS NOT NULL)),
        CONSTRAINT sessions_group_fkey FOREIGN KEY (org_id, group_id)
            REFERENCES groups (org_id, id),
        CONSTRAINT sessions_facilitator_fkey FOREIGN KEY (org_id, facilitator_id)
            REFERENCES facilitators (org_id, person_id)
    )
    """,
    "CREATE INDEX sessions_group_idx ON sessions (org_id, group_id, starts_at)",
    "CREATE INDEX sessions_facilitator_idx ON sessions (org_id, facilitator_id, starts_at)",
    "CREATE INDEX sessions_starts_idx ON sessions (org_id, starts_at)",
    "ALTER TABLE sessions ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY tenant_isolation ON sessions"
    " USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid)"
    " WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid)",
    """
    CREATE TABLE session_changes (
        org_id uuid NOT NULL,
        id uuid NOT NULL PRIMARY KEY,
        session_id uuid NOT NULL,
        kind text NOT NULL CHECK (kind IN ('rescheduled', 'cancelled')),
        reason text NOT NULL CHECK (char_length(reason) BETWEEN 1 AND 500),
        previous_starts_at timestamptz NOT NULL,
        previous_ends_at timestamptz NOT NULL,
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL,
        sequence integer NOT NULL,
        changed_by text NOT NULL,
        changed_at timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (org_id, session_id) REFERENCES sessions (org_id, id)
    )
    """,
    "CREATE INDEX session_changes_session_idx ON session_changes (org_id, session_id, id)",
    "ALTER TABLE session_changes ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY tenant_isolation ON session_changes"
    " USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid)"
    " WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid)",
    """
    CREATE TABLE attendance (
        org_id uuid NOT NULL,
        session_id uuid NOT NULL,
        person_id uuid NOT NULL,
        status text NOT NULL CHECK (status IN ('present', 'absent', 'excused')),
        arrived_at timestamptz,
        departed_at timestamptz,
        confirmed_at timestamptz,
        amendment_id uuid,
        recorded_by text NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (org_id, session_id, person_id),
        CONSTRAINT attendance_times CHECK (
            (status = 'present') = (arrived_at IS NOT NULL AND departed_at IS NOT NULL)
            AND (arrived_at IS NULL) = (departed_at IS NULL)
        ),
        CONSTRAINT attendance_departure_after_arrival CHECK (departed_at > arrived_at),
        CONSTRAINT attendance_confirmed_present CHECK (confirmed_at IS NULL OR status = 'present'),
        CONSTRAINT attendance_session_fkey FOREIGN KEY (org_id, session_id)
            REFERENCES sessions (org_id, id),
        CONSTRAINT attendance_person_fkey FOREIGN KEY (org_id, person_id)
            REFERENCES people (org_id, id)
    )
    """,
    "CREATE INDEX attendance_person_idx ON attendance (org_id, person_id)",
    "ALTER TABLE attendance ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY tenant_isolation ON attendance"
    " USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid)"
    " WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid)",
    """
    CREATE TABLE attendance_amendments (
        org_id uuid NOT NULL,
        id uuid NOT NULL PRIMARY KEY,
        session_id uuid NOT NULL,
        person_id uuid NOT NULL,
        status text NOT NULL CHECK (status IN ('present', 'absent', 'excused')),
        arrived_at timestamptz,
        departed_at timestamptz,
        previous_status text NOT NULL,
        previous_arrived_at timestamptz,
        previous_departed_at timestamptz,
        reason text NOT NULL CHECK (char_length(reason) BETWEEN 1 AND 500),
        amended_by text NOT NULL,
        amended_at timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (org_id, session_id, person_id)
            REFERENCES attendance (org_id, session_id, person_id)
    )
    """,
    "CREATE INDEX attendance_amendments_idx ON attendance_amendments"
    " (org_id, session_id, person_id, id)",
    "ALTER TABLE attendance_amendments ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY tenant_isolation ON attendance_amendments"
    " USING (org_id = nullif(current_setting('app.org_id', true), '')::uuid)"
    " WITH CHECK (org_id = nullif(current_setting('app.org_id', true), '')::uuid)",
    """
    CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
    END
    $$
    """,
    "CREATE TRIGGER session_changes_append_only BEFORE UPDATE OR DELETE ON session_changes"
    " FOR EACH ROW EXECUTE FUNCTION refuse_change()",
    "CREATE TRIGGER attendance_amendments_append_only BEFORE UPDATE OR DELETE"
    " ON attendance_amendments FOR EACH ROW EXECUTE FUNCTION refuse_change()",
    """
    CREATE FUNCTION sessions_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF OLD.status = 'planned' AND TG_OP = 'DELETE' THEN
            RETURN OLD;
        ELSIF OLD.status = 'planned' THEN
            RETURN NEW;
        END IF;
        -- A closed session takes only the facilitator's later signature.
        IF TG_OP = 'UPDATE' AND OLD.status = 'closed'
           AND OLD.facilitator_signed_at IS NULL AND NEW.facilitator_signed_at IS NOT NULL
           AND to_jsonb(NEW) - 'facilitator_signed_at' - 'updated_at'
               = to_jsonb(OLD) - 'facilitator_signed_at' - 'updated_at' THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'session % is %: it no longer changes', OLD.id, OLD.status
            USING ERRCODE = 'restrict_violation';
    END
    $$
    """,
    "CREATE TRIGGER sessions_guard BEFORE UPDATE OR DELETE ON sessions"
    " FOR EACH ROW EXECUTE FUNCTION sessions_guard()",
    """
    CREATE FUNCTION attendance_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        session record;
        target_org uuid;
        target_session uuid;
    BEGIN
        IF TG_OP = 'DELETE' THEN
            target_org := OLD.org_id;
            target_session := OLD.session_id;
        ELSE
            target_org := NEW.org_id;
            target_session := NEW.session_id;
        END IF;
        SELECT status, starts_at, ends_at INTO session
        FROM sessions WHERE org_id = target_org AND id = target_session;
        IF TG_OP <> 'DELETE' AND NEW.arrived_at IS NOT NULL
           AND (NEW.arrived_at < session.starts_at OR NEW.departed_at > session.ends_at) THEN
            RAISE EXCEPTION 'attendance lies outside its session'
                USING ERRCODE = 'check_violation', CONSTRAINT = 'attendance_within_session';
        END IF;
        IF session.status = 'planned' AND TG_OP = 'DELETE' THEN
            RETURN OLD;
        ELSIF session.status = 'planned' THEN
            RETURN NEW;
        END IF;
        IF TG_OP = 'UPDATE' AND session.status = 'closed' THEN
            -- A participant's confirmation.
            IF OLD.confirmed_at IS NULL AND NEW.confirmed_at IS NOT NULL
               AND to_jsonb(NEW) - 'confirmed_at' - 'updated_at'
                   = to_jsonb(OLD) - 'confirmed_at' - 'updated_at' THEN
                RETURN NEW;
            END IF;
            -- An amendment, recorded with its reason before the row changes.
            IF NEW.amendment_id IS DISTINCT FROM OLD.amendment_id AND EXISTS (
                SELECT FROM attendance_amendments a
                WHERE a.org_id = NEW.org_id AND a.id = NEW.amendment_id
                  AND a.session_id = NEW.session_id AND a.person_id = NEW.person_id
                  AND a.status = NEW.status
                  AND a.arrived_at IS NOT DISTINCT FROM NEW.arrived_at
                  AND a.departed_at IS NOT DISTINCT FROM NEW.departed_at
            ) THEN
                RETURN NEW;
            END IF;
        END IF;
        RAISE EXCEPTION 'attendance of a % session is immutable; amend it with a reason',
            session.status USING ERRCODE = 'restrict_violation';
    END
    $$
    """,
    "CREATE TRIGGER attendance_guard BEFORE INSERT OR UPDATE OR DELETE ON attendance"
    " FOR EACH ROW EXECUTE FUNCTION attendance_guard()",
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)
