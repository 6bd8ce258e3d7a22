"""Every page renders for each role, and list pages cost a fixed number of queries whatever their size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mines.models import GreenMineListing
from tests.conftest import make_company, make_mine, make_site


@pytest.fixture
def populated(mine_a, mine_b, site_in_project, site_elsewhere, project):
    GreenMineListing.objects.create(mine=mine_a, level="national", listed_on="2020-01-01")
    return True


@pytest.mark.parametrize(
    "user_fixture", ["officer", "county_officer", "supervisor", "admin_user", "company_user", "contractor_user"]
)
def test_every_page_renders_for_every_role(request, client, populated, user_fixture, mine_a, project, site_in_project):
    user = request.getfixturevalue(user_fixture)
    client.force_login(user)
    for url in (
        reverse("home"),
        reverse("mine-list"),
        reverse("site-list"),
        reverse("project-list"),
        reverse("company-list"),
    ):
        response = client.get(url)
        assert response.status_code == 200, (url, user_fixture)
        assert "朔州市" in response.content.decode()


def test_the_home_page_summarises_the_scope_by_county_and_status(client, officer, populated):
    client.force_login(officer)
    response = client.get(reverse("home"))
    table = response.context["mine_table"]
    assert {row["county"].name: row["total"] for row in table} == {"朔城区": 1, "平鲁区": 1}
    assert response.context["green_total"] == 1


def test_the_mine_list_filters_by_county_mineral_status_and_scale(client, officer, shuocheng, pinglu):
    company = make_company()
    make_mine(
        company, shuocheng, name="煤一", mineral="coal", mining_method="underground", design_capacity=300, scale="large"
    )
    make_mine(company, pinglu, name="灰岩二", production_status="suspended")
    client.force_login(officer)

    def listed(**params):
        return [m.name for m in client.get(reverse("mine-list"), params).context["object_list"]]

    assert listed(county=shuocheng.pk) == ["煤一"]
    assert listed(category="coal") == ["煤一"]
    assert listed(category="non_coal") == ["灰岩二"]
    assert listed(mineral="construction_limestone") == ["灰岩二"]
    assert listed(production_status="suspended") == ["灰岩二"]
    assert listed(scale="large") == ["煤一"]
    assert listed(q="灰岩") == ["灰岩二"]


def test_an_unknown_filter_value_is_ignored_with_a_notice_not_an_error(client, officer, mine_a):
    client.force_login(officer)
    response = client.get(reverse("mine-list"), {"county": "not-a-number", "mineral": "unobtainium"})
    assert response.status_code == 200
    assert "form-errors" in response.content.decode()


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url_name", ["mine-list", "site-list", "project-list", "company-list", "home"])
def test_list_pages_run_the_same_number_of_queries_for_few_and_many_rows(client, officer, shuocheng, project, url_name):
    client.force_login(officer)
    company = make_company()
    for _ in range(3):
        mine = make_mine(make_company(), shuocheng)
        make_site(shuocheng, key_project=project)
    GreenMineListing.objects.create(mine=mine, level="city", listed_on="2021-01-01")
    few = _queries(client, reverse(url_name))
    for _ in range(30):
        mine = make_mine(company, shuocheng)
        make_site(shuocheng, key_project=project)
    many = _queries(client, reverse(url_name))
    assert few == many


def test_detail_pages_show_the_record(client, officer, mine_a, site_in_project, project):
    client.force_login(officer)
    assert mine_a.licence_no in client.get(mine_a.get_absolute_url()).content.decode()
    assert site_in_project.code in client.get(site_in_project.get_absolute_url()).content.decode()
    body = client.get(project.get_absolute_url()).content.decode()
    assert "125.00" in body  # 1,250,000.50 yuan shown as 125.00 万元
    assert site_in_project.name in body
    assert mine_a.name in client.get(mine_a.company.get_absolute_url()).content.decode()


def test_the_login_page_logs_a_demo_user_in(client, officer):
    from tests.conftest import PASSWORD

    response = client.post(reverse("login"), {"username": "officer", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    response = client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302
