"""A service's schema as stable text, read from the PostgreSQL catalogue.

What it shows, per object and sorted by name, so that two databases with the same
schema give the same text and a diff of two texts reads as a change of schema:

- the schema: owner, privileges, default privileges for new tables and sequences;
- relations (tables, sequences, views): owner, privileges, row-level security flags;
- columns in their order: type, collation when not the type's, NOT NULL, default,
  identity, generated expression, column privileges;
- constraints (not the NOT NULL ones, which the columns show), indexes, policies,
  triggers (with whether they fire);
- functions: owner, privileges and full definition; enums and domains;
- the revision recorded in ``alembic_version``, after the server's major version (the
  catalogue's rendering of a definition may differ between major versions).

Not shown: rows (a seed is data), role attributes (cluster-wide, made by the kit's
bootstrap, not by a revision), physical details (oids, column numbers, storage).
"""

from __future__ import annotations

from collections import defaultdict

import asyncpg


def _acl(column: str) -> str:
    """SQL for a privileges column as sorted text: 'default' when NULL, 'none' when empty."""
    items = f"(SELECT string_agg(i::text, ' ' ORDER BY i::text) FROM unnest({column}) i)"
    return f"CASE WHEN {column} IS NULL THEN 'default' ELSE coalesce({items}, 'none') END"


# Each query takes the schema name as $1 and returns (object, line) rows; a line belongs
# to its object, and each object's lines are shown in the order the query gives them.
SCHEMA = f"""
    SELECT 'schema ' || n.nspname AS object,
           'owner ' || pg_get_userbyid(n.nspowner) || ' acl ' || {_acl("n.nspacl")} AS line
    FROM pg_namespace n WHERE n.nspname = $1
    UNION ALL
    SELECT 'schema ' || $1,
           'default acl ' || pg_get_userbyid(d.defaclrole)
           || ' on ' || d.defaclobjtype::text || ': ' || {_acl("d.defaclacl")}
    FROM pg_default_acl d JOIN pg_namespace n ON n.oid = d.defaclnamespace
    WHERE n.nspname = $1
    ORDER BY 1, 2
"""

RELATIONS = f"""
    SELECT 'relation ' || c.relname AS object,
           CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned table'
                          WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
                          WHEN 'S' THEN 'sequence' ELSE 'foreign table' END
           || ' owner ' || pg_get_userbyid(c.relowner)
           || ' rls ' || c.relrowsecurity || ' force ' || c.relforcerowsecurity
           || ' acl ' || {_acl("c.relacl")} AS line
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
    ORDER BY 1
"""

COLUMNS = f"""
    SELECT 'relation ' || c.relname AS object,
           'column ' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
           || CASE WHEN a.attcollation <> t.typcollation
                   THEN ' collate ' || quote_ident(co.collname) ELSE '' END
           || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
           || CASE WHEN a.attgenerated <> '' THEN ' generated ' || pg_get_expr(d.adbin, d.adrelid)
                   WHEN d.adbin IS NOT NULL THEN ' default ' || pg_get_expr(d.adbin, d.adrelid)
                   ELSE '' END
           || CASE a.attidentity WHEN 'a' THEN ' identity always'
                                 WHEN 'd' THEN ' identity by default' ELSE '' END
           || CASE WHEN a.attacl IS NULL THEN '' ELSE ' acl ' || {_acl("a.attacl")} END AS line
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_type t ON t.oid = a.atttypid
    LEFT JOIN pg_collation co ON co.oid = a.attcollation
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
      AND a.attnum > 0 AND NOT a.attisdropped
    ORDER BY c.relname, a.attnum
"""

CONSTRAINTS = """
    SELECT 'relation ' || c.relname AS object,
           'constraint ' || k.conname || ' ' || pg_get_constraintdef(k.oid) AS line
    FROM pg_constraint k
    JOIN pg_class c ON c.oid = k.conrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = $1 AND k.contype <> 'n'
    ORDER BY c.relname, k.conname
"""

INDEXES = """
    SELECT 'relation ' || tablename AS object, 'index ' || indexdef AS line
    FROM pg_indexes WHERE schemaname = $1
    ORDER BY tablename, indexname
"""

POLICIES = """
    SELECT 'relation ' || tablename AS object,
           'policy ' || policyname || ' ' || permissive || ' for ' || cmd
           || ' to ' || array_to_string(roles, ',')
           || coalesce(' using ' || qual, '') || coalesce(' with check ' || with_check, '') AS line
    FROM pg_policies WHERE schemaname = $1
    ORDER BY tablename, policyname
"""

TRIGGERS = """
    SELECT 'relation ' || c.relname AS object,
           'trigger ' || pg_get_triggerdef(t.oid) || ' enabled ' || t.tgenabled::text AS line
    FROM pg_trigger t
    JOIN pg_class c ON c.oid = t.tgrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = $1 AND NOT t.tgisinternal
    ORDER BY c.relname, t.tgname
"""

FUNCTIONS = f"""
    SELECT 'function ' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')'
               AS object,
           'owner ' || pg_get_userbyid(p.proowner) || ' acl ' || {_acl("p.proacl")}
           || E'\n' || rtrim(pg_get_functiondef(p.oid), E'\n') AS line
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = $1
    ORDER BY 1
"""

TYPES = """
    SELECT 'type ' || t.typname AS object,
           CASE t.typtype
               WHEN 'e' THEN 'enum ' || array_to_string(ARRAY(
                   SELECT e.enumlabel FROM pg_enum e WHERE e.enumtypid = t.oid
                   ORDER BY e.enumsortorder), ',')
               ELSE 'domain ' || format_type(t.typbasetype, t.typtypmod)
                   || CASE WHEN t.typnotnull THEN ' not null' ELSE '' END
           END AS line
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname = $1 AND t.typtype IN ('e', 'd')
    ORDER BY 1
"""

SEQUENCES = """
    SELECT 'relation ' || c.relname AS object,
           'sequence ' || format_type(s.seqtypid, NULL) || ' start ' || s.seqstart
           || ' increment ' || s.seqincrement || ' min ' || s.seqmin || ' max ' || s.seqmax
           || ' cache ' || s.seqcache || CASE WHEN s.seqcycle THEN ' cycle' ELSE '' END AS line
    FROM pg_sequence s
    JOIN pg_class c ON c.oid = s.seqrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = $1
    ORDER BY c.relname
"""

QUERIES = (
    SCHEMA,
    RELATIONS,
    COLUMNS,
    CONSTRAINTS,
    INDEXES,
    POLICIES,
    TRIGGERS,
    FUNCTIONS,
    TYPES,
    SEQUENCES,
)


async def _version(conn: asyncpg.Connection, schema: str) -> str:
    table = await conn.fetchval(
        "SELECT to_regclass(format('%I.alembic_version', $1::text))", schema
    )
    if table is None:
        return "no alembic_version"
    versions = await conn.fetch(f'SELECT version_num FROM "{schema}".alembic_version ORDER BY 1')
    return " ".join(row["version_num"] for row in versions)


async def describe(conn: asyncpg.Connection, schema: str) -> str:
    """The schema ``schema`` of the database behind ``conn``, as text ending in a newline."""
    objects: defaultdict[str, list[str]] = defaultdict(list)
    for query in QUERIES:
        for row in await conn.fetch(query, schema):
            objects[row["object"]].append(row["line"])
    major = await conn.fetchval("SELECT current_setting('server_version_num')::int / 10000")
    lines = [f"postgresql {major}", f"revision {await _version(conn, schema)}"]
    for name in sorted(objects):
        lines.append("")
        lines.append(name)
        lines.extend("  " + line.replace("\n", "\n    ") for line in objects[name])
    return "\n".join(lines) + "\n"
