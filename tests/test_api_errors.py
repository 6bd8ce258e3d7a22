"""One error shape everywhere, in the request's language; never an HTML page, never a 500 for bad input."""

import json
import random

import pytest
from django.test import Client

from restoration.choices import CaseKind
from restoration.services import workflow

pytestmark = pytest.mark.usefixtures("fresh_cache")

SHAPE = {"code", "message", "fields"}


def assert_error(response, status=None):
    assert response.status_code < 500, (response.status_code, response.content[:500])
    if status is not None:
        assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == SHAPE, body
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["fields"], dict)
    return body


@pytest.fixture
def case(company_user, mine_a):
    return workflow.case_open(user=company_user, kind=CaseKind.CLOSURE, mine=mine_a)


# ---------------------------------------------------------------- language


def test_messages_are_chinese_by_default_and_english_when_asked(api_for, officer, company_b_user, case):
    client = api_for(company_b_user)
    zh = assert_error(client.post(f"/api/v1/cases/{case.pk}/withdraw/"), 404)
    assert zh["message"] == "未找到该案件，或您无权查看。"
    en = assert_error(client.post(f"/api/v1/cases/{case.pk}/withdraw/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.8"), 404)
    assert en["message"] == "No such case."
    wrong = assert_error(api_for(officer).post(f"/api/v1/cases/{case.pk}/withdraw/"), 403)
    assert "矿山企业" in wrong["message"]
    wrong_en = api_for(officer).post(f"/api/v1/cases/{case.pk}/withdraw/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert "mining company" in wrong_en["message"]


def test_the_language_cookie_wins_and_drf_messages_follow_too(client, api_for, officer):
    assert_error(client.get("/api/v1/cases/"), 401)
    assert client.get("/api/v1/cases/").json()["message"] == "身份认证信息未提供。"
    client.cookies["django_language"] = "en"
    response = client.get("/api/v1/cases/", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert response.json()["message"] == "Authentication credentials were not provided."
    assert response["Content-Language"] == "en"
    body = assert_error(api_for(officer).get("/api/v1/cases/", {"county": "x"}, HTTP_ACCEPT_LANGUAGE="en"), 400)
    assert body["fields"]["county"] == ["Enter a whole number."]


def test_labels_follow_the_language_but_the_pages_still_ignore_accept_language(client_for, api_for, officer, case):
    assert api_for(officer).get(f"/api/v1/cases/{case.pk}/").json()["state_display"] == "草稿"
    english = api_for(officer).get(f"/api/v1/cases/{case.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["state_display"] == "Draft"
    page = client_for(officer).get("/mines/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "采矿许可证号" in page


# ---------------------------------------------------------------- never HTML, never 500


@pytest.mark.parametrize(
    "path",
    [
        "/api/",
        "/api/v2/cases/",
        "/api/v1/nothing/",
        "/api/v1/cases/abc/",
        "/api/v1/cases/-1/",
        "/api/v1/cases/1e5/",
        "/api/v1/cases/1234567890123456789012345/",
        "/api/v1/cases/999999999999999999/",
        "/api/v1/cases/0/events/",
        "/api/v1/cases/1/not_an_action/",
        "/api/v1/cases/%00/",
        "/api/v1/mines/1/../../",
        "/api/v1/funds/abc/entries/",
    ],
)
def test_unknown_or_malformed_urls_are_json_404(api_for, officer, path):
    assert_error(api_for(officer).get(path), 404)


def test_a_wrong_method_is_json_405(api_for, officer):
    body = assert_error(api_for(officer).put("/api/v1/cases/", {}, format="json"), 405)
    assert body["code"] == "method_not_allowed"


BAD_QUERIES = [
    {"county": "abc"},
    {"county": "1.5"},
    {"county": "99999999999999999999999999"},
    {"state": "nope"},
    {"deadline_after": "2020-13-45"},
    {"due_before": "yesterday"},
    {"created_before": "9999999-01-01"},
    {"overdue": "maybe"},
    {"ordering": "title"},
    {"ordering": "-"},
    {"cursor": "not-a-cursor"},
    {"cursor": "eyJvIjoiLWlkIiwidiI6WyJ4Il19"},  # a cursor with a non-numeric id
    {"cursor": "eyJvIjoiaWQiLCJ2IjpbMV19"},  # a cursor made for another ordering
    {"page_size": "0"},
    {"page_size": "-3"},
    {"page_size": "99999999999999999999"},
    {"search": "\x00"},
    {"search": "x" * 5000},
]


@pytest.mark.parametrize("params", BAD_QUERIES)
def test_bad_filters_are_400_or_ignored_never_500(api_for, officer, case, params):
    response = api_for(officer).get("/api/v1/cases/", params)
    if response.status_code == 200:
        assert "results" in response.json()
    else:
        assert_error(response, 400)


@pytest.mark.parametrize("page", ["abc", "0", "-1", "99999999999999999999999", "1.5"])
def test_a_bad_page_number_is_json_not_500(api_for, officer, page):
    assert_error(api_for(officer).get("/api/v1/counties/", {"page": page}), 404)


@pytest.mark.parametrize(
    "body, content_type, status",
    [
        ("{not json", "application/json", 400),
        ("[1, 2, 3]", "application/json", 400),
        ('"a string"', "application/json", 400),
        ('{"inspected_on": "2020-02-30", "passed": "perhaps"}', "application/json", 400),
        ('{"inspected_on": {"$gt": 1}, "inspectors": [1], "findings": null, "passed": true}', "application/json", 400),
        ('{"area_restored_ha": "1e999999", "inspected_on": "2026-01-01", "passed": true}', "application/json", 400),
        ('{"area_restored_ha": 1e308, "inspected_on": "2026-01-01", "passed": true}', "application/json", 400),
        (json.dumps({"photos": [10**30], "inspected_on": "2026-01-01", "passed": True}), "application/json", 400),
        ('{"findings": "\\u0000", "inspected_on": "2026-01-01", "passed": true}', "application/json", 400),
        ("<xml/>", "application/xml", 415),
        ("a=1", "text/plain", 415),
        ("--x\r\nbroken", "multipart/form-data; boundary=x", 400),
        ("--x\r\nbroken", "multipart/form-data", 400),
    ],
)
def test_garbage_bodies_are_400_or_415_with_the_error_shape(api_for, officer, case, body, content_type, status):
    response = api_for(officer).generic(
        "POST", f"/api/v1/cases/{case.pk}/record_inspection/", body, content_type=content_type
    )
    assert_error(response, status)


def test_huge_numbers_in_writes_are_refused_not_crashed(api_for, officer, mine_a):
    client = api_for(officer)
    for value in ("1" * 40, "1e400", "-0.000000001", "NaN", "Infinity"):
        response = client.patch(f"/api/v1/mines/{mine_a.pk}/", {"design_capacity": value}, format="json")
        assert_error(response, 400)
    response = client.patch(f"/api/v1/mines/{mine_a.pk}/", {"company": 10**30}, format="json")
    assert_error(response, 400)
    response = client.post("/api/v1/cases/", {"kind": "closure", "mine": 10**30}, format="json")
    assert_error(response)
    response = client.post("/api/v1/historical-sites/", {"boundary": {"type": "Polygon", "x": "\u0000"}}, format="json")
    assert_error(response, 400)


def test_an_unexpected_error_is_a_json_500_for_the_api_and_html_elsewhere(officer, monkeypatch):
    from restoration.api import views

    def broken(self, request, pk=None):
        raise RuntimeError("boom")

    monkeypatch.setattr(views.CaseViewSet, "retrieve", broken)
    client = Client(raise_request_exception=False)
    client.force_login(officer)
    response = client.get("/api/v1/cases/1/")
    assert response.status_code == 500
    assert response.json()["code"] == "server_error" and set(response.json()) == SHAPE


def test_the_json_handlers_leave_the_pages_alone(client_for, officer):
    response = client_for(officer).get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_csrf_failure_on_the_api_is_json(officer):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(officer)
    body = assert_error(client.post("/api/v1/notifications/read-all/"), 403)
    assert "CSRF" in body["message"]


# ---------------------------------------------------------------- a small fuzz


GARBAGE = [
    "",
    "0",
    "-1",
    "1e9",
    "9" * 30,
    "null",
    "true",
    "[]",
    "{}",
    "\x00",
    "'; DROP TABLE cases; --",
    "../../etc/passwd",
    "%s%s%s",
    "\ud800" if False else "\u202e",
    "2026-02-30",
    "２０２６",
    "朔城区",
]
FUZZED = [
    (
        "get",
        "/api/v1/cases/",
        ["county", "state", "kind", "deadline_after", "ordering", "cursor", "page_size", "search"],
    ),
    ("get", "/api/v1/mines/", ["county", "mineral", "green", "licence_valid_to_before", "ordering", "cursor"]),
    ("get", "/api/v1/historical-sites/", ["status", "damage_type", "zone", "key_project", "ordering"]),
    ("get", "/api/v1/companies/", ["search", "page", "page_size"]),
    ("get", "/api/v1/green-mine-listings/", ["listed_on_after", "level", "status", "page"]),
    ("get", "/api/v1/notifications/", ["unread", "kind", "cursor"]),
]


def test_fuzzed_filters_and_bodies_never_make_a_server_error(api_for, officer, case, mine_a):
    rng = random.Random(20251130)  # noqa: S311 (a repeatable fuzz, not cryptography)
    client = api_for(officer)
    for _round in range(12):
        for _method, path, names in FUZZED:
            params = {name: rng.choice(GARBAGE) for name in rng.sample(names, k=min(3, len(names)))}
            response = client.get(path, params)
            assert response.status_code < 500, (path, params, response.content[:300])
            if response.status_code != 200:
                assert_error(response)
    bodies = [
        {key: rng.choice(GARBAGE + [10**25, -5, 3.5, None, [], {}]) for key in rng.sample(keys, k=2)}
        for keys in (["reason", "note", "text"], ["inspected_on", "passed", "inspectors", "area_restored_ha"]) * 10
    ]
    for body in bodies:
        for action in ("withdraw", "record_inspection", "comment", "propose_delegation", "assign"):
            response = client.post(f"/api/v1/cases/{case.pk}/{action}/", body, format="json")
            assert response.status_code < 500, (action, body, response.content[:300])
            if response.status_code >= 400:
                assert_error(response)
        response = client.patch(f"/api/v1/mines/{mine_a.pk}/", body | {"latitude": body.get("note")}, format="json")
        assert response.status_code < 500, (body, response.content[:300])
