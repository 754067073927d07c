"""The person's columns that both upserts (one person, a batch) write, spelled once."""

INSERTED = (
    "org_id, id, external_id, given_name, family_name, email, employer_id, manager_id,"
    " career_started_on"
)
"""The columns of ``INSERT INTO people``, in the order of the values."""

UPDATED = """
    given_name = EXCLUDED.given_name,
    family_name = EXCLUDED.family_name,
    email = EXCLUDED.email,
    employer_id = EXCLUDED.employer_id,
    manager_id = EXCLUDED.manager_id,
    career_started_on = EXCLUDED.career_started_on
"""
"""The ``SET`` of ``ON CONFLICT (org_id, external_id) DO UPDATE``: what the request gives."""

CHANGED = """
    (p.given_name, p.family_name, p.email, p.employer_id, p.manager_id, p.career_started_on)
    IS DISTINCT FROM
    (EXCLUDED.given_name, EXCLUDED.family_name, EXCLUDED.email, EXCLUDED.employer_id,
     EXCLUDED.manager_id, EXCLUDED.career_started_on)
"""
"""Whether the stored person (``p``) differs from the request in one of those columns."""
