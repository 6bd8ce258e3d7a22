"""The inventory in the API: each role sees its scope, an outsider gets 404, writes need the
permission and go through the model's validation with the pages' messages."""

from datetime import date
from decimal import Decimal

import pytest

from mines.forms import MineForm
from mines.models import Company, GreenMineListing, Mine

pytestmark = pytest.mark.usefixtures("fresh_cache")


def ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def world(mine_a, mine_b, site_in_project, site_elsewhere, project, zone, contractor_org, other_contractor_org):
    listing = GreenMineListing.objects.create(mine=mine_a, level="provincial", listed_on=date(2021, 5, 1))
    return {
        "mine_a": mine_a,
        "mine_b": mine_b,
        "site_in_project": site_in_project,
        "site_elsewhere": site_elsewhere,
        "project": project,
        "zone": zone,
        "contractor_org": contractor_org,
        "other_contractor_org": other_contractor_org,
        "company_a": mine_a.company,
        "company_b": mine_b.company,
        "listing": listing,
    }


# resource → role → the fixture names of the rows that role sees
SCOPES = {
    "mines": {
        "officer": {"mine_a", "mine_b"},
        "county_officer": {"mine_b"},
        "company_user": {"mine_a"},
        "contractor_user": set(),
    },
    "historical-sites": {
        "officer": {"site_in_project", "site_elsewhere"},
        "county_officer": {"site_in_project"},
        "company_user": set(),
        "contractor_user": {"site_in_project"},
    },
    "companies": {
        "officer": {"company_a", "company_b"},
        "county_officer": {"company_b"},
        "company_user": {"company_a"},
        "contractor_user": set(),
    },
    "contractors": {
        "officer": {"contractor_org", "other_contractor_org"},
        "county_officer": {"contractor_org", "other_contractor_org"},
        "company_user": set(),
        "contractor_user": {"contractor_org"},
    },
    "key-projects": {
        "officer": {"project"},
        "county_officer": {"project"},
        "company_user": set(),
        "contractor_user": {"project"},
    },
    "green-mine-listings": {
        "officer": {"listing"},
        "county_officer": set(),
        "company_user": {"listing"},
        "contractor_user": set(),
    },
    "zones": {
        "officer": {"zone"},
        "county_officer": {"zone"},
        "company_user": {"zone"},
        "contractor_user": {"zone"},
    },
}
CASES = [(resource, role) for resource, roles in SCOPES.items() for role in roles]


@pytest.mark.parametrize("resource, role", CASES)
def test_each_role_lists_and_reads_exactly_its_scope(request, api_for, world, resource, role):
    client = api_for(request.getfixturevalue(role))
    expected = {world[name].pk for name in SCOPES[resource][role]}
    assert ids(client.get(f"/api/v1/{resource}/")) == expected
    every = {world[name].pk for names in SCOPES[resource].values() for name in names}
    for pk in every:
        response = client.get(f"/api/v1/{resource}/{pk}/")
        assert response.status_code == (200 if pk in expected else 404), (resource, role, pk)
        if pk in expected:
            assert response.json()["id"] == pk


@pytest.mark.parametrize("resource", ["mines", "historical-sites", "companies", "key-projects", "green-mine-listings"])
def test_an_outsider_gets_404_for_every_object(api_for, world, outsider, resource):
    client = api_for(outsider)
    for name in ("mine_a", "mine_b", "site_in_project", "company_a", "project", "listing"):
        assert client.get(f"/api/v1/{resource}/{world[name].pk}/").status_code == 404


def test_every_signed_in_user_reads_the_counties_and_the_public_planning_facts(api_for, world, company_user):
    client = api_for(company_user)
    assert len(client.get("/api/v1/counties/").json()["results"]) == 3
    assert client.get("/api/v1/zones/").json()["count"] == 1
    assert client.get("/api/v1/planning-areas/").status_code == 200


def test_the_mine_representation_has_labels_in_the_request_language(api_for, world, officer):
    client = api_for(officer)
    row = client.get(f"/api/v1/mines/{world['mine_a'].pk}/").json()
    assert row["county"] == {"id": world["mine_a"].county_id, "name": "朔城区"}
    assert row["mineral_display"] == "建筑石料用灰岩"
    english = client.get(f"/api/v1/mines/{world['mine_a'].pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["mineral_display"] == "Limestone for construction stone"
    assert english["green_listed"] is True and english["design_capacity"] == "20.00"


def test_a_company_detail_says_whether_it_is_barred(api_for, world, officer):
    data = api_for(officer).get(f"/api/v1/companies/{world['company_a'].pk}/").json()
    assert data["barred"] is False and data["bar_reasons"] == []
    assert data["mine_count"] == 1


def test_lists_filter_by_county_mineral_and_search(api_for, world, officer, pinglu):
    client = api_for(officer)
    assert ids(client.get("/api/v1/mines/", {"county": pinglu.pk})) == {world["mine_b"].pk}
    assert ids(client.get("/api/v1/mines/", {"search": "甲一号"})) == {world["mine_a"].pk}
    assert ids(client.get("/api/v1/mines/", {"mineral": ["coal", "construction_limestone"]})) == {
        world["mine_a"].pk,
        world["mine_b"].pk,
    }
    assert ids(client.get("/api/v1/mines/", {"category": "coal"})) == set()
    assert ids(client.get("/api/v1/mines/", {"green": "true"})) == {world["mine_a"].pk}
    assert ids(client.get("/api/v1/historical-sites/", {"key_project": world["project"].pk})) == {
        world["site_in_project"].pk
    }
    assert ids(client.get("/api/v1/historical-sites/", {"damage_type": "subsidence"})) == {
        world["site_in_project"].pk,
        world["site_elsewhere"].pk,
    }


# ---------------------------------------------------------------- writes


def mine_payload(company, county, **changes):
    data = {
        "licence_no": "C1406022026999001",
        "name": "新登记矿山",
        "company": company.pk,
        "county": county.pk,
        "mineral": "construction_limestone",
        "mining_method": "open_pit",
        "licensing_level": "city",
        "scale": "small",
        "design_capacity": "60",
        "production_status": "producing",
        "longitude": "112.43",
        "latitude": "39.33",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("role", ["company_user", "contractor_user"])
def test_a_role_without_the_inventory_permission_gets_403_and_nothing_is_stored(request, api_for, world, role):
    client = api_for(request.getfixturevalue(role))
    payload = mine_payload(world["company_a"], world["mine_a"].county)
    assert client.post("/api/v1/mines/", payload, format="json").status_code == 403
    assert client.patch(f"/api/v1/mines/{world['mine_a'].pk}/", {"name": "x"}, format="json").status_code == 403
    assert client.post("/api/v1/companies/", {"name": "x"}, format="json").status_code == 403
    assert not Mine.objects.filter(licence_no=payload["licence_no"]).exists()


def test_an_officer_registers_a_mine_and_gets_it_back(api_for, world, officer):
    response = api_for(officer).post(
        "/api/v1/mines/", mine_payload(world["company_a"], world["mine_a"].county), format="json"
    )
    assert response.status_code == 201, response.content
    mine = Mine.objects.get(licence_no="C1406022026999001")
    assert response.json()["id"] == mine.pk and response.json()["company"]["id"] == world["company_a"].pk


def test_a_mine_write_is_refused_with_the_same_messages_as_the_page(api_for, world, officer):
    payload = mine_payload(
        world["company_a"], world["mine_a"].county, production_status="under_construction", design_capacity="20"
    )
    response = api_for(officer).post("/api/v1/mines/", payload, format="json")
    assert response.status_code == 400
    form = MineForm(data=payload, user=officer)
    assert not form.is_valid()
    assert response.json()["fields"]["design_capacity"] == form.errors["design_capacity"]
    assert "50" in response.json()["fields"]["design_capacity"][0]


def test_coordinates_outside_shuozhou_and_a_duplicate_licence_are_refused(api_for, world, officer):
    client = api_for(officer)
    payload = mine_payload(world["company_a"], world["mine_a"].county, longitude="116.4")
    response = client.post("/api/v1/mines/", payload, format="json")
    assert response.status_code == 400 and "longitude" in response.json()["fields"]
    payload = mine_payload(world["company_a"], world["mine_a"].county, licence_no=world["mine_b"].licence_no)
    response = client.post("/api/v1/mines/", payload, format="json")
    assert response.status_code == 400 and "licence_no" in response.json()["fields"]


def test_a_county_officer_cannot_register_a_mine_in_another_county(api_for, world, county_officer, shuocheng):
    payload = mine_payload(world["company_b"], shuocheng)
    response = api_for(county_officer).post("/api/v1/mines/", payload, format="json")
    assert response.status_code == 400 and "county" in response.json()["fields"]
    assert not Mine.objects.filter(licence_no=payload["licence_no"]).exists()


def test_a_write_that_would_leave_the_callers_scope_is_rolled_back(api_for, world, county_officer, shuocheng):
    from mines.api.serializers import InventoryWriteSerializer

    # Take away the form-level guard: the re-read through visible_to must still catch it.
    original = InventoryWriteSerializer.get_fields

    def unguarded(self):
        fields = original(self)
        if "county" in fields:
            fields["county"].queryset = type(shuocheng).objects.all()
        return fields

    InventoryWriteSerializer.get_fields = unguarded
    try:
        response = api_for(county_officer).patch(
            f"/api/v1/mines/{world['mine_b'].pk}/", {"county": shuocheng.pk, "name": "搬走的矿"}, format="json"
        )
    finally:
        InventoryWriteSerializer.get_fields = original
    assert response.status_code == 403 and response.json()["code"] == "out_of_scope"
    world["mine_b"].refresh_from_db()
    assert world["mine_b"].county != shuocheng and world["mine_b"].name == "乙一号矿"


def test_an_officer_changes_a_mine_partially(api_for, world, officer):
    response = api_for(officer).patch(
        f"/api/v1/mines/{world['mine_a'].pk}/", {"design_capacity": "35.5"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["design_capacity"] == "35.50"
    world["mine_a"].refresh_from_db()
    assert world["mine_a"].design_capacity == Decimal("35.50")


def test_a_company_is_registered_with_its_credit_code_checked(api_for, world, officer):
    from tests.conftest import make_credit_code

    client = api_for(officer)
    good = make_credit_code().lower()
    response = client.post("/api/v1/companies/", {"name": "新矿业公司", "credit_code": good}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["credit_code"] == good.upper()
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    response = client.post("/api/v1/companies/", {"name": "坏代码公司", "credit_code": bad}, format="json")
    assert response.status_code == 400 and "credit_code" in response.json()["fields"]
    assert not Company.objects.filter(name="坏代码公司").exists()


def test_an_officer_registers_a_historical_site_with_a_boundary(api_for, world, officer, pinglu):
    ring = [[112.3, 39.5], [112.31, 39.5], [112.31, 39.51], [112.3, 39.5]]
    payload = {
        "code": "LS-API-1",
        "name": "接口登记遗留矿山",
        "county": pinglu.pk,
        "former_mineral": "coal",
        "longitude": "112.305",
        "latitude": "39.505",
        "damaged_area_ha": "3.5",
        "damage_types": ["subsidence", "fissure"],
        "treatment_mode": "government_led",
        "boundary": {"type": "Polygon", "coordinates": [ring]},
    }
    client = api_for(officer)
    response = client.post("/api/v1/historical-sites/", payload, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["boundary"]["type"] == "Polygon"
    payload.update(code="LS-API-2", boundary={"type": "Point", "coordinates": [1, 2]})
    response = client.post("/api/v1/historical-sites/", payload, format="json")
    assert response.status_code == 400 and "boundary" in response.json()["fields"]


def test_there_are_no_deletes(api_for, world, officer):
    client = api_for(officer)
    for path in (f"/api/v1/mines/{world['mine_a'].pk}/", f"/api/v1/companies/{world['company_a'].pk}/"):
        response = client.delete(path)
        assert response.status_code == 405 and response.json()["code"] == "method_not_allowed"
    assert Mine.objects.filter(pk=world["mine_a"].pk).exists()
