"""On PostgreSQL, with real connections: the history and the ledger refuse UPDATE and DELETE in
the database itself, and two supervisors deciding at once cannot both win."""

import threading
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, connections, transaction

from restoration.choices import CaseState
from restoration.errors import WrongState
from restoration.models import CaseEvent, FundEntry
from restoration.models.append_only import AppendOnlyError
from restoration.services import workflow
from restoration.services.funds import fund_account_for
from tests.factories import Closure

S = CaseState
pytestmark = [pytest.mark.postgres]


@pytest.fixture
def closure(mine_a, company_user, officer, supervisor, contractor_org):
    return Closure(
        mine=mine_a, company_user=company_user, officer=officer, supervisor=supervisor, contractor_org=contractor_org
    )


@pytest.mark.django_db
def test_a_raw_update_of_the_case_history_is_refused_by_the_database(closure):
    case = closure.to(S.SUBMITTED)
    event = CaseEvent.objects.filter(case=case).first()
    with pytest.raises(DatabaseError) as error, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE restoration_caseevent SET reason = 'rewritten' WHERE id = %s", [event.pk])
    assert "append-only" in str(error.value)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM restoration_caseevent WHERE id = %s", [event.pk])
    assert CaseEvent.objects.get(pk=event.pk).reason == event.reason


@pytest.mark.django_db
def test_a_raw_update_of_the_fund_ledger_is_refused_by_the_database(mine_a, officer):
    from restoration.services.funds import fund_record

    entry = fund_record(account_id=fund_account_for(mine_a).pk, user=officer, kind="deposit", amount=Decimal("10.00"))
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE restoration_fundentry SET amount = 1000000 WHERE id = %s", [entry.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM restoration_fundentry WHERE id = %s", [entry.pk])
    assert FundEntry.objects.get(pk=entry.pk).amount == Decimal("10.00")


@pytest.mark.django_db
def test_the_orm_refuses_to_change_history_too(closure):
    case = closure.to(S.SUBMITTED)
    event = CaseEvent.objects.filter(case=case).first()
    event.reason = "x"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        CaseEvent.objects.filter(case=case).update(reason="x")
    with pytest.raises(AppendOnlyError):
        CaseEvent.objects.filter(case=case).delete()


@pytest.mark.django_db(transaction=True)
def test_two_supervisors_approving_at_once_one_wins_the_other_is_told(closure, supervisor2):
    case = closure.to(S.RECTIFICATION_PROPOSED)
    barrier = threading.Barrier(2)
    results = {}

    def approve(user, key):
        try:
            barrier.wait(timeout=10)
            workflow.case_approve(case_id=case.pk, user=user, reason=key)
            results[key] = "approved"
        except WrongState as error:
            results[key] = error.code
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=approve, args=(closure.supervisor, "first")),
        threading.Thread(target=approve, args=(supervisor2, "second")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results.values()) == ["already_decided", "approved"], results
    case.refresh_from_db()
    assert case.state == S.RECTIFICATION_ORDERED
    assert CaseEvent.objects.filter(case=case, action="approve").count() == 1
    assert case.deadline_version == 1


@pytest.mark.django_db(transaction=True)
def test_two_overdue_sweeps_at_once_move_each_case_once(closure):
    case = closure.to(S.RECTIFICATION_ORDERED)
    day_after = case.deadline.toordinal() + 1
    from datetime import date

    today = date.fromordinal(day_after)
    barrier = threading.Barrier(2)
    counts = []

    def sweep():
        try:
            barrier.wait(timeout=10)
            counts.append(workflow.cases_mark_overdue(today=today))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(counts) == [0, 1]
    assert CaseEvent.objects.filter(case=case, action="mark_overdue").count() == 1


@pytest.mark.django_db
def test_payments_and_disbursements_refuse_raw_updates_too(closure, project, officer):
    from django.utils import timezone

    from restoration.models import ProjectDisbursement, Receivable, ReceivablePayment
    from restoration.services import funds
    from tests.factories import pdf_file

    case = closure.to(S.AWAITING_APPROVAL)
    receivable = Receivable.objects.get(case=case)
    payment = funds.receivable_record_payment(
        receivable_id=receivable.pk, user=officer, amount=Decimal("10.00"), paid_on=timezone.localdate()
    )
    disbursement = funds.project_disburse(
        project_id=project.pk,
        user=officer,
        source="central",
        amount=Decimal("5.00"),
        paid_on=timezone.localdate(),
        files=[pdf_file("凭证.pdf")],
    )
    for table, pk in (
        ("restoration_receivablepayment", payment.pk),
        ("restoration_projectdisbursement", disbursement.pk),
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET amount = 1 WHERE id = %s", [pk])  # noqa: S608
    assert ReceivablePayment.objects.get(pk=payment.pk).amount == Decimal("10.00")
    assert ProjectDisbursement.objects.get(pk=disbursement.pk).amount == Decimal("5.00")


@pytest.mark.django_db(transaction=True)
def test_concurrent_withdrawals_on_one_fund_never_overdraw_it(mine_a, officer, supervisor, supervisor2):
    """Eight real connections withdraw 300 yuan each at once from a fund of 1,000: three succeed."""
    from restoration.errors import Invalid
    from restoration.models import FundAccount
    from restoration.services import funds
    from tests.factories import pdf_file

    fund = funds.fund_account_for(mine_a)
    funds.fund_record(account_id=fund.pk, user=officer, kind="deposit", amount=Decimal("1000.00"))
    barrier = threading.Barrier(8)
    outcomes = []

    def take(i):
        try:
            barrier.wait(timeout=10)
            funds.fund_withdrawal_request(
                account_id=fund.pk,
                user=officer,
                amount=Decimal("300.00"),
                purpose=f"工程款 {i}",
                files=[pdf_file(f"发票{i}.pdf", extra=f"%{i}".encode())],
            )
            outcomes.append("paid")
        except Invalid as error:
            outcomes.append(error.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["overdraw"] * 5 + ["paid"] * 3
    fund = FundAccount.objects.get(pk=fund.pk)
    assert fund.balance == Decimal("100.00") == fund.ledger_sum()
    assert fund.entries.filter(kind="withdrawal").count() == 3
