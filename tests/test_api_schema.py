"""The OpenAPI schema: committed and generated agree, the docs are served without a CDN, and
schemathesis finds no server error and no response outside the schema, for every role."""

from datetime import timedelta

import pytest
import yaml
from django.core.wsgi import get_wsgi_application
from django.utils import timezone

from api.schema import SCHEMA_FILE, generate_schema_yaml

pytestmark = pytest.mark.usefixtures("fresh_cache")


def test_the_committed_schema_is_the_generated_one():
    assert SCHEMA_FILE.read_text(encoding="utf-8") == generate_schema_yaml(), (
        "docs/openapi.yaml is out of date: run `make schema` and commit it"
    )


def test_every_operation_is_described_and_documents_its_errors():
    schema = yaml.safe_load(generate_schema_yaml())
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            assert operation.get("summary") or operation.get("description"), (method, path)
            assert {"401", "404"} <= set(operation["responses"]), (method, path)
    for name, component in schema["components"]["schemas"].items():
        for field, prop in component.get("properties", {}).items():
            assert prop.get("description") or "$ref" in prop or "allOf" in prop, (name, field)


def test_choice_sets_have_their_own_names():
    components = yaml.safe_load(generate_schema_yaml())["components"]["schemas"]
    for name in ("CaseStateEnum", "CaseKindEnum", "SiteStatusEnum", "GreenMineStatusEnum", "ReviewStatusEnum"):
        assert name in components
    assert not [name for name in components if name[-6:-4].isdigit() or "Enum" in name and name[0].islower()]


def test_the_schema_endpoint_and_the_docs_are_served_from_our_own_static_files(client):
    assert client.get("/api/v1/schema/").status_code == 200
    page = client.get("/api/v1/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "cdn." not in page and "unpkg" not in page and "jsdelivr" not in page
    assert "<script>" not in page, "the start-up script is a file (SpectacularSwaggerSplitView)"


# ---------------------------------------------------------------- schemathesis


@pytest.fixture
def closure_world(mine_a, mine_b, company_user, officer, supervisor, contractor_org, site_in_project, project):
    """A little of everything, so lists and details have rows to conform."""
    from decimal import Decimal

    from mines.models import GreenMineListing
    from notifications.models import Notice
    from restoration.services.funds import fund_account_for, fund_record
    from tests.factories import Closure

    closure = Closure(
        mine=mine_a, company_user=company_user, officer=officer, supervisor=supervisor, contractor_org=contractor_org
    )
    case = closure.to(closure.ORDER[4])  # rectification ordered: evidence, an inspection, an order, events
    GreenMineListing.objects.create(mine=mine_a, level="provincial", listed_on="2021-05-01")
    fund = fund_account_for(mine_a)
    fund_record(account_id=fund.pk, user=officer, kind="deposit", amount=Decimal("1000.00"))
    for user in (officer, company_user):
        Notice.objects.create(recipient=user, case=case, kind="before", title="期限提醒", deadline=case.deadline)
    return case


ROLES = ["officer", "supervisor", "company_user", "contractor_user"]


@pytest.fixture
def wsgi_app():
    """The real WSGI application, without the end-of-request connection close (as Django's test client
    does): the test's transaction, and its rows, must survive each request."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.mark.parametrize("role", ROLES)
def test_schemathesis_finds_no_server_error_and_no_undocumented_response(request, closure_world, wsgi_app, role):
    import schemathesis
    from hypothesis import HealthCheck, Phase, given
    from hypothesis import settings as hypothesis_settings
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    from accounts.tokens import token_create

    user = request.getfixturevalue(role)
    _token, raw = token_create(user=user, name="schemathesis", expires_at=timezone.now() + timedelta(days=1))
    headers = {"Authorization": f"Bearer {raw}"}
    app = wsgi_app
    schema = schemathesis.openapi.from_dict(yaml.safe_load(generate_schema_yaml())).include(method="GET")
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 30
    for operation in operations:

        @hypothesis_settings(
            max_examples=6,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case):
            case.call_and_validate(app=app, headers=headers, checks=checks)

        run()


LISTS = {
    "/api/v1/cases/": "Case",
    "/api/v1/mines/": "Mine",
    "/api/v1/historical-sites/": "HistoricalSite",
    "/api/v1/funds/": "Fund",
    "/api/v1/notifications/": "Notice",
    "/api/v1/companies/": "Company",
    "/api/v1/key-projects/": "KeyProject",
    "/api/v1/green-mine-listings/": "GreenMineListing",
}


def test_the_light_rows_carry_exactly_the_documented_fields(api_for, closure_world, officer, site_in_project):
    components = yaml.safe_load(generate_schema_yaml())["components"]["schemas"]
    client = api_for(officer)
    paths = {**LISTS, f"/api/v1/cases/{closure_world.pk}/events/": "Event"}
    paths[f"/api/v1/cases/{closure_world.pk}/evidence/"] = "Evidence"
    paths[f"/api/v1/cases/{closure_world.pk}/inspections/"] = "Inspection"
    for path, component in paths.items():
        rows = client.get(path).json()["results"]
        assert rows, path
        assert set(rows[0]) == set(components[component]["properties"]), path
    detail = client.get(f"/api/v1/cases/{closure_world.pk}/").json()
    assert set(detail) == set(components["CaseDetail"]["properties"])


def test_schemathesis_writes_as_an_officer_never_fail_on_the_server(closure_world, wsgi_app, officer):
    """Generated bodies for every write: whatever is refused is refused with a documented status."""
    import schemathesis
    from hypothesis import HealthCheck, Phase, given
    from hypothesis import settings as hypothesis_settings
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    from accounts.tokens import token_create

    _token, raw = token_create(user=officer, name="schemathesis", expires_at=timezone.now() + timedelta(days=1))
    headers = {"Authorization": f"Bearer {raw}"}
    schema = schemathesis.openapi.from_dict(yaml.safe_load(generate_schema_yaml())).include(
        method=["POST", "PUT", "PATCH"]
    )
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    for operation in [result.ok() for result in schema.get_all_operations()]:

        @hypothesis_settings(
            max_examples=4,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case):
            case.call_and_validate(app=wsgi_app, headers=headers, checks=checks)

        run()
