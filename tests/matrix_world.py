"""One small world for the permission matrix (tests/test_permission_matrix.py).

Everything the URLs point at belongs to company A in county X (朔城区): its mine, its fund with
entries and a pending withdrawal, a closure case driven through the services to delegated
treatment with the test contractor, the case's files, events, inspection and delegation, a
receivable, an annual-report case with its report, a green-mine listing, a notice and an API
token of company A's user, and a key project in county X (entrusted to the same contractor) with
a historical site, a disbursement and a milestone. Company B has its own mine in county Y, so
that company B and the officer of county Y see something, just never company A's objects.

There is one user per role of the matrix, and every signed-in role has a bearer token for the API.
"""

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.models import Group
from django.utils import timezone
from django_celery_beat.models import ClockedSchedule, CrontabSchedule, IntervalSchedule, PeriodicTask, SolarSchedule

from accounts.models import Role
from accounts.tokens import token_create
from mines.choices import FundingSource, GreenMineLevel, PlanningAreaKind, ZoneKind
from mines.models import (
    Contractor,
    County,
    GovernanceZone,
    GreenMineListing,
    KeyProject,
    KeyProtectionArea,
    PlanningArea,
)
from notifications.models import Digest, Notice, Reminder, ReminderPolicy
from restoration.choices import CaseKind, CaseState
from restoration.models import (
    AnnualReport,
    CaseEvent,
    Delegation,
    Evidence,
    FundEntry,
    FundPolicy,
    Receivable,
    ReceivablePayment,
    UnitRate,
)
from restoration.services import funds as fund_services
from restoration.services import workflow
from tests.conftest import make_company, make_credit_code, make_mine, make_site, make_user
from tests.factories import Closure, pdf_file, png_file, upload

ROLES = ("anonymous", "company_a", "company_b", "contractor", "officer_x", "officer_y", "supervisor", "admin")

# Strings that only company A's own records carry (not on the public page): none of them may
# appear in any page or API answer that company B or the officer of county Y receives.
MINE_A_LICENCE = "C1406022099MATRIX"
EVIDENCE_A_NAME = "matrix-secret-photo-a.png"


@dataclass
class World:
    users: dict = field(default_factory=dict)  # role → User (no "anonymous")
    tokens: dict = field(default_factory=dict)  # role → raw bearer token
    sessions: dict = field(default_factory=dict)  # role → session key (set by the test module)
    objects: dict = field(default_factory=dict)  # name → model instance
    secrets: tuple = ()

    def __getitem__(self, name):
        return self.objects[name]


def build_world() -> World:
    world = World()
    o = world.objects
    today = timezone.localdate()

    county_x = County.objects.create(code="140602", name="朔城区", name_en="Shuocheng District")
    county_y = County.objects.create(code="140603", name="平鲁区", name_en="Pinglu District")
    company_a = make_company("矩阵甲矿业有限公司")
    company_b = make_company("矩阵乙矿业有限公司")
    contractor_org = Contractor.objects.create(name="矩阵生态修复工程有限公司", credit_code=make_credit_code())

    users = world.users
    users["company_a"] = make_user("m_company_a", Role.COMPANY, company=company_a)
    users["company_b"] = make_user("m_company_b", Role.COMPANY, company=company_b)
    users["contractor"] = make_user("m_contractor", Role.CONTRACTOR, contractor=contractor_org)
    users["officer_x"] = make_user("m_officer_x", Role.OFFICER, counties=[county_x])
    users["officer_y"] = make_user("m_officer_y", Role.OFFICER, counties=[county_y])
    users["supervisor"] = make_user("m_supervisor", Role.SUPERVISOR, city_wide=True)
    users["admin"] = make_user("m_admin", Role.ADMIN)
    expires = timezone.now() + timedelta(days=30)
    for role, user in users.items():
        world.tokens[role] = token_create(user=user, name="matrix", expires_at=expires)[1]

    mine_a = make_mine(company_a, county_x, name="矩阵甲一号矿", licence_no=MINE_A_LICENCE)
    mine_b = make_mine(
        company_b, county_y, name="矩阵乙一号矿", longitude=Decimal("112.200000"), latitude=Decimal("39.600000")
    )
    planning_area = PlanningArea.objects.create(code="MX01", name="矩阵规划矿区", kind=PlanningAreaKind.values[0])
    zone = GovernanceZone.objects.create(code="MXZ1", name="矩阵重点治理区", kind=ZoneKind.KEY)
    zone.counties.set([county_x])
    protection_area = KeyProtectionArea.objects.create(name="矩阵重点保护修复区")
    protection_area.counties.set([county_x])
    project = KeyProject.objects.create(
        code="MXGC01",
        name="矩阵重点工程",
        zone=zone,
        county=county_x,
        budget_central=Decimal("1000000.00"),
        contractor=contractor_org,
    )
    site = make_site(county_x, key_project=project, name="矩阵工程内遗留矿山")
    listing = GreenMineListing.objects.create(mine=mine_a, level=GreenMineLevel.values[0], listed_on=today)

    # The fund: a deposit, then a withdrawal above the threshold that waits for a supervisor.
    officer_x, supervisor = users["officer_x"], users["supervisor"]
    policy = FundPolicy.current()
    fund = fund_services.fund_account_for(mine_a)
    big = policy.withdrawal_approval_threshold + Decimal("1000.00")
    fund_services.fund_record(account_id=fund.pk, user=officer_x, kind="deposit", amount=big + 50000, memo="存入")
    withdrawal = fund_services.fund_withdrawal_request(
        account_id=fund.pk,
        user=officer_x,
        amount=big,
        purpose="矩阵治理工程款",
        files=[pdf_file("矩阵发票.pdf")],
        evidence_kind="invoice",
    )

    # The closure case, through the services, to delegated treatment with the contractor.
    closure = Closure(
        mine=mine_a,
        company_user=users["company_a"],
        officer=officer_x,
        supervisor=supervisor,
        contractor_org=contractor_org,
    )
    closure.to(CaseState.DRAFT)
    upload(closure.case, users["company_a"], png_file(EVIDENCE_A_NAME), kind="photo")
    case = closure.to(CaseState.DELEGATED_TREATMENT)
    # Its cost is more than the fund holds: the fund is charged and the rest is a receivable.
    fund_services.fund_charge_delegated_treatment(case=case, cost=big * 3, actor=officer_x)
    receivable = Receivable.objects.get(case=case)
    fund_services.receivable_record_payment(
        receivable_id=receivable.pk, user=officer_x, amount=Decimal("100.00"), paid_on=today
    )

    # The annual report: a reporting period asks mine A for it, and company A lodges it.
    period, _opened = workflow.reporting_period_open(user=officer_x, year=today.year, due_date=today + timedelta(30))
    report_case = period.cases.get(mine=mine_a)
    workflow.case_lodge_report(
        case_id=report_case.pk, user=users["company_a"], lines={"open_pit": ("2.00", "1.00")}, notes="矩阵年报"
    )

    # The key project's money and milestones.
    disbursement = fund_services.project_disburse(
        project_id=project.pk,
        user=officer_x,
        source=FundingSource.CENTRAL,
        amount=Decimal("20000.00"),
        paid_on=today,
        files=[pdf_file("矩阵拨付凭证.pdf")],
    )
    milestone = fund_services.project_milestone_add(
        project_id=project.pk, user=officer_x, name="矩阵里程碑", due_on=today + timedelta(days=60), weight=40
    )

    # Company A's user's own notice and API token; the reminder machinery's rows.
    notice = Notice.objects.create(
        recipient=users["company_a"], case=case, kind="before", title="矩阵期限提醒", deadline=today
    )
    token_a, _raw = token_create(user=users["company_a"], name="矩阵令牌", expires_at=expires)
    reminder_policy = ReminderPolicy.current()
    reminder = Reminder.objects.create(
        case=case,
        deadline_version=1,
        deadline=today,
        kind="before",
        offset_days=7,
        recipient=users["company_a"],
        sweep=uuid.uuid4(),
    )
    digest = Digest.objects.create(recipient=users["company_a"], digest_date=today)
    unit_rate = UnitRate.objects.create(category="open_pit", rate_per_ha=Decimal("100000.00"), effective_from=today)

    # django-celery-beat's and django.contrib.auth's rows, for their admin pages.
    interval = IntervalSchedule.objects.create(every=10, period=IntervalSchedule.MINUTES)
    o.update(
        county_x=county_x,
        county_y=county_y,
        company_a=company_a,
        company_b=company_b,
        contractor_org=contractor_org,
        mine_a=mine_a,
        mine_b=mine_b,
        planning_area=planning_area,
        zone=zone,
        protection_area=protection_area,
        project=project,
        site=site,
        listing=listing,
        fund=fund,
        fund_entry=FundEntry.objects.filter(account=fund, kind="deposit").get(),
        withdrawal=withdrawal,
        fund_policy=policy,
        case=case,
        event=CaseEvent.objects.filter(case=case).order_by("pk").first(),
        evidence=Evidence.objects.get(case=case, original_name=EVIDENCE_A_NAME),
        inspection=case.inspections.get(),
        delegation=Delegation.objects.get(case=case),
        receivable=receivable,
        receivable_payment=ReceivablePayment.objects.get(receivable=receivable),
        report_case=report_case,
        annual_report=AnnualReport.objects.get(case=report_case),
        reporting_period=period,
        unit_rate=unit_rate,
        disbursement=disbursement,
        milestone=milestone,
        notice=notice,
        token_a=token_a,
        user_a=users["company_a"],
        reminder_policy=reminder_policy,
        reminder=reminder,
        digest=digest,
        group=Group.objects.create(name="matrix"),
        interval=interval,
        crontab=CrontabSchedule.objects.create(minute="0", hour="8"),
        solar=SolarSchedule.objects.create(event="sunrise", latitude=Decimal("39.33"), longitude=Decimal("112.43")),
        clocked=ClockedSchedule.objects.create(clocked_time=timezone.now() + timedelta(days=1)),
        periodic_task=PeriodicTask.objects.create(name="matrix", task="notifications.sweep", interval=interval),
    )
    assert case.state == CaseState.DELEGATED_TREATMENT and case.contractor_id == contractor_org.pk
    assert report_case.kind == CaseKind.ANNUAL_REPORT
    world.secrets = (MINE_A_LICENCE, company_a.credit_code, case.number, EVIDENCE_A_NAME)
    return world
