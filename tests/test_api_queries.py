"""Every list endpoint runs the same number of queries for 10 rows as for 1,000: no per-row queries."""

import hashlib
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import ApiToken
from mines.models import (
    Company,
    Contractor,
    County,
    GovernanceZone,
    GreenMineListing,
    HistoricalSite,
    KeyProject,
    Mine,
    PlanningArea,
)
from notifications.models import Notice
from restoration.models import Case, CaseEvent, Evidence, FundAccount, FundEntry, Inspection
from tests.conftest import make_credit_code, next_serial

pytestmark = pytest.mark.usefixtures("fresh_cache")


def _mines(n, company, county):
    start = next_serial() * 10000
    return Mine.objects.bulk_create(
        Mine(
            licence_no=f"QC{start + i:012d}",
            name=f"批量矿山{start + i}",
            company=company,
            county=county,
            mineral="construction_limestone",
            mining_method="open_pit",
            licensing_level="city",
            scale="small",
            design_capacity=Decimal("20"),
            production_status="producing",
            longitude=Decimal("112.43"),
            latitude=Decimal("39.33"),
        )
        for i in range(n)
    )


class World:
    """Grows one resource by `n` rows, cheaply, with everything its list shows filled in."""

    def __init__(self, officer, company, county, zone, contractor, case, fund):
        self.officer, self.company, self.county, self.zone = officer, company, county, zone
        self.contractor, self.case, self.fund = contractor, case, fund

    def grow(self, resource, n):
        serial = next_serial() * 10000
        now = timezone.now()
        if resource == "counties":
            County.objects.bulk_create(
                County(code=f"9{serial + i:05d}"[-6:], name=f"测试县{serial + i}") for i in range(n)
            )
        elif resource == "planning-areas":
            PlanningArea.objects.bulk_create(
                PlanningArea(code=f"P{serial + i}", name=f"规划区{i}", kind="concentrated") for i in range(n)
            )
        elif resource == "zones":
            zones = GovernanceZone.objects.bulk_create(
                GovernanceZone(code=f"Z{serial + i}", name=f"治理区{i}", kind="general") for i in range(n)
            )
            through = GovernanceZone.counties.through
            through.objects.bulk_create(through(governancezone=z, county=self.county) for z in zones)
        elif resource == "key-projects":
            KeyProject.objects.bulk_create(
                KeyProject(
                    code=f"K{serial + i}",
                    name=f"工程{i}",
                    zone=self.zone,
                    county=self.county,
                    contractor=self.contractor,
                )
                for i in range(n)
            )
        elif resource == "green-mine-listings":
            GreenMineListing.objects.bulk_create(
                GreenMineListing(mine=mine, level="city", listed_on=date(2022, 1, 1))
                for mine in _mines(n, self.company, self.county)
            )
        elif resource == "companies":
            Company.objects.bulk_create(
                Company(name=f"批量公司{serial + i}", credit_code=make_credit_code(serial=serial + i)) for i in range(n)
            )
        elif resource == "contractors":
            Contractor.objects.bulk_create(
                Contractor(name=f"批量单位{serial + i}", credit_code=make_credit_code(serial=serial + i))
                for i in range(n)
            )
        elif resource == "mines":
            _mines(n, self.company, self.county)
        elif resource == "historical-sites":
            HistoricalSite.objects.bulk_create(
                HistoricalSite(
                    code=f"B{serial + i}",
                    name=f"遗留{i}",
                    county=self.county,
                    former_mineral="coal",
                    longitude=Decimal("112.3"),
                    latitude=Decimal("39.5"),
                    damaged_area_ha=Decimal("1.5"),
                    damage_types=["subsidence"],
                    treatment_mode="government_led",
                    zone=self.zone,
                )
                for i in range(n)
            )
        elif resource == "cases":
            mine = self.case.mine
            Case.objects.bulk_create(
                Case(
                    number=f"ZG-2026-{serial + i}",
                    kind="rectification",
                    state="rectification_ordered",
                    title=f"批量案件{i}",
                    mine=mine,
                    county=mine.county,
                    company=mine.company,
                    contractor=self.contractor,
                    assigned_officer=self.officer,
                    proposed_by=self.officer,
                    deadline=date(2026, 1, 1) + timedelta(days=i % 300),
                    created_by=self.officer,
                )
                for i in range(n)
            )
        elif resource == "events":
            CaseEvent.objects.bulk_create(
                CaseEvent(case=self.case, kind="comment", actor=self.officer, to_state="draft", reason=f"评论{i}")
                for i in range(n)
            )
        elif resource == "evidence":
            Evidence.objects.bulk_create(
                Evidence(
                    case=self.case,
                    kind="photo",
                    file=f"evidence/00/{serial + i:032x}",
                    original_name=f"{i}.jpg",
                    size=100,
                    sha256=hashlib.sha256(str(serial + i).encode()).hexdigest(),
                    content_type="image/jpeg",
                    uploaded_by=self.officer,
                    reviewed_by=self.officer,
                    review_status="accepted",
                )
                for i in range(n)
            )
        elif resource == "inspections":
            Inspection.objects.bulk_create(
                Inspection(
                    case=self.case,
                    inspected_on=date(2026, 1, 1),
                    inspectors="王",
                    findings="合格",
                    passed=True,
                    recorded_by=self.officer,
                )
                for i in range(n)
            )
        elif resource == "funds":
            FundAccount.objects.bulk_create(FundAccount(mine=m) for m in _mines(n, self.company, self.county))
        elif resource == "entries":
            FundEntry.objects.bulk_create(
                FundEntry(
                    account=self.fund,
                    kind="deposit",
                    amount=Decimal("10.00"),
                    case=self.case,
                    created_by=self.officer,
                )
                for i in range(n)
            )
        elif resource == "notifications":
            Notice.objects.bulk_create(
                Notice(recipient=self.officer, case=self.case, kind="before", title=f"提醒{i}") for i in range(n)
            )
        elif resource == "tokens":
            ApiToken.objects.bulk_create(
                ApiToken(
                    user=self.officer,
                    name=f"t{i}",
                    prefix="szr_abcdefgh",
                    key_hash=hashlib.sha256(f"{serial}-{i}".encode()).hexdigest(),
                    expires_at=now + timedelta(days=30),
                )
                for i in range(n)
            )
        else:
            raise AssertionError(resource)


@pytest.fixture
def world(officer, company_a, shuocheng, zone, contractor_org, mine_a, company_user):
    from restoration.choices import CaseKind
    from restoration.services import workflow
    from restoration.services.funds import fund_account_for

    case = workflow.case_open(user=company_user, kind=CaseKind.CLOSURE, mine=mine_a)
    return World(officer, company_a, shuocheng, zone, contractor_org, case, fund_account_for(mine_a))


def urls(world):
    case, fund = world.case.pk, world.fund.pk
    return {
        "counties": "/api/v1/counties/",
        "planning-areas": "/api/v1/planning-areas/",
        "zones": "/api/v1/zones/",
        "key-projects": "/api/v1/key-projects/",
        "green-mine-listings": "/api/v1/green-mine-listings/",
        "companies": "/api/v1/companies/",
        "contractors": "/api/v1/contractors/",
        "mines": "/api/v1/mines/",
        "historical-sites": "/api/v1/historical-sites/",
        "cases": "/api/v1/cases/",
        "events": f"/api/v1/cases/{case}/events/",
        "evidence": f"/api/v1/cases/{case}/evidence/",
        "inspections": f"/api/v1/cases/{case}/inspections/",
        "funds": "/api/v1/funds/",
        "entries": f"/api/v1/funds/{fund}/entries/",
        "notifications": "/api/v1/notifications/",
        "tokens": "/api/v1/tokens/",
    }


RESOURCES = [
    "counties",
    "planning-areas",
    "zones",
    "key-projects",
    "green-mine-listings",
    "companies",
    "contractors",
    "mines",
    "historical-sites",
    "cases",
    "events",
    "evidence",
    "inspections",
    "funds",
    "entries",
    "notifications",
    "tokens",
]


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"page_size": 200})
    assert response.status_code == 200, response.content[:300]
    return len(queries.captured_queries), len(response.json()["results"])


@pytest.mark.parametrize("resource", RESOURCES)
def test_a_list_runs_the_same_queries_for_10_and_for_1000_rows(api_for, world, officer, resource):
    client = api_for(officer)
    client.get("/api/v1/me/")  # the token's first use writes last_used_at; later ones do not
    url = urls(world)[resource]
    world.grow(resource, 10)
    few, shown_few = count_queries(client, url)
    world.grow(resource, 990)
    many, shown_many = count_queries(client, url)
    assert shown_many > shown_few >= 10
    assert many == few, f"{resource}: {few} queries for 10 rows, {many} for 1,000"


def test_the_case_list_is_one_query_after_authentication(api_for, world, officer):
    client = api_for(officer)
    client.get("/api/v1/me/")
    world.grow("cases", 50)
    queries, _shown = count_queries(client, "/api/v1/cases/")
    assert queries == 2, "the token with its user, then one SELECT for the page"
