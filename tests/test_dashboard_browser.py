"""The dashboard, the evaluation report and the public page load in headless Chromium with no
script error, and their charts are drawn (ECharts from static files, no CDN)."""

import pytest

from tests.test_e2e_closure import Person, browser  # noqa: F401  (the shared browser fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_dashboard_and_the_evaluation_report_draw_their_charts(browser, live_server, officer):  # noqa: F811
    person = Person(browser, live_server.url, officer.username)
    person.page.goto("/accounts/login/")
    person.page.fill("#id_username", officer.username)
    from tests.conftest import PASSWORD

    person.page.fill("#id_password", PASSWORD)
    person.submit(person.page.locator(".login-card button[type=submit]"))
    outside = []
    person.page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None)
    for path, charts in (("/dashboard/", 3), ("/evaluation/?period=mid", 3)):
        person.goto(path)
        person.page.wait_for_selector('[data-chart][data-drawn="true"]')
        drawn = person.page.locator('[data-chart][data-drawn="true"]')
        assert drawn.count() == charts, path
        assert person.page.locator("[data-chart] svg").count() == charts
    assert outside == [], "nothing is fetched from outside the server"


def test_the_public_page_loads_for_an_anonymous_visitor_without_errors(browser, live_server, mine_a):  # noqa: F811
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    response = page.goto("/public/")
    assert response.ok
    assert page.locator("[data-target]").count() == 5
    assert errors == []
    context.close()
