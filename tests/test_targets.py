"""The plan's targets are counted from accepted work only; the dashboard, the evaluation report
and the public disclosure page show them, and the public page shows nothing that is not public."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mines.models import GreenMineListing
from restoration.choices import CaseKind
from restoration.services import workflow
from targets.selectors import progress
from tests.conftest import make_mine, make_site
from tests.factories import Closure, inspect, png_file, upload


def figures(user):
    return {p.code: p for p in progress(user=user)}


def accept_site(site, officer, supervisor, area="8.00"):
    case = workflow.case_open(user=officer, kind=CaseKind.HISTORICAL_SITE, site=site)
    for _ in range(3):
        workflow.case_advance_site(case_id=case.pk, user=officer)
    workflow.case_request_acceptance(case_id=case.pk, user=officer)
    inspect(case, officer, passed=True, area=area)
    return case


def test_a_pending_case_adds_nothing_and_an_accepted_one_counts(officer, supervisor, site_in_project, pinglu):
    case = accept_site(site_in_project, officer, supervisor)
    before = figures(officer)
    assert before["historical_area"].value == 0 and before["historical_sites"].value == 0, "awaiting approval"
    workflow.case_approve(case_id=case.pk, user=supervisor)
    after = figures(officer)
    assert after["historical_area"].value == Decimal("0.08")  # 8 ha = 0.08 km²
    assert after["historical_sites"].value == 1
    assert after["historical_area"].by_county == {pinglu: Decimal("0.08")}
    assert after["historical_area"].by_year == {timezone.localdate().year: Decimal("0.08")}
    assert after["three_zones"].value == Decimal("0.08")


def test_three_zone_treatment_counts_accepted_annual_reports_only(officer, company_user, mine_a):
    today = timezone.localdate()
    period, _ = workflow.reporting_period_open(user=officer, year=today.year, due_date=today + timedelta(days=30))
    case = period.cases.get(mine=mine_a)
    lines = {"subsidence": ("40", "25"), "open_pit": ("10", "5"), "waste_dump": ("9", "9")}
    workflow.case_lodge_report(case_id=case.pk, user=company_user, lines=lines)
    assert figures(officer)["three_zones"].value == 0, "lodged, not yet accepted"
    workflow.case_accept_report(case_id=case.pk, user=officer)
    # 25 + 5 ha restored in the three zones' categories; the waste dump is not one of them.
    assert figures(officer)["three_zones"].value == Decimal("0.30")


def test_the_shares_of_green_and_of_large_and_medium_mines(officer, company_a, shuocheng):
    province = [
        make_mine(
            company_a,
            shuocheng,
            licensing_level="province",
            scale="large",
            design_capacity=300,
            mineral="coal",
            mining_method="underground",
        )
        for _ in range(4)
    ]
    make_mine(company_a, shuocheng, licensing_level="city", scale="small")
    GreenMineListing.objects.create(mine=province[0], level="national", listed_on="2020-01-01")
    values = figures(officer)
    assert values["green_share"].value == Decimal("25.0")  # 1 of 4 province-licensed mines
    assert values["large_medium_share"].value == Decimal("80.0")  # 4 of 5


def test_a_county_officer_sees_the_figures_of_their_county(county_officer, officer, supervisor, site_in_project):
    workflow.case_approve(case_id=accept_site(site_in_project, officer, supervisor).pk, user=supervisor)
    other = make_site(officer.counties.model.objects.get(name="朔城区"), damaged_area_ha=Decimal("30"))
    workflow.case_approve(case_id=accept_site(other, officer, supervisor, area="20").pk, user=supervisor)
    assert figures(officer)["historical_sites"].value == 2
    assert figures(county_officer)["historical_sites"].value == 1


def test_the_dashboard_is_for_bureau_staff(client_for, officer, company_user, contractor_user):
    assert client_for(officer).get(reverse("dashboard")).status_code == 200
    assert client_for(company_user).get(reverse("dashboard")).status_code == 403
    assert client_for(contractor_user).get(reverse("dashboard")).status_code == 403


def test_each_dashboard_figure_links_to_the_list_behind_it(client_for, officer):
    body = client_for(officer).get(reverse("dashboard")).content.decode()
    for link in (
        "/sites/?status=accepted",
        "/mines/?green=yes",
        "/cases/?overdue=yes",
        "/funds/shortfalls/",
        "/receivables/",
        "/finance/projects/",
    ):
        assert link in body, link


def test_the_evaluation_report_downloads_as_excel_with_the_targets(client_for, officer, supervisor, site_in_project):
    from io import BytesIO

    from openpyxl import load_workbook

    workflow.case_approve(case_id=accept_site(site_in_project, officer, supervisor).pk, user=supervisor)
    year = timezone.localdate().year
    client = client_for(officer)
    page = client.get(reverse("evaluation"), {"period": str(year)})
    assert page.status_code == 200 and "12.73" in page.content.decode()
    response = client.get(reverse("evaluation"), {"period": str(year), "format": "xlsx"})
    book = load_workbook(BytesIO(response.content))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    historical = next(r for r in rows if r[1] == 12.73)
    assert historical[3] == pytest.approx(0.08)
    assert len(book.sheetnames) == 4  # targets, by county, burn-up (with its chart), activity
    assert book.worksheets[2]._charts, "the burn-up sheet carries a line chart"


def test_the_mid_term_report_covers_2021_to_2023(client_for, officer):
    response = client_for(officer).get(reverse("evaluation"), {"period": "mid"})
    assert response.context["since"].isoformat() == "2021-01-01"
    assert response.context["until"].isoformat() == "2023-12-31"


@pytest.fixture
def public_world(mine_a, company_user, officer, supervisor, contractor_org):
    mine_a.company.contact_phone = "0349-5551234"
    mine_a.company.legal_representative = "张三丰"
    mine_a.company.save()
    closure = Closure(
        mine=mine_a, company_user=company_user, officer=officer, supervisor=supervisor, contractor_org=contractor_org
    )
    case = closure.to(closure.ORDER[3])  # a failed inspection recorded
    upload(case, company_user, png_file("秘密照片.png"))
    GreenMineListing.objects.create(mine=mine_a, level="provincial", listed_on="2021-03-01")
    cache.clear()
    return case


def test_the_public_page_needs_no_login_and_shows_inspections_green_mines_and_targets(client, public_world, mine_a):
    response = client.get(reverse("disclosure"))
    assert response.status_code == 200
    body = response.content.decode()
    assert mine_a.name in body and "不合格" in body
    assert "省级" in body and "2021-03-01" in body
    assert "12.73" in body


def test_the_public_page_shows_nothing_that_is_not_public(client, public_world, mine_a, officer, company_user):
    body = client.get(reverse("disclosure")).content.decode()
    for secret in (
        "王建国",
        "李晓明",
        "0349-5551234",
        "张三丰",
        company_user.email,
        officer.email,
        "秘密照片",
        "/evidence/",
        mine_a.company.credit_code,
        "csrfmiddlewaretoken",
        "/admin/",
    ):
        assert secret not in body, secret
    assert not re.search(r"/cases/\d+", body), "no links into the private system"


def test_the_public_page_is_cached_and_served_without_queries(client, public_world):
    client.get(reverse("disclosure"))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("disclosure"))
    assert response.status_code == 200
    assert len(queries.captured_queries) == 0
    assert "public" in response["Cache-Control"]


def test_the_public_page_switches_language_by_link(client, public_world):
    english = client.get(reverse("disclosure"), {"lang": "en"})
    assert "Inspection results" in english.content.decode()
    assert english.cookies["django_language"].value == "en"
