"""Restoration funds with their ledger, and the caller's own notices, through the API."""

from decimal import Decimal

import pytest

from notifications.models import Notice
from restoration.services.funds import fund_account_for, fund_record

pytestmark = pytest.mark.usefixtures("fresh_cache")


@pytest.fixture
def funds(mine_a, mine_b, officer):
    a, b = fund_account_for(mine_a), fund_account_for(mine_b)
    fund_record(account_id=a.pk, user=officer, kind="deposit", amount=Decimal("50000.00"), memo="首次存入")
    fund_record(account_id=a.pk, user=officer, kind="accrual", amount=Decimal("1234.56"))
    return a, b


@pytest.mark.parametrize(
    "role, sees",
    [
        ("officer", {0, 1}),
        ("county_officer", {1}),
        ("company_user", {0}),
        ("company_b_user", {1}),
        ("contractor_user", set()),
        ("outsider", set()),
    ],
)
def test_each_role_sees_the_funds_of_its_scope(request, api_for, funds, role, sees):
    client = api_for(request.getfixturevalue(role))
    expected = {funds[i].pk for i in sees}
    assert {row["id"] for row in client.get("/api/v1/funds/").json()["results"]} == expected
    for fund in funds:
        status = 200 if fund.pk in expected else 404
        assert client.get(f"/api/v1/funds/{fund.pk}/").status_code == status
        assert client.get(f"/api/v1/funds/{fund.pk}/entries/").status_code == status


def test_a_fund_shows_its_balance_and_its_ledger_in_order(api_for, funds, company_user, officer):
    client = api_for(company_user)
    fund = client.get(f"/api/v1/funds/{funds[0].pk}/").json()
    assert fund["balance"] == "51234.56" and fund["mine"]["id"] == funds[0].mine_id
    entries = client.get(f"/api/v1/funds/{funds[0].pk}/entries/").json()["results"]
    assert [(e["kind"], e["amount"]) for e in entries] == [("deposit", "50000.00"), ("accrual", "1234.56")]
    assert entries[0]["created_by"]["id"] == officer.pk and entries[0]["memo"] == "首次存入"
    only = client.get(f"/api/v1/funds/{funds[0].pk}/entries/", {"kind": "accrual"}).json()["results"]
    assert [e["kind"] for e in only] == ["accrual"]
    one = client.get(f"/api/v1/funds/{funds[0].pk}/entries/{entries[0]['id']}/")
    assert one.status_code == 200 and one.json()["amount"] == "50000.00"
    assert client.get(f"/api/v1/funds/{funds[1].pk}/entries/{entries[0]['id']}/").status_code == 404


def test_funds_filter_by_county_and_company(api_for, funds, officer, pinglu):
    client = api_for(officer)
    assert [r["id"] for r in client.get("/api/v1/funds/", {"county": pinglu.pk}).json()["results"]] == [funds[1].pk]
    company = funds[0].mine.company_id
    assert [r["id"] for r in client.get("/api/v1/funds/", {"company": company}).json()["results"]] == [funds[0].pk]


def test_the_ledger_cannot_be_written_through_the_api(api_for, funds, officer):
    client = api_for(officer)
    assert client.post(f"/api/v1/funds/{funds[0].pk}/entries/", {}, format="json").status_code == 405
    assert client.patch(f"/api/v1/funds/{funds[0].pk}/", {}, format="json").status_code == 405


# ---------------------------------------------------------------- notices


@pytest.fixture
def notices(officer, supervisor):
    mine = [Notice.objects.create(recipient=officer, kind="before", title=f"期限提醒 {i}") for i in range(3)]
    theirs = Notice.objects.create(recipient=supervisor, kind="escalation", title="升级提醒")
    return mine, theirs


def test_a_user_lists_only_their_own_notices_newest_first(api_for, notices, officer):
    mine, theirs = notices
    rows = api_for(officer).get("/api/v1/notifications/").json()["results"]
    assert [r["id"] for r in rows] == sorted((n.pk for n in mine), reverse=True)
    assert all(r["read"] is False for r in rows)
    assert api_for(officer).get(f"/api/v1/notifications/{theirs.pk}/").status_code == 404


def test_a_user_marks_one_notice_read_and_then_all(api_for, notices, officer):
    mine, theirs = notices
    client = api_for(officer)
    response = client.post(f"/api/v1/notifications/{mine[0].pk}/read/")
    assert response.status_code == 200 and response.json()["read"] is True
    assert [r["id"] for r in client.get("/api/v1/notifications/", {"unread": "true"}).json()["results"]] == [
        mine[2].pk,
        mine[1].pk,
    ]
    assert client.post(f"/api/v1/notifications/{theirs.pk}/read/").status_code == 404
    assert client.post("/api/v1/notifications/read-all/").json() == {"count": 2}
    theirs.refresh_from_db()
    assert theirs.read_at is None
