"""Personal API tokens (profile page and API), sessions, rate limits, and the log-in limit."""

import hashlib
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.tokens import TOUCH_INTERVAL, token_create
from tests.conftest import PASSWORD

pytestmark = pytest.mark.usefixtures("fresh_cache")


def bearer(raw):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def new_token(user, days=30, name="机器"):
    return token_create(user=user, name=name, expires_at=timezone.now() + timedelta(days=days))


# ---------------------------------------------------------------- the profile page


def test_the_header_links_the_user_name_to_the_profile_page(client_for, officer):
    body = client_for(officer).get(reverse("home")).content.decode()
    assert f'href="{reverse("profile")}"' in body


def test_a_user_creates_a_token_on_the_profile_page_and_sees_it_once(client_for, company_user):
    client = client_for(company_user)
    response = client.post(reverse("token-create"), {"name": "ERP 对接", "valid_for": "90"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get(user=company_user)
    raw = next(word for word in response.content.decode().split('"') if word.startswith("szr_"))
    assert hashlib.sha256(raw.encode()).hexdigest() == token.key_hash
    assert raw not in client.get(reverse("profile")).content.decode()
    assert token.prefix in client.get(reverse("profile")).content.decode()
    assert timedelta(days=89) < token.expires_at - timezone.now() <= timedelta(days=90)


def test_the_token_is_stored_only_as_its_sha256(company_user):
    token, raw = new_token(company_user)
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert raw not in str(row)
    assert row["key_hash"] == hashlib.sha256(raw.encode()).hexdigest()
    assert raw.startswith(row["prefix"]) and len(row["prefix"]) == 12


def test_a_token_form_without_a_name_is_shown_again_with_the_error(client_for, officer):
    response = client_for(officer).post(reverse("token-create"), {"name": "", "valid_for": "30"})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_a_user_revokes_a_token_on_the_profile_page_and_it_stops_working(client_for, officer):
    token, raw = new_token(officer)
    assert bearer(raw).get("/api/v1/me/").status_code == 200
    response = client_for(officer).post(reverse("token-revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    response = bearer(raw).get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "token_revoked"


def test_nobody_revokes_another_users_token(client_for, officer, supervisor):
    token, raw = new_token(officer)
    client_for(supervisor).post(reverse("token-revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is None


# ---------------------------------------------------------------- tokens in the API


def test_the_api_creates_a_token_with_the_session_and_shows_it_once(client_for, officer):
    client = client_for(officer)
    expires = (timezone.now() + timedelta(days=10)).isoformat()
    response = client.post("/api/v1/tokens/", {"name": "county system", "expires_at": expires}, format="json")
    assert response.status_code == 201, response.content
    raw = response.json()["token"]
    assert response.json()["status"] == "active"
    assert bearer(raw).get("/api/v1/me/").json()["username"] == "officer"
    listed = client.get("/api/v1/tokens/").json()["results"]
    assert [t["prefix"] for t in listed] == [raw[:12]] and "token" not in listed[0]


def test_a_token_cannot_make_more_tokens(api_for, officer):
    expires = (timezone.now() + timedelta(days=10)).isoformat()
    response = api_for(officer).post("/api/v1/tokens/", {"name": "x", "expires_at": expires}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "session_required"


@pytest.mark.parametrize("days", [-1, 366])
def test_a_token_expires_in_the_future_and_within_a_year(client_for, officer, days):
    expires = (timezone.now() + timedelta(days=days)).isoformat()
    response = client_for(officer).post("/api/v1/tokens/", {"name": "x", "expires_at": expires}, format="json")
    assert response.status_code == 400
    assert "expires_at" in response.json()["fields"]
    assert not ApiToken.objects.exists()


def test_the_api_revokes_a_token(api_for, officer):
    token, raw = new_token(officer)
    response = api_for(officer).post(f"/api/v1/tokens/{token.pk}/revoke/")
    assert response.status_code == 200 and response.json()["status"] == "revoked"
    assert bearer(raw).get("/api/v1/me/").status_code == 401


def test_another_users_token_is_404_in_the_api(api_for, officer, supervisor):
    token, _raw = new_token(officer)
    assert api_for(supervisor).post(f"/api/v1/tokens/{token.pk}/revoke/").status_code == 404
    assert api_for(supervisor).get(f"/api/v1/tokens/{token.pk}/").status_code == 404


def test_an_expired_token_is_401_with_the_error_shape(officer):
    token, raw = new_token(officer)
    now = timezone.now()
    ApiToken.objects.filter(pk=token.pk).update(
        created_at=now - timedelta(days=2), expires_at=now - timedelta(seconds=1)
    )
    response = bearer(raw).get("/api/v1/cases/")
    assert response.status_code == 401
    assert response.json() == {"code": "token_expired", "message": response.json()["message"], "fields": {}}
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Bearer szr_not-a-real-token", "Bearer", "Bearer a b", "Bearer \u00e9"])
def test_an_unknown_or_malformed_token_is_401(db, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/cases/")
    assert response.status_code == 401
    assert set(response.json()) == {"code", "message", "fields"}


def test_a_token_of_a_disabled_user_is_401(officer):
    _token, raw = new_token(officer)
    officer.is_active = False
    officer.save()
    assert bearer(raw).get("/api/v1/me/").status_code == 401


def test_without_credentials_the_api_answers_401_json(client):
    response = client.get("/api/v1/mines/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_last_used_is_written_at_most_once_a_minute(officer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    token, raw = new_token(officer)
    client = bearer(raw)
    client.get("/api/v1/me/")
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    with CaptureQueriesContext(connection) as queries:
        client.get("/api/v1/me/")
    assert not [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    token.refresh_from_db()
    assert token.last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - TOUCH_INTERVAL - timedelta(seconds=1))
    client.get("/api/v1/me/")
    token.refresh_from_db()
    assert token.last_used_at > first


def test_a_company_users_token_sees_only_its_company(api_for, company_user, mine_a, mine_b):
    client = api_for(company_user)
    assert [m["id"] for m in client.get("/api/v1/mines/").json()["results"]] == [mine_a.pk]
    assert client.get(f"/api/v1/mines/{mine_b.pk}/").status_code == 404
    assert [c["id"] for c in client.get("/api/v1/companies/").json()["results"]] == [mine_a.company_id]
    assert client.get(f"/api/v1/companies/{mine_b.company_id}/").status_code == 404


def test_a_session_write_needs_the_csrf_token(officer):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(officer)
    response = client.post("/api/v1/companies/", {"name": "x"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


# ---------------------------------------------------------------- rate limits


def test_tokens_and_anonymous_callers_are_throttled_with_the_error_shape(officer, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"token": "3/min", "anon": "2/min"})
    _token, raw = new_token(officer)
    client = bearer(raw)
    assert [client.get("/api/v1/me/").status_code for _ in range(4)] == [200, 200, 200, 429]
    response = client.get("/api/v1/me/")
    assert response.json()["code"] == "throttled" and int(response["Retry-After"]) > 0
    _other, raw2 = new_token(officer, name="another")
    assert bearer(raw2).get("/api/v1/me/").status_code == 200, "counted per token"
    anonymous = APIClient()
    assert [anonymous.get("/api/v1/schema/").status_code for _ in range(3)][-1] == 429


# ---------------------------------------------------------------- the log-in limit


def _login(client, username, password=None):
    return client.post(reverse("login"), {"username": username, "password": password or "not the password"})


def test_ten_failed_log_ins_lock_the_username_from_that_address(client, officer, settings):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        assert _login(client, "officer").status_code == 200
    response = _login(client, "officer", PASSWORD)
    assert response.status_code == 429
    assert "15" in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated
    # Another username from the same address is not locked by these failures.
    assert _login(client, "supervisor").status_code == 200


def test_a_successful_log_in_clears_the_failures(client, officer, settings):
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        _login(client, "officer")
    assert _login(client, "officer", PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        _login(client, "officer")
    assert _login(client, "officer", PASSWORD).status_code == 302


def test_the_lock_is_per_address(client, officer, settings):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        _login(client, "OFFICER")
    other = type(client)(REMOTE_ADDR="10.0.0.9")
    assert _login(other, "officer", PASSWORD).status_code == 302


def test_a_locked_log_in_does_not_even_check_the_password(client, officer, settings, monkeypatch):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        _login(client, "officer")
    checked = []
    monkeypatch.setattr("django.contrib.auth.forms.authenticate", lambda *a, **k: checked.append(1))
    response = _login(client, "officer", PASSWORD)
    assert response.status_code == 429 and checked == []
    assert 'value="officer"' in response.content.decode()
