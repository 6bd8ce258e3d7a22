"""Bad input to the inventory is refused with a clear message, in the pages and the admin, and nothing is saved."""

import re
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from mines.models import Company, HistoricalSite, Mine
from tests.conftest import make_credit_code, make_mine


def mine_form_data(company, county, **overrides):
    data = {
        "licence_no": "C1406022021000777",
        "name": "新建灰岩矿",
        "company": company.pk,
        "county": county.pk,
        "mineral": "construction_limestone",
        "mining_method": "open_pit",
        "licensing_level": "city",
        "scale": "medium",
        "design_capacity": "60",
        "production_status": "producing",
        "longitude": "112.500000",
        "latitude": "39.400000",
        "area_km2": "0.5",
    }
    data.update(overrides)
    return data


ADMIN_MINE_INLINE = {
    "green_listings-TOTAL_FORMS": "0",
    "green_listings-INITIAL_FORMS": "0",
    "green_listings-MIN_NUM_FORMS": "0",
    "green_listings-MAX_NUM_FORMS": "1000",
}


@pytest.fixture(params=["page", "admin"])
def submit_mine(request, client, officer):
    """Post a new mine through the page form or the admin add form; returns the response."""
    client.force_login(officer)

    def submit(data):
        if request.param == "page":
            return client.post(reverse("mine-create"), data)
        return client.post(reverse("admin:mines_mine_add"), {**data, **ADMIN_MINE_INLINE})

    return submit


def test_an_officer_registers_a_valid_mine(submit_mine, company_a, shuocheng):
    response = submit_mine(mine_form_data(company_a, shuocheng))
    assert response.status_code == 302
    assert Mine.objects.filter(licence_no="C1406022021000777", county=shuocheng).exists()


def test_a_duplicate_licence_number_is_refused(submit_mine, company_a, shuocheng, mine_a):
    response = submit_mine(mine_form_data(company_a, shuocheng, licence_no=mine_a.licence_no, name="重复"))
    assert response.status_code == 200
    assert "采矿许可证号" in response.content.decode() and "已存在" in response.content.decode()
    assert not Mine.objects.filter(name="重复").exists()


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("longitude", "116.400000", "朔州"),
        ("latitude", "38.900000", "朔州"),
    ],
)
def test_a_location_outside_shuozhou_is_refused(submit_mine, company_a, shuocheng, field, value, message):
    response = submit_mine(mine_form_data(company_a, shuocheng, **{field: value}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Mine.objects.exists()


def test_a_negative_area_is_refused(submit_mine, company_a, shuocheng):
    response = submit_mine(mine_form_data(company_a, shuocheng, area_km2="-1"))
    assert response.status_code == 200
    assert not Mine.objects.exists()


@pytest.mark.parametrize(
    "mineral, method, capacity, minimum",
    [
        ("coal", "underground", "90", "120"),
        ("coal", "open_pit", "300", "400"),
        ("cement_limestone", "open_pit", "30", "50"),
        ("dolomite", "open_pit", "5", "10"),
        ("granite", "open_pit", "4", "5"),
        ("ceramic_clay", "open_pit", "2", "3"),
    ],
)
def test_a_new_mine_below_the_plans_minimum_scale_is_refused_naming_the_minimum(
    submit_mine, company_a, shuocheng, mineral, method, capacity, minimum
):
    data = mine_form_data(
        company_a,
        shuocheng,
        mineral=mineral,
        mining_method=method,
        design_capacity=capacity,
        production_status="under_construction",
    )
    response = submit_mine(data)
    body = response.content.decode()
    assert response.status_code == 200
    assert re.search(rf"{minimum}\s?万(吨|立方米)/年", body), "the message names the minimum and its unit"
    assert not Mine.objects.exists()


def test_a_producing_mine_below_the_minimum_is_kept_because_the_rule_is_for_new_mines(
    submit_mine, company_a, shuocheng
):
    response = submit_mine(mine_form_data(company_a, shuocheng, design_capacity="20", production_status="producing"))
    assert response.status_code == 302


def test_the_database_itself_refuses_a_new_mine_below_minimum_scale(company_a, shuocheng):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_mine(
            company_a,
            shuocheng,
            mineral="coal",
            mining_method="underground",
            design_capacity=Decimal("60"),
            production_status="under_construction",
        )


def test_the_database_itself_refuses_a_location_outside_shuozhou(company_a, shuocheng):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_mine(company_a, shuocheng, longitude=Decimal("116.4"), latitude=Decimal("39.9"))


def test_a_malformed_credit_code_is_refused_on_the_company_page(client, officer):
    client.force_login(officer)
    response = client.post(reverse("company-create"), {"name": "新公司", "credit_code": "91140602MA0K12345"})
    assert response.status_code == 200
    assert "统一社会信用代码" in response.content.decode()
    assert not Company.objects.filter(name="新公司").exists()


def test_a_malformed_credit_code_is_refused_in_the_admin(client, officer):
    client.force_login(officer)
    code = make_credit_code()
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    response = client.post(reverse("admin:mines_company_add"), {"name": "新公司", "credit_code": wrong})
    assert response.status_code == 200
    assert "校验" in response.content.decode()
    assert not Company.objects.filter(name="新公司").exists()


def test_an_error_is_shown_in_english_to_an_english_user(client, officer, company_a, shuocheng):
    client.force_login(officer)
    client.cookies["django_language"] = "en"
    data = mine_form_data(company_a, shuocheng, longitude="120.0")
    response = client.post(reverse("mine-create"), data)
    assert "outside Shuozhou" in response.content.decode()


def test_a_site_boundary_must_be_a_polygon_inside_shuozhou(client, officer, shuocheng):
    client.force_login(officer)
    data = {
        "code": "LS-NEW-1",
        "name": "新遗留矿山",
        "county": shuocheng.pk,
        "former_mineral": "coal",
        "longitude": "112.4",
        "latitude": "39.3",
        "damaged_area_ha": "5",
        "treatment_mode": "government_led",
        "boundary": '{"type": "Point", "coordinates": [112.4, 39.3]}',
    }
    response = client.post(reverse("site-create"), data)
    assert response.status_code == 200
    assert "Polygon" in response.content.decode()
    outside = '{"type":"Polygon","coordinates":[[[116,39.3],[116.1,39.3],[116.1,39.4],[116,39.3]]]}'
    response = client.post(reverse("site-create"), {**data, "boundary": outside})
    assert "朔州" in response.content.decode()
    assert not HistoricalSite.objects.exists()
    square = '{"type":"Polygon","coordinates":[[[112.4,39.3],[112.41,39.3],[112.41,39.31],[112.4,39.3]]]}'
    response = client.post(reverse("site-create"), {**data, "boundary": square, "damage_types": ["subsidence"]})
    assert response.status_code == 302
    assert HistoricalSite.objects.get(code="LS-NEW-1").boundary["type"] == "Polygon"


def test_a_negative_damaged_area_is_refused(client, officer, shuocheng):
    client.force_login(officer)
    data = {
        "code": "LS-NEG",
        "name": "负面积",
        "county": shuocheng.pk,
        "former_mineral": "coal",
        "longitude": "112.4",
        "latitude": "39.3",
        "damaged_area_ha": "-3",
        "treatment_mode": "government_led",
    }
    response = client.post(reverse("site-create"), data)
    assert response.status_code == 200
    assert not HistoricalSite.objects.exists()
