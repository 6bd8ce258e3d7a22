"""The application's database role (PostgreSQL): what it may do, as SQL, and a check of what it can do.

The web and worker processes connect as an application role that may read and write the ordinary
tables but may only read and append to the append-only ones (the case history, the fund ledger,
receivable payments, key-project disbursements): no UPDATE, DELETE or TRUNCATE there. Migrations run
as the owner role. The triggers of `restoration.0002`/`0004` refuse the same changes; the grants hold
even for someone who could switch a trigger off. See docs/operations.md.
"""

from __future__ import annotations

from django.apps import apps
from django.db import connection

from ops.archive import quote


def append_only_models() -> list:
    from restoration.models.append_only import AppendOnlyModel

    found = [m for m in apps.get_models() if issubclass(m, AppendOnlyModel) and not m._meta.proxy]
    return sorted(found, key=lambda m: m._meta.db_table)


def append_only_tables() -> list[str]:
    return [m._meta.db_table for m in append_only_models()]


def current_schema() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        return cursor.fetchone()[0]


def grant_statements(role: str, *, schema: str, database: str) -> list[str]:
    """The SQL, run by the tables' owner, that gives `role` exactly the application's privileges.
    Revokes first, so running it again (after every migration) converges on the same grants."""
    r, s = quote(role), quote(schema)
    models = append_only_models()
    tables = ", ".join(quote(m._meta.db_table) for m in models)
    statements = [
        f"GRANT CONNECT ON DATABASE {quote(database)} TO {r}",
        f"REVOKE CREATE ON SCHEMA {s} FROM {r}",
        f"GRANT USAGE ON SCHEMA {s} TO {r}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {s} FROM {r}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {s} TO {r}",
        f"REVOKE UPDATE, DELETE, TRUNCATE ON TABLE {tables} FROM {r}",
    ]
    for model in models:  # column grants too: UPDATE (column) would reopen a door
        columns = ", ".join(quote(f.column) for f in model._meta.concrete_fields)
        statements.append(f"REVOKE UPDATE ({columns}) ON TABLE {quote(model._meta.db_table)} FROM {r}")
    statements += [
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {s} FROM {r}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {s} TO {r}",
    ]
    return statements


def role_exists(role: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        return cursor.fetchone() is not None


def check_role(role: str, *, schema: str) -> list[str]:
    """What `role` can actually do, compared with what it should: a list of problems (empty: right).

    PostgreSQL's has_*_privilege functions count superuser, ownership and inherited memberships, so a
    role that owns the tables or is a member of the owner role is caught here too."""
    problems = []
    append_only = set(append_only_tables())
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [role])
        row = cursor.fetchone()
        if row is None:
            return [f"role {role} does not exist"]
        if row[0]:
            problems.append(f"role {role} is a superuser: it bypasses every grant")
        cursor.execute(
            "SELECT has_schema_privilege(%s, %s, 'USAGE'), has_schema_privilege(%s, %s, 'CREATE')",
            [role, schema, role, schema],
        )
        usage, create = cursor.fetchone()
        if not usage:
            problems.append(f"no USAGE on schema {schema}")
        if create:
            problems.append(f"CREATE on schema {schema}: the application role must not create tables")
        cursor.execute(
            """
            SELECT c.relname, c.relkind,
                   has_table_privilege(%s, c.oid, 'SELECT'),
                   has_table_privilege(%s, c.oid, 'INSERT'),
                   has_any_column_privilege(%s, c.oid, 'UPDATE'),
                   has_table_privilege(%s, c.oid, 'DELETE'),
                   has_table_privilege(%s, c.oid, 'TRUNCATE'),
                   pg_has_role(%s, c.relowner, 'USAGE'),
                   CASE WHEN c.relkind = 'S' THEN has_sequence_privilege(%s, c.oid, 'USAGE') END
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = %s AND c.relkind IN ('r', 'p', 'S')
            ORDER BY c.relname
            """,
            [role] * 7 + [schema],
        )
        seen = set()
        for name, kind, select, insert, update, delete, truncate, owner, sequence_usage in cursor.fetchall():
            if owner:
                problems.append(f"{name}: owned by {role} or a role it inherits from (it could alter or drop it)")
            if kind == "S":
                if not sequence_usage:
                    problems.append(f"sequence {name}: {role} needs USAGE")
                continue
            seen.add(name)
            if name in append_only:
                wrong = [p for p, has in (("UPDATE", update), ("DELETE", delete), ("TRUNCATE", truncate)) if has]
                if wrong:
                    problems.append(f"{name} is append-only but {role} has {', '.join(wrong)}")
                if not (select and insert):
                    problems.append(f"{name}: {role} needs SELECT and INSERT")
            elif not (select and insert and update and delete):
                problems.append(f"{name}: {role} needs SELECT, INSERT, UPDATE and DELETE")
        for name in sorted(append_only - seen):
            problems.append(f"append-only table {name} does not exist: run migrate first")
    return problems
