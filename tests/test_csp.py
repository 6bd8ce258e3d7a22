"""A content security policy on every page: scripts only from the site's own files, nothing
inline; the pages still work under it (no violation in a real browser)."""

import pytest
from django.urls import reverse

from tests.test_e2e_closure import Person, browser  # noqa: F401  (the shared browser fixture)


@pytest.mark.parametrize(
    "url_name", ["home", "dashboard", "mine-list", "case-list", "fund-list", "inbox", "disclosure", "login", "map"]
)
def test_every_page_carries_a_policy_without_inline_script(client_for, officer, url_name):
    response = client_for(officer).get(reverse(url_name))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert b"<script>" not in response.content, "no inline script in the markup"


def test_the_admin_and_the_api_docs_carry_it_too(client_for, officer):
    client = client_for(officer)
    for url in ("/admin/", "/api/v1/docs/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "script-src 'self'" in response["Content-Security-Policy"], url
        assert b"<script>" not in response.content, url


def test_a_download_keeps_its_own_stricter_policy(
    client_for, mine_a, company_user, officer, supervisor, contractor_org
):
    from tests.factories import Closure

    case = Closure(
        mine=mine_a, company_user=company_user, officer=officer, supervisor=supervisor, contractor_org=contractor_org
    ).to("submitted")
    evidence = case.evidence.first()
    response = client_for(company_user).get(evidence.get_download_url())
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_pages_work_under_the_policy_in_a_browser(browser, live_server, officer, mine_a, site_in_project):  # noqa: F811
    from tests.conftest import PASSWORD

    person = Person(browser, live_server.url, officer.username)
    violations = []
    person.page.on(
        "console",
        lambda m: violations.append(f"{person.page.url}: {m.text}") if "Content Security Policy" in m.text else None,
    )
    person.page.goto("/accounts/login/")
    person.page.fill("#id_username", officer.username)
    person.page.fill("#id_password", PASSWORD)
    person.submit(person.page.locator(".login-card button[type=submit]"))
    for path in ("/", "/dashboard/", "/map/", f"/mines/{mine_a.pk}/", "/funds/", "/admin/", "/admin/mines/mine/"):
        person.page.goto(path)
        person.page.wait_for_load_state("networkidle")
    person.page.goto("/api/v1/docs/")
    person.page.wait_for_selector(".swagger-ui .opblock", timeout=15_000)
    assert violations == []
