"""The demo data matches every figure the plan publishes for 2020, and loading it twice changes nothing."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Sum
from django.test import override_settings

from accounts.models import Role, User
from mines.choices import LicensingLevel, Mineral, ProductionStatus, Scale, ZoneKind
from mines.models import (
    Company,
    GovernanceZone,
    GreenMineListing,
    HistoricalSite,
    KeyProject,
    KeyProtectionArea,
    Mine,
    PlanningArea,
)


def counts(queryset, field):
    return dict(queryset.values_list(field).annotate(n=Count("id")).order_by())


@pytest.fixture(scope="module")
def _demo_loaded(django_db_setup, django_db_blocker, tmp_path_factory):
    """Load the demo once for the module, in a transaction rolled back at the end."""
    media = tmp_path_factory.mktemp("demo_media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            call_command("load_demo", "--quiet-accounts", stdout=io.StringIO())
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def demo(_demo_loaded, db):
    """Each test runs in a savepoint inside the module's transaction."""


def test_68_coal_mines_by_county_as_the_plan_gives_them(demo):
    coal = Mine.objects.coal()
    assert coal.count() == 68
    assert counts(coal, "county__name") == {"朔城区": 6, "平鲁区": 27, "山阴县": 18, "怀仁市": 11, "右玉县": 6}


def test_coal_production_status_and_capacity(demo):
    coal = Mine.objects.coal()
    status = counts(coal, "production_status")
    assert status[ProductionStatus.SUSPENDED] == 14
    assert status[ProductionStatus.UNDER_CONSTRUCTION] == 5
    # The plan says 50 producing, which would make 69; the demo keeps the published total of 68.
    assert status[ProductionStatus.PRODUCING] == 68 - 14 - 5
    assert coal.aggregate(total=Sum("design_capacity"))["total"] == Decimal("20740")


def test_103_non_coal_mines_by_county_level_and_mineral(demo):
    non_coal = Mine.objects.non_coal()
    assert non_coal.count() == 103
    assert counts(non_coal, "county__name") == {
        "朔城区": 16,
        "平鲁区": 23,
        "山阴县": 23,
        "怀仁市": 20,
        "右玉县": 19,
        "应县": 2,
    }
    assert counts(non_coal, "licensing_level") == {
        LicensingLevel.PROVINCE: 3,
        LicensingLevel.CITY: 94,
        LicensingLevel.COUNTY: 6,
    }
    province = non_coal.filter(licensing_level=LicensingLevel.PROVINCE)
    assert counts(province, "mineral") == {Mineral.IRON: 1, Mineral.CEMENT_LIMESTONE: 2}
    city = non_coal.filter(licensing_level=LicensingLevel.CITY)
    limestone = city.filter(mineral__in=[Mineral.CEMENT_LIMESTONE, Mineral.CONSTRUCTION_LIMESTONE]).count()
    clay = city.filter(mineral__in=[Mineral.CERAMIC_CLAY, Mineral.REFRACTORY_CLAY, Mineral.KAOLIN]).count()
    assert (limestone, clay) == (75, 8)
    assert city.filter(mineral=Mineral.GRANITE).count() == 5
    assert city.filter(mineral=Mineral.BASALT).count() == 5
    assert city.filter(mineral=Mineral.DOLOMITE).count() == 1
    county = non_coal.filter(licensing_level=LicensingLevel.COUNTY)
    assert counts(county, "mineral") == {Mineral.CONSTRUCTION_SAND: 2, Mineral.BRICK_CLAY: 4}
    assert Mine.objects.get(mineral=Mineral.IRON).production_status == ProductionStatus.SUSPENDED


def test_171_mining_rights_and_41_percent_large_or_medium(demo):
    total = Mine.objects.count()
    assert total == 171
    large_medium = Mine.objects.filter(scale__in=[Scale.LARGE, Scale.MEDIUM]).count()
    assert round(100 * large_medium / total) == 41


def test_8_green_mines_all_coal_about_12_percent(demo):
    listings = GreenMineListing.objects.current()
    assert listings.count() == 8
    assert set(listings.values_list("mine__mineral", flat=True)) == {Mineral.COAL}
    assert set(listings.values_list("level", flat=True)) <= {"national", "provincial"}
    assert round(100 * 8 / Mine.objects.coal().count()) == 12


def test_225_historical_sites_covering_the_12_73_km2_task(demo):
    assert HistoricalSite.objects.count() == 225
    assert set(HistoricalSite.objects.values_list("county__name", flat=True)) == {
        "朔城区",
        "平鲁区",
        "山阴县",
        "应县",
        "右玉县",
        "怀仁市",
    }
    area = HistoricalSite.objects.aggregate(total=Sum("damaged_area_ha"))["total"]
    assert area == Decimal("1273.00")  # ha, i.e. 12.73 km²


def test_34_key_projects_summing_to_13_6_yi_yuan(demo):
    projects = KeyProject.objects.all()
    assert projects.count() == 34
    total = sum(p.budget_total for p in projects)
    assert total == Decimal("1360000000.00")
    assert projects.with_budget_total().aggregate(t=Sum("budget_total_sum"))["t"] == Decimal("1360000000.00")
    assert set(projects.values_list("zone__kind", flat=True)) == {ZoneKind.KEY}


def test_zones_protection_areas_and_planning_areas(demo):
    assert counts(GovernanceZone.objects.all(), "kind") == {ZoneKind.KEY: 8, ZoneKind.GENERAL: 6}
    assert set(KeyProtectionArea.objects.values_list("name", flat=True)) == {"大同煤矿矿区", "平朔煤矿矿区"}
    assert counts(PlanningArea.objects.all(), "kind") == {"national": 3, "concentrated": 38}


def test_one_demo_user_per_role_and_two_companies(demo):
    roles = counts(User.objects.all(), "role")
    assert all(roles.get(role, 0) >= 1 for role in Role.values)
    companies = set(User.objects.filter(role=Role.COMPANY).values_list("company", flat=True))
    assert len(companies) == 2
    for company_id in companies:
        assert Mine.objects.filter(company_id=company_id).exists()


def test_invented_records_are_marked_as_demo(demo):
    assert not Mine.objects.filter(is_demo=False).exists()
    assert not HistoricalSite.objects.filter(is_demo=False).exists()
    assert not Company.objects.filter(is_demo=False).exists()


def _rows(model):
    """Every column but the timestamps that record when a row was last touched."""
    fields = [f.attname for f in model._meta.concrete_fields if f.attname not in ("created_at", "updated_at")]
    return sorted(model.objects.values_list(*fields))


def test_loading_the_demo_twice_changes_nothing(demo):
    models = (Mine, Company, HistoricalSite, KeyProject, GreenMineListing, GovernanceZone, PlanningArea, User)
    before = {model.__name__: _rows(model) for model in models}
    call_command("load_demo", "--quiet-accounts", stdout=io.StringIO())
    after = {model.__name__: _rows(model) for model in models}
    for name in before:
        assert before[name] == after[name], name
