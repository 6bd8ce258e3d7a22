"""The application's database role (issue 8, item 4): after `manage.py db_grants --apply`, a role that
the web and worker processes log in as can run the workflow (UPDATE cases, INSERT events) but has no
UPDATE, DELETE or TRUNCATE on the case history and the ledger tables, independently of the triggers.

Each check runs in its own transaction under `SET LOCAL ROLE`; the append-only trigger is switched off
inside that transaction (as the superuser, before the role switch) so that the refusal can only come
from the grants. The same statement as the superuser, trigger off, succeeds: the grant is what stops it.
"""

import io
import uuid
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from restoration.choices import CaseState
from restoration.models import CaseEvent, FundEntry
from restoration.services import workflow
from restoration.services.funds import fund_account_for, fund_record
from tests.factories import Closure

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

APPEND_ONLY = [
    "restoration_caseevent",
    "restoration_fundentry",
    "restoration_receivablepayment",
    "restoration_projectdisbursement",
]


class Kept(Exception):
    """Raised at the end of a statement that succeeded, to roll its transaction back."""


@pytest.fixture
def app_role():
    """A role of its own (roles are cluster-wide), dropped with its grants at the end."""
    role = f"restoration_app_test_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{role}" NOLOGIN')
    yield role
    with connection.cursor() as cursor:
        cursor.execute(f'DROP OWNED BY "{role}"')
        cursor.execute(f'DROP ROLE "{role}"')


def run(sql, params=(), *, role=None, triggers_off=()):
    """Run one statement in its own transaction, optionally with the append-only trigger of some
    tables switched off and as `role`; always rolled back (a success raises `Kept`)."""
    with transaction.atomic(), connection.cursor() as cursor:
        for table in triggers_off:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")
        if role:
            cursor.execute(f'SET LOCAL ROLE "{role}"')
        cursor.execute(sql, params)
        raise Kept


def refused_by_grant(sql, params, *, role, table):
    with pytest.raises(DatabaseError) as error:
        run(sql, params, role=role, triggers_off=[table] if table in APPEND_ONLY else ())
    assert error.value.__cause__.sqlstate == "42501"  # insufficient_privilege
    assert f"permission denied for table {table}" in str(error.value)  # not the trigger's "is append-only"


@pytest.fixture
def history(mine_a, company_user, officer, supervisor, contractor_org):
    closure = Closure(
        mine=mine_a, company_user=company_user, officer=officer, supervisor=supervisor, contractor_org=contractor_org
    )
    case = closure.to(CaseState.SUBMITTED)
    entry = fund_record(account_id=fund_account_for(mine_a).pk, user=officer, kind="deposit", amount=Decimal("10.00"))
    return case, CaseEvent.objects.filter(case=case).first(), entry


def test_the_application_role_appends_to_history_and_ledger_but_never_changes_them(app_role, history, officer):
    case, event, entry = history

    with pytest.raises(CommandError, match="does not have the application's privileges"):
        call_command("db_grants", role=app_role, check=True, stdout=io.StringIO(), stderr=io.StringIO())
    printed = io.StringIO()
    call_command("db_grants", role=app_role, stdout=printed)
    assert 'REVOKE UPDATE, DELETE, TRUNCATE ON TABLE "restoration_caseevent", "restoration_fundentry"' in (
        printed.getvalue()
    )
    call_command("db_grants", role=app_role, apply=True, stdout=io.StringIO())
    call_command("db_grants", role=app_role, check=True, stdout=io.StringIO())

    # The workflow runs as the role: it updates the case and appends to its history.
    events_before = CaseEvent.objects.filter(case=case).count()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f'SET LOCAL ROLE "{app_role}"')
        workflow.case_accept_for_review(case_id=case.pk, user=officer)
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] == app_role
    case.refresh_from_db()
    assert case.state == CaseState.UNDER_REVIEW
    assert CaseEvent.objects.filter(case=case).count() > events_before
    # A raw INSERT into the history and a raw UPDATE of a case work too.
    with pytest.raises(Kept):
        run(
            "INSERT INTO restoration_caseevent (case_id, kind, action, from_state, to_state, reason, data, created_at)"
            " VALUES (%s, 'comment', '', '', '', 'appended by the role', '{}', now())",
            [case.pk],
            role=app_role,
        )
    with pytest.raises(Kept):
        run("UPDATE restoration_case SET updated_at = now() WHERE id = %s", [case.pk], role=app_role)

    # With the trigger off, the superuser could change the history; the role cannot.
    for table, pk in (("restoration_caseevent", event.pk), ("restoration_fundentry", entry.pk)):
        with pytest.raises(Kept):
            run(f"UPDATE {table} SET created_at = now() WHERE id = %s", [pk], triggers_off=[table])  # noqa: S608
        refused_by_grant(f"UPDATE {table} SET created_at = now() WHERE id = %s", [pk], role=app_role, table=table)  # noqa: S608
        refused_by_grant(f"DELETE FROM {table} WHERE id = %s", [pk], role=app_role, table=table)  # noqa: S608
    for table in APPEND_ONLY:
        refused_by_grant(f"UPDATE {table} SET id = id", (), role=app_role, table=table)  # noqa: S608
        refused_by_grant(f"DELETE FROM {table}", (), role=app_role, table=table)  # noqa: S608
        refused_by_grant(f"TRUNCATE {table}", (), role=app_role, table=table)
        # Nor can the role switch the trigger off: only the owner may alter the table.
        with pytest.raises(DatabaseError, match="must be owner"):
            run(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only", role=app_role)

    assert CaseEvent.objects.get(pk=event.pk).created_at == event.created_at
    assert FundEntry.objects.get(pk=entry.pk).amount == Decimal("10.00")


def test_db_grants_reports_a_role_that_would_bypass_the_grants():
    """The owner (here the superuser the tests connect as) is not an application role."""
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("db_grants", role=connection.settings_dict["USER"], check=True, stdout=io.StringIO(), stderr=err)
    assert "superuser" in err.getvalue() and "restoration_caseevent: owned by" in err.getvalue()
