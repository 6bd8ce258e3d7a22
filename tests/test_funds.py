"""Restoration funds: a ledger that always adds up, withdrawals that never overdraw, reversals
instead of edits, receivables and their payments, annual reports and the estimated cost."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from restoration.choices import CaseKind, CaseState, ProposalStatus
from restoration.errors import Forbidden, Invalid, NotFound, WrongState
from restoration.fund_selectors import reconciliation, shortfalls_by_county, statement, with_costs
from restoration.models import FundAccount, FundEntry, FundPolicy, Receivable, ReportingPeriod, UnitRate
from restoration.selectors import company_bar_reasons
from restoration.services import funds, workflow
from tests.factories import Closure, pdf_file

D = Decimal


@pytest.fixture
def fund(mine_a):
    return funds.fund_account_for(mine_a)


def deposit(fund, officer, amount="100000.00"):
    return funds.fund_record(account_id=fund.pk, user=officer, kind="deposit", amount=D(amount))


def withdraw(fund, user, amount, files=None):
    return funds.fund_withdrawal_request(
        account_id=fund.pk,
        user=user,
        amount=D(amount),
        purpose="排土场复绿工程款",
        files=files if files is not None else [pdf_file("发票.pdf")],
    )


def test_an_officer_records_accruals_and_deposits_and_the_balance_is_their_sum(fund, officer):
    funds.fund_record(account_id=fund.pk, user=officer, kind="accrual", amount=D("250000.00"), memo="2026年计提")
    deposit(fund, officer, "50000.50")
    fund.refresh_from_db()
    assert fund.balance == D("300000.50") == fund.ledger_sum()
    last = fund.entries.last()
    assert last.balance_after == D("300000.50") and last.created_by == officer


@pytest.mark.parametrize("amount", ["0", "-5", "abc", "1.005", "1e20", "NaN"])
def test_a_bad_amount_is_refused_with_a_reason(fund, officer, amount):
    with pytest.raises(Invalid) as error:
        funds.fund_record(account_id=fund.pk, user=officer, kind="deposit", amount=amount)
    assert error.value.fields.get("amount")
    assert not fund.entries.exists()


def test_a_withdrawal_beyond_the_balance_is_refused_and_changes_nothing(fund, officer):
    deposit(fund, officer, "1000.00")
    with pytest.raises(Invalid) as error:
        withdraw(fund, officer, "1000.01")
    assert error.value.code == "overdraw"
    assert "1,000.00" in str(error.value.message)
    fund.refresh_from_db()
    assert fund.balance == D("1000.00") and fund.entries.count() == 1
    assert not fund.withdrawals.exists()


def test_the_database_refuses_a_negative_balance_too(fund):
    with pytest.raises(IntegrityError), transaction.atomic():
        FundAccount.objects.filter(pk=fund.pk).update(balance=D("-0.01"))


def test_a_withdrawal_needs_its_invoice_or_acceptance_record(fund, officer):
    deposit(fund, officer)
    with pytest.raises(Invalid) as error:
        withdraw(fund, officer, "10.00", files=[])
    assert error.value.code == "evidence_missing"


def test_a_small_withdrawal_is_paid_out_at_once_with_its_evidence(fund, officer, client_for, company_user):
    deposit(fund, officer)
    withdrawal = withdraw(fund, officer, "20000.00")
    assert withdrawal.status == ProposalStatus.APPROVED
    fund.refresh_from_db()
    assert fund.balance == D("80000.00")
    evidence = withdrawal.evidence.get()
    # The company sees the invoice behind its own fund's withdrawal.
    assert client_for(company_user).get(evidence.get_download_url()).status_code == 200


def test_a_large_withdrawal_waits_for_a_supervisor_other_than_the_requester(fund, officer, supervisor, supervisor2):
    policy = FundPolicy.current()
    policy.withdrawal_approval_threshold = D("50000.00")
    policy.save()
    deposit(fund, officer, "200000.00")
    withdrawal = withdraw(fund, supervisor, "150000.00")
    assert withdrawal.status == ProposalStatus.PROPOSED
    fund.refresh_from_db()
    assert fund.balance == D("200000.00"), "nothing is paid before approval"
    with pytest.raises(Forbidden):
        funds.fund_withdrawal_approve(withdrawal_id=withdrawal.pk, user=officer)
    with pytest.raises(Forbidden) as error:
        funds.fund_withdrawal_approve(withdrawal_id=withdrawal.pk, user=supervisor)
    assert error.value.code == "four_eyes"
    funds.fund_withdrawal_approve(withdrawal_id=withdrawal.pk, user=supervisor2)
    fund.refresh_from_db()
    assert fund.balance == D("50000.00")
    with pytest.raises(WrongState):
        funds.fund_withdrawal_approve(withdrawal_id=withdrawal.pk, user=supervisor2)


def test_an_approval_rechecks_the_balance_at_the_time_it_is_paid(fund, officer, supervisor, supervisor2):
    FundPolicy.objects.update_or_create(pk=1, defaults={"withdrawal_approval_threshold": D("1000.00")})
    deposit(fund, officer, "5000.00")
    big = withdraw(fund, officer, "4000.00")
    withdraw(fund, officer, "900.00")  # paid at once
    funds.fund_withdrawal_request(
        account_id=fund.pk, user=supervisor, amount=D("1000.00"), purpose="x", files=[pdf_file("b.pdf")]
    )
    with pytest.raises(Invalid) as error:
        funds.fund_withdrawal_approve(withdrawal_id=big.pk, user=supervisor2)
    assert error.value.code == "overdraw"


def test_a_mistake_is_reversed_by_a_new_entry_and_the_balance_is_restored(fund, officer):
    deposit(fund, officer, "1000.00")
    wrong = deposit(fund, officer, "9999.00")
    reversal = funds.fund_reverse(entry_id=wrong.pk, user=officer, reason="重复录入")
    fund.refresh_from_db()
    assert fund.balance == D("1000.00")
    assert reversal.amount == D("-9999.00") and reversal.reverses == wrong
    assert FundEntry.objects.filter(pk=wrong.pk).exists(), "the wrong entry stays, reversed"
    with pytest.raises(WrongState):
        funds.fund_reverse(entry_id=wrong.pk, user=officer, reason="again")
    with pytest.raises(WrongState):
        funds.fund_reverse(entry_id=reversal.pk, user=officer, reason="undo the undo")


def test_a_reversal_that_would_overdraw_is_refused(fund, officer):
    entry = deposit(fund, officer, "1000.00")
    withdraw(fund, officer, "800.00")
    with pytest.raises(Invalid) as error:
        funds.fund_reverse(entry_id=entry.pk, user=officer, reason="误存")
    assert error.value.code == "overdraw"


def test_a_company_cannot_record_anything(fund, company_user):
    with pytest.raises(Forbidden):
        funds.fund_record(account_id=fund.pk, user=company_user, kind="deposit", amount=D("1"))


def test_a_company_sees_only_its_own_fund(client_for, fund, mine_b, company_user, company_b_user, officer):
    other = funds.fund_account_for(mine_b)
    deposit(fund, officer)
    client = client_for(company_b_user)
    listed = client.get(reverse("fund-list")).context["rows"]
    assert [row.account for row in listed] == [other]
    for url in (
        reverse("fund-detail", args=[fund.pk]),
        reverse("fund-statement", args=[fund.pk, "xlsx"]),
        reverse("fund-statement", args=[fund.pk, "pdf"]),
    ):
        assert client.get(url).status_code == 404
    assert client_for(company_user).get(reverse("fund-detail", args=[fund.pk])).status_code == 200


def test_the_statement_totals_equal_the_ledger_in_excel_and_pdf(client_for, fund, officer, company_user):
    from io import BytesIO

    from openpyxl import load_workbook

    deposit(fund, officer, "120000.00")
    funds.fund_record(account_id=fund.pk, user=officer, kind="accrual", amount=D("30000.25"))
    withdraw(fund, officer, "45000.00")
    fund.refresh_from_db()
    data = statement(fund)
    assert data["balanced"] and data["ledger_sum"] == D("105000.25") == sum(data["totals"].values())
    client = client_for(company_user)
    response = client.get(reverse("fund-statement", args=[fund.pk, "xlsx"]))
    sheet = load_workbook(BytesIO(response.content)).active
    amounts = [row[2] for row in sheet.iter_rows(min_row=7, values_only=True) if isinstance(row[2], int | float | D)]
    ledger_lines = [float(e.amount) for e in fund.entries.all()]
    assert amounts[: len(ledger_lines)] == pytest.approx(ledger_lines)
    assert any(row[0] == "余额" and row[2] == pytest.approx(105000.25) for row in sheet.iter_rows(values_only=True))
    pdf = client.get(reverse("fund-statement", args=[fund.pk, "pdf"]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_the_reconciliation_report_proves_balances_equal_ledgers_and_finds_a_difference(
    client_for, fund, mine_b, officer
):
    deposit(fund, officer, "500.00")
    deposit(funds.fund_account_for(mine_b), officer, "700.00")
    report = reconciliation(user=officer)
    assert report["city"].difference == 0 and report["differences"] == []
    assert report["city"].balances == D("1200.00")
    FundAccount.objects.filter(pk=fund.pk).update(balance=D("499.00"))  # tampering outside the services
    report = reconciliation(user=officer)
    assert [a.pk for a in report["differences"]] == [fund.pk]
    assert report["city"].difference == D("-1.00")
    assert client_for(officer).get(reverse("fund-reconciliation")).status_code == 200


def test_a_receivable_is_settled_by_payments_and_the_bar_lifts_when_the_case_is_closed(
    mine_a, company_user, officer, supervisor, contractor_org
):
    closure = Closure(
        mine=mine_a, company_user=company_user, officer=officer, supervisor=supervisor, contractor_org=contractor_org
    )
    case = closure.to(CaseState.AWAITING_APPROVAL)  # cost 120,000 charged to an empty fund
    receivable = Receivable.objects.get(case=case)
    assert receivable.amount == D("120000.00")
    today = timezone.localdate()
    with pytest.raises(Invalid):
        funds.receivable_record_payment(receivable_id=receivable.pk, user=officer, amount=D("120000.01"), paid_on=today)
    funds.receivable_record_payment(receivable_id=receivable.pk, user=officer, amount=D("20000.00"), paid_on=today)
    receivable.refresh_from_db()
    assert receivable.settled_at is None
    funds.receivable_record_payment(receivable_id=receivable.pk, user=officer, amount=D("100000.00"), paid_on=today)
    receivable.refresh_from_db()
    assert receivable.settled_at is not None
    assert company_bar_reasons(case.company), "still barred: the case is not closed"
    workflow.case_approve(case_id=case.pk, user=supervisor)
    assert company_bar_reasons(case.company) == []


@pytest.fixture
def rates(db):
    today = timezone.localdate()
    UnitRate.objects.create(category="open_pit", rate_per_ha=D("80000.00"), effective_from=today - timedelta(days=400))
    UnitRate.objects.create(category="open_pit", rate_per_ha=D("100000.00"), effective_from=today - timedelta(days=10))
    UnitRate.objects.create(category="waste_dump", rate_per_ha=D("50000.00"), effective_from=today - timedelta(days=10))


def open_period(officer, due_in=30):
    today = timezone.localdate()
    return workflow.reporting_period_open(user=officer, year=today.year - 1, due_date=today + timedelta(days=due_in))


def test_opening_a_reporting_year_asks_each_producing_mine_once(officer, mine_a, mine_b):
    period, opened = open_period(officer)
    assert opened == 2
    assert period.cases.filter(kind=CaseKind.ANNUAL_REPORT, state=CaseState.SCHEDULED).count() == 2
    again, opened_again = workflow.reporting_period_open(user=officer, year=period.year, due_date=period.due_date)
    assert opened_again == 0


def test_a_company_lodges_its_report_and_the_estimated_cost_and_shortfall_follow(
    officer, company_user, mine_a, fund, rates, client_for
):
    period, _ = open_period(officer)
    case = period.cases.get(mine=mine_a)
    lines = {"open_pit": ("12.50", "2.50"), "waste_dump": ("4.00", "0")}
    workflow.case_lodge_report(case_id=case.pk, user=company_user, lines=lines, notes="见附件")
    case.refresh_from_db()
    assert case.state == CaseState.SUBMITTED
    report = case.annual_reports.get()
    assert not report.late
    # (12.5 - 2.5) ha × 100,000 (the rate in force) + 4 ha × 50,000 = 1,200,000 yuan
    row = with_costs([fund])[0]
    assert row.estimated_cost == D("1200000.00") and row.shortfall == D("1200000.00")
    groups = shortfalls_by_county(user=officer)
    assert [g.county for g in groups] == [mine_a.county] and groups[0].total == D("1200000.00")
    deposit(fund, officer, "1500000.00")
    assert shortfalls_by_county(user=officer) == []
    workflow.case_accept_report(case_id=case.pk, user=officer)
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED


def test_a_report_lodged_after_the_due_date_is_flagged_late(officer, company_user, mine_a):
    period, _ = open_period(officer, due_in=0)
    ReportingPeriod.objects.filter(pk=period.pk).update(due_date=timezone.localdate() - timedelta(days=3))
    case = period.cases.get(mine=mine_a)
    case.deadline = timezone.localdate() - timedelta(days=3)  # the due date passed three days ago
    case.save(update_fields=["deadline"])
    workflow.case_lodge_report(case_id=case.pk, user=company_user, lines={"subsidence": ("1", "0")})
    assert case.annual_reports.get().late


def test_a_returned_report_is_kept_and_lodged_again(officer, company_user, mine_a):
    period, _ = open_period(officer)
    case = period.cases.get(mine=mine_a)
    workflow.case_lodge_report(case_id=case.pk, user=company_user, lines={"subsidence": ("1", "0")})
    with pytest.raises(Invalid):
        workflow.case_return_report(case_id=case.pk, user=officer, reason="")
    workflow.case_return_report(case_id=case.pk, user=officer, reason="沉陷面积与测量报告不符")
    workflow.case_lodge_report(case_id=case.pk, user=company_user, lines={"subsidence": ("2", "0")})
    assert list(case.annual_reports.values_list("status", flat=True).order_by("lodged_at")) == ["returned", "lodged"]


def test_a_report_refuses_negative_or_missing_areas(officer, company_user, mine_a):
    period, _ = open_period(officer)
    case = period.cases.get(mine=mine_a)
    with pytest.raises(Invalid):
        workflow.case_lodge_report(case_id=case.pk, user=company_user, lines={"open_pit": ("-1", "0")})
    with pytest.raises(Invalid):
        workflow.case_lodge_report(case_id=case.pk, user=company_user, lines={})
    with pytest.raises(Forbidden):
        workflow.case_lodge_report(case_id=case.pk, user=officer, lines={"open_pit": ("1", "0")})


def test_another_company_cannot_lodge_or_see_the_report(officer, company_b_user, mine_a):
    period, _ = open_period(officer)
    case = period.cases.get(mine=mine_a)
    with pytest.raises(NotFound):
        workflow.case_lodge_report(case_id=case.pk, user=company_b_user, lines={"open_pit": ("1", "0")})
