"""Demo finance: unit rates, yearly accruals into the producing mines' funds, withdrawals with
invoices, a reporting year with lodged reports, and key-project disbursements and milestones.

Everything goes through the services, as the demo's officers and supervisors. The amounts are
invented (marked demo data); the key projects' budgets are the plan's 13.6 亿元. Loading twice
changes nothing: if the demo's unit rates exist, nothing is done.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from mines.choices import FundingSource, Mineral, ProductionStatus
from restoration.demo import pdf_bytes
from restoration.models import FundPolicy, ProjectDisbursement, UnitRate
from restoration.services import funds, workflow

D = Decimal
RATES_FROM = date(2021, 1, 1)
# yuan per hectare, invented for the demo (a bureau sets its own, as WA and Queensland publish theirs)
UNIT_RATES = {
    "subsidence": D("45000.00"),
    "open_pit": D("120000.00"),
    "waste_dump": D("60000.00"),
    "exposed_slope": D("150000.00"),
    "industrial_site": D("50000.00"),
    "tailings": D("80000.00"),
    "roads": D("30000.00"),
}
RATE_NOTE = "演示数据：单价为虚构，仅供演示"
MILESTONES = [("初步设计批复", 20), ("主体工程完工", 50), ("竣工验收", 30)]


def _pdf(name: str, title: str, *lines: str) -> SimpleUploadedFile:
    """A small PDF: the Chinese title in its properties, ASCII lines on the page."""
    return SimpleUploadedFile(name, pdf_bytes(title, list(lines) or ["DEMO"]), content_type="application/pdf")


def load_demo_finance(loader) -> bool:
    """Returns True if it created the finance demo now, False if it was there already."""
    if UnitRate.objects.filter(notes=RATE_NOTE).exists():
        return False
    users = {account.username: user for account, user in loader.accounts}
    officer, supervisor, supervisor2 = users["officer"], users["supervisor"], users["supervisor2"]
    company_a = users["company_a"]
    today = timezone.localdate()
    with transaction.atomic():
        for category, rate in UNIT_RATES.items():
            UnitRate.objects.create(category=category, rate_per_ha=rate, effective_from=RATES_FROM, notes=RATE_NOTE)
        FundPolicy.current()
        producing = [m for m in loader.mines if m.production_status == ProductionStatus.PRODUCING]
        _accruals(producing, officer, today)
        _withdrawals(producing, officer, supervisor, today)
        _reports(producing, officer, supervisor2, company_a, today)
        _projects(loader.projects, loader.planned_progress, officer, today)
    return True


def _accrual_per_year(mine) -> Decimal:
    """0.5 yuan per tonne of design capacity for coal, 0.3 for the rest (invented)."""
    per_tonne = D("0.5") if mine.mineral == Mineral.COAL else D("0.3")
    return (mine.design_capacity * D("10000") * per_tonne).quantize(D("0.01"))


def _accruals(mines, officer, today):
    for i, mine in enumerate(mines):
        account = funds.fund_account_for(mine)
        years = range(2021, today.year) if i % 7 else range(2021, 2023)  # a few mines stopped accruing
        for year in years:
            funds.fund_record(
                account_id=account.pk,
                user=officer,
                kind="accrual",
                amount=_accrual_per_year(mine),
                memo=f"{year}年度基金计提（演示）",
            )


def _withdrawals(mines, officer, supervisor, today):
    threshold = FundPolicy.current().withdrawal_approval_threshold
    for i, mine in enumerate(mines[:12]):
        account = funds.fund_account_for(mine)
        account.refresh_from_db()
        amount = min((account.balance * D("0.15")).quantize(D("0.01")), threshold - D("0.01"))
        if amount <= 0:
            continue
        funds.fund_withdrawal_request(
            account_id=account.pk,
            user=officer,
            amount=amount,
            purpose=f"{mine.name}排土场边坡治理工程款（演示）",
            files=[
                _pdf(f"工程款发票{i + 1}.pdf", "增值税普通发票（演示）", f"INVOICE DEMO {i + 1}", "Restoration works")
            ],
        )
    # One above the threshold, waiting for a supervisor other than the officer.
    big = max(mines[:40], key=lambda m: _accrual_per_year(m))
    account = funds.fund_account_for(big)
    account.refresh_from_db()
    if account.balance > threshold:
        funds.fund_withdrawal_request(
            account_id=account.pk,
            user=officer,
            amount=threshold + D("100000.00") if account.balance > threshold + D("100000.00") else account.balance,
            purpose=f"{big.name}采煤沉陷区综合治理一期工程（演示）",
            evidence_kind="acceptance_certificate",
            files=[_pdf("一期工程验收记录.pdf", "工程验收记录（演示）", "ACCEPTANCE RECORD DEMO", "Phase 1")],
        )


def _reports(mines, officer, supervisor2, company_a, today):
    """The current year's reports, due in two months; the demo companies A and B have lodged."""
    period, _opened = workflow.reporting_period_open(user=officer, year=today.year, due_date=today + timedelta(days=62))
    company_users = {company_a.company_id: company_a}
    from accounts.models import Role, User

    for user in User.objects.filter(role=Role.COMPANY, is_active=True):
        company_users.setdefault(user.company_id, user)
    lodged = 0
    for case in period.cases.select_related("mine").order_by("pk"):
        user = company_users.get(case.company_id)
        if user is None:
            continue
        mine = case.mine
        capacity = mine.design_capacity

        def ha(factor, capacity=capacity):
            return str((capacity * D(factor)).quantize(D("0.01")))

        if mine.mineral == Mineral.COAL and mine.mining_method == "open_pit":
            lines = {"open_pit": (ha("0.20"), ha("0.02")), "waste_dump": (ha("0.10"), ha("0.03"))}
        elif mine.mineral == Mineral.COAL:
            lines = {"subsidence": (ha("0.8"), ha("0.32")), "waste_dump": (ha("0.06"), ha("0.02"))}
        else:
            lines = {"open_pit": ("2.40", "0.60"), "exposed_slope": ("1.20", "0.20")}
        # Demo companies other than A and B have no users: the officer cannot lodge for them.
        if user.company_id != case.company_id:
            continue
        workflow.case_lodge_report(case_id=case.pk, user=user, lines=lines, notes="演示数据")
        lodged += 1
        if lodged % 2 == 0:
            workflow.case_accept_report(case_id=case.pk, user=supervisor2)
    return period


def _projects(projects, planned_progress, officer, today):
    sources = list(FundingSource.values)
    for i, project in enumerate(projects):
        progress = planned_progress.get(project.pk, 0)
        year = project.start_year or 2022
        for n, (name, weight) in enumerate(MILESTONES):
            milestone = funds.project_milestone_add(
                project_id=project.pk,
                user=officer,
                name=name,
                due_on=date(year + n, 6 + 3 * (n % 2), 30),
                weight=weight,
            )
            done = sum(w for _name, w in MILESTONES[: n + 1]) <= progress
            if done:
                funds.project_milestone_done(
                    milestone_id=milestone.pk, user=officer, done_on=min(date(year + n, 6, 15), today)
                )
        # Spending follows progress, with two projects running over budget and a few lagging.
        share = D(progress) / D(100)
        if i % 11 == 3:
            share = share * D("0.3")
        if i % 17 == 5:
            share = D("1.08")
        for s, source in enumerate(sources):
            budget = getattr(project, project.BUDGET_FIELDS[source])
            amount = (budget * share).quantize(D("0.01"))
            if amount <= 0:
                continue
            funds.project_disburse(
                project_id=project.pk,
                user=officer,
                source=source,
                amount=amount,
                paid_on=min(date(year, 9, 1) + timedelta(days=90 * s), today),
                memo=f"{project.code} 拨付（演示）",
                files=[
                    _pdf(
                        f"{project.code}-拨付凭证-{s + 1}.pdf",
                        "资金拨付凭证（演示）",
                        f"{project.code} PAYMENT {s + 1}",
                    )
                ],
            )
    return ProjectDisbursement.objects.count()
