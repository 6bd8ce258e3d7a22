"""Fixtures: one user per role and an outsider, and the services some tests need for real.

A test that needs PostgreSQL, Redis or a Celery worker carries a marker. Where the service is
absent it is skipped with the reason printed; with REQUIRE_SERVICES=1 (CI) it fails instead.
"""

import os
from decimal import Decimal

import pytest
from django.db import connection

from accounts.models import Role, User
from mines.choices import (
    LicensingLevel,
    Mineral,
    MiningMethod,
    ProductionStatus,
    Scale,
    SiteStatus,
    TreatmentMode,
    ZoneKind,
)
from mines.models import Company, Contractor, County, GovernanceZone, HistoricalSite, KeyProject, Mine
from mines.validators import credit_code_check_character

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
PASSWORD = "correct horse battery staple"


def _redis_available() -> bool:
    url = os.environ.get("REDIS_URL")
    if not url:
        return False
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except Exception:
        return False


def _missing_service(item) -> str | None:
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        return "needs PostgreSQL: set DATABASE_URL=postgres://..."
    if (item.get_closest_marker("redis") or item.get_closest_marker("celery_worker")) and not _redis_available():
        return "needs Redis: set REDIS_URL=redis://... to a running server"
    if item.get_closest_marker("browser") and not os.path.exists(os.environ.get("CHROMIUM", "/usr/bin/chromium")):
        return "needs Chromium at /usr/bin/chromium (Debian package chromium)"
    return None


def pytest_runtest_setup(item):
    reason = _missing_service(item)
    if reason:
        if REQUIRE_SERVICES:
            pytest.fail(f"REQUIRE_SERVICES=1 but this test {reason}", pytrace=False)
        pytest.skip(reason)


# ---------------------------------------------------------------- factories

_serial = {"n": 0}


def next_serial() -> int:
    _serial["n"] += 1
    return _serial["n"]


def make_credit_code(division: str = "140602", serial: int | None = None) -> str:
    serial = next_serial() if serial is None else serial
    body = f"91{division}{serial:09d}"
    return body + credit_code_check_character(body)


def make_company(name: str = "", **kwargs) -> Company:
    n = next_serial()
    return Company.objects.create(name=name or f"测试矿业公司{n}", credit_code=make_credit_code(serial=n), **kwargs)


def make_mine(company: Company, county: County, **kwargs) -> Mine:
    n = next_serial()
    fields = {
        "licence_no": f"C1406022020{n:06d}",
        "name": f"测试矿山{n}",
        "company": company,
        "county": county,
        "mineral": Mineral.CONSTRUCTION_LIMESTONE,
        "mining_method": MiningMethod.OPEN_PIT,
        "licensing_level": LicensingLevel.CITY,
        "scale": Scale.SMALL,
        "design_capacity": Decimal("20"),
        "production_status": ProductionStatus.PRODUCING,
        "longitude": Decimal("112.430000"),
        "latitude": Decimal("39.330000"),
    }
    fields.update(kwargs)
    return Mine.objects.create(**fields)


def make_site(county: County, **kwargs) -> HistoricalSite:
    n = next_serial()
    fields = {
        "code": f"LS-T{n:05d}",
        "name": f"测试历史遗留矿山{n}",
        "county": county,
        "former_mineral": Mineral.COAL,
        "longitude": Decimal("112.300000"),
        "latitude": Decimal("39.500000"),
        "damaged_area_ha": Decimal("12.50"),
        "damage_types": ["subsidence"],
        "treatment_mode": TreatmentMode.GOVERNMENT_LED,
        "status": SiteStatus.IDENTIFIED,
    }
    fields.update(kwargs)
    return HistoricalSite.objects.create(**fields)


def make_user(username: str, role: str, **kwargs) -> User:
    counties = kwargs.pop("counties", [])
    user = User.objects.create_user(
        username=username,
        password=PASSWORD,
        role=role,
        email=f"{username}@example.test",
        is_staff=role in (Role.OFFICER, Role.SUPERVISOR, Role.ADMIN),
        is_superuser=role == Role.ADMIN,
        **kwargs,
    )
    if counties:
        user.counties.set(counties)
    return user


# ---------------------------------------------------------------- the world


@pytest.fixture
def counties(db):
    rows = [
        ("140602", "朔城区", "Shuocheng District"),
        ("140603", "平鲁区", "Pinglu District"),
        ("140621", "山阴县", "Shanyin County"),
    ]
    return {name: County.objects.create(code=code, name=name, name_en=en) for code, name, en in rows}


@pytest.fixture
def shuocheng(counties):
    return counties["朔城区"]


@pytest.fixture
def pinglu(counties):
    return counties["平鲁区"]


@pytest.fixture
def company_a(db):
    return make_company("甲矿业有限公司")


@pytest.fixture
def company_b(db):
    return make_company("乙矿业有限公司")


@pytest.fixture
def contractor_org(db):
    return Contractor.objects.create(name="测试生态修复工程有限公司", credit_code=make_credit_code())


@pytest.fixture
def other_contractor_org(db):
    return Contractor.objects.create(name="另一家治理单位", credit_code=make_credit_code())


@pytest.fixture
def mine_a(company_a, shuocheng):
    return make_mine(company_a, shuocheng, name="甲一号矿")


@pytest.fixture
def mine_b(company_b, pinglu):
    return make_mine(company_b, pinglu, name="乙一号矿", longitude=Decimal("112.200000"), latitude=Decimal("39.600000"))


@pytest.fixture
def zone(db):
    return GovernanceZone.objects.create(code="ZD99", name="测试重点治理区", kind=ZoneKind.KEY)


@pytest.fixture
def project(zone, pinglu, contractor_org):
    return KeyProject.objects.create(
        code="ZDGC99",
        name="测试重点工程",
        zone=zone,
        county=pinglu,
        budget_central=Decimal("1000000.00"),
        budget_municipal=Decimal("250000.50"),
        contractor=contractor_org,
    )


@pytest.fixture
def site_in_project(pinglu, project):
    return make_site(pinglu, key_project=project, name="工程内遗留矿山")


@pytest.fixture
def site_elsewhere(shuocheng):
    return make_site(shuocheng, name="朔城区遗留矿山")


@pytest.fixture
def officer(counties):
    return make_user("officer", Role.OFFICER, city_wide=True, last_name="王")


@pytest.fixture
def county_officer(pinglu):
    return make_user("officer_pinglu", Role.OFFICER, counties=[pinglu])


@pytest.fixture
def supervisor(counties):
    return make_user("supervisor", Role.SUPERVISOR, city_wide=True)


@pytest.fixture
def supervisor2(counties):
    return make_user("supervisor2", Role.SUPERVISOR, city_wide=True)


@pytest.fixture
def admin_user(counties):
    return make_user("admin", Role.ADMIN)


@pytest.fixture
def company_user(company_a):
    return make_user("company_a", Role.COMPANY, company=company_a)


@pytest.fixture
def company_b_user(company_b):
    return make_user("company_b", Role.COMPANY, company=company_b)


@pytest.fixture
def contractor_user(contractor_org):
    return make_user("contractor", Role.CONTRACTOR, contractor=contractor_org)


@pytest.fixture
def outsider(other_contractor_org):
    """A signed-in user of another organisation with no business here."""
    return make_user("outsider", Role.CONTRACTOR, contractor=other_contractor_org)


@pytest.fixture
def client_for(client):
    """Log a user in on the test client: `client_for(user)`."""

    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path_factory):
    """Evidence files written by a test go to a temporary folder, never the project's."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


# ---------------------------------------------------------------- the API


@pytest.fixture
def fresh_cache():
    """Throttle and log-in counters live in the cache; each API test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_for(db):
    """An API client authenticated as `user` with a new personal token: `api_for(user)`."""
    from datetime import timedelta

    from django.utils import timezone
    from rest_framework.test import APIClient

    from accounts.tokens import token_create

    def make(user, **headers):
        _token, raw = token_create(user=user, name="test", expires_at=timezone.now() + timedelta(days=30))
        client = APIClient(**headers)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        client.raw_token = raw
        return client

    return make
