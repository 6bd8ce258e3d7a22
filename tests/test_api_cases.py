"""Cases through the API: what each role sees, opening, every workflow action (happy path, wrong
state 409, wrong role 403, outsider 404, four eyes), comments and assignment, the timeline and
inspections, and keyset pagination with filters."""

from datetime import timedelta

import pytest
from django.utils import timezone

from mines.choices import GreenMineStatus, SiteStatus
from mines.models import GreenMineListing
from restoration.choices import CaseKind, CaseState
from restoration.models import Case, CaseEvent
from restoration.services import workflow
from tests.factories import Closure, pdf_file, png_file, upload

S = CaseState
pytestmark = pytest.mark.usefixtures("fresh_cache")


@pytest.fixture
def closure(mine_a, company_user, officer, supervisor, contractor_org):
    return Closure(
        mine=mine_a, company_user=company_user, officer=officer, supervisor=supervisor, contractor_org=contractor_org
    )


def step(client, case, action, data=None):
    return client.post(f"/api/v1/cases/{case.pk}/{action}/", data or {}, format="json")


def upload_api(client, case, *files, kind="photo"):
    return client.post(f"/api/v1/cases/{case.pk}/evidence/", {"files": list(files), "kind": kind}, format="multipart")


def today():
    return timezone.localdate()


# ---------------------------------------------------------------- reading


@pytest.fixture
def two_closures(mine_a, mine_b, company_user, company_b_user):
    return (
        workflow.case_open(user=company_user, kind=CaseKind.CLOSURE, mine=mine_a),
        workflow.case_open(user=company_b_user, kind=CaseKind.CLOSURE, mine=mine_b),
    )


@pytest.mark.parametrize(
    "role, sees",
    [
        ("officer", {0, 1}),
        ("supervisor", {0, 1}),
        ("county_officer", {1}),
        ("company_user", {0}),
        ("company_b_user", {1}),
        ("contractor_user", set()),
        ("outsider", set()),
    ],
)
def test_each_role_lists_and_reads_the_cases_of_its_scope(request, api_for, two_closures, role, sees):
    client = api_for(request.getfixturevalue(role))
    expected = {two_closures[i].pk for i in sees}
    listed = {row["id"] for row in client.get("/api/v1/cases/").json()["results"]}
    assert listed == expected
    for case in two_closures:
        for path in ("", "events/", "evidence/", "inspections/"):
            response = client.get(f"/api/v1/cases/{case.pk}/{path}")
            assert response.status_code == (200 if case.pk in expected else 404), (path, response.content)


def test_the_case_detail_has_its_orders_delegations_and_the_callers_actions(api_for, closure):
    case = closure.to(S.DELEGATED_TREATMENT)
    data = api_for(closure.officer).get(f"/api/v1/cases/{case.pk}/").json()
    assert data["state"] == "delegated_treatment" and data["contractor"]["id"] == closure.contractor_org.pk
    assert len(data["orders"]) == 1 and data["orders"][0]["status"] == "approved"
    assert data["delegations"][0]["cost_estimate"] == "80000.00"
    assert "record_treatment_cost" in data["actions"] and "approve" not in data["actions"]
    company_view = api_for(closure.company_user).get(f"/api/v1/cases/{case.pk}/").json()
    assert company_view["actions"] == []


def test_the_timeline_lists_every_step_with_who_did_it(api_for, closure):
    case = closure.to(S.RECTIFICATION_ORDERED)
    events = api_for(closure.company_user).get(f"/api/v1/cases/{case.pk}/events/").json()["results"]
    assert [e["id"] for e in events] == sorted(e["id"] for e in events)
    transitions = [(e["from_state"], e["to_state"]) for e in events if e["kind"] in ("transition", "approved")]
    assert ("draft", "submitted") in transitions and ("rectification_proposed", "rectification_ordered") in transitions
    assert {e["actor"]["name"] for e in events if e["actor"]} >= {str(closure.officer), str(closure.supervisor)}
    inspections = api_for(closure.company_user).get(f"/api/v1/cases/{case.pk}/inspections/").json()["results"]
    assert len(inspections) == 1 and inspections[0]["passed"] is False


# ---------------------------------------------------------------- opening


def test_a_company_opens_its_closure_application(api_for, company_user, mine_a):
    response = api_for(company_user).post("/api/v1/cases/", {"kind": "closure", "mine": mine_a.pk}, format="json")
    assert response.status_code == 201, response.content
    case = Case.objects.get(pk=response.json()["id"])
    assert case.state == S.DRAFT and case.created_by == company_user
    assert response.json()["actions"] == ["submit", "withdraw"]


def test_opening_is_refused_like_the_page_refuses_it(api_for, company_user, officer, mine_a, mine_b, site_elsewhere):
    client = api_for(company_user)
    assert client.post("/api/v1/cases/", {"kind": "closure", "mine": mine_b.pk}, format="json").status_code == 404
    response = client.post(
        "/api/v1/cases/", {"kind": "annual_inspection", "mine": mine_a.pk, "deadline": "2099-01-01"}, format="json"
    )
    assert response.status_code == 403 and response.json()["code"] == "role"
    assert client.post("/api/v1/cases/", {"kind": "closure"}, format="json").json()["fields"].keys() == {"mine"}
    client.post("/api/v1/cases/", {"kind": "closure", "mine": mine_a.pk}, format="json")
    response = client.post("/api/v1/cases/", {"kind": "closure", "mine": mine_a.pk}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "duplicate"
    response = api_for(officer).post(
        "/api/v1/cases/", {"kind": "historical_site", "mine": mine_a.pk, "site": site_elsewhere.pk}, format="json"
    )
    assert response.status_code == 400 and set(response.json()["fields"]) == {"mine"}
    response = api_for(officer).post("/api/v1/cases/", {"kind": "annual_inspection", "mine": mine_a.pk}, format="json")
    assert response.status_code == 400 and "deadline" in response.json()["fields"]
    assert Case.objects.count() == 1


# ---------------------------------------------------------------- the closure chain, action by action


def payload(action, closure, client):
    """The body for each action, and any upload it needs first (as the company would do)."""
    if action == "submit":
        assert upload_api(client, closure.case, pdf_file(), kind="impact_assessment").status_code == 201
        assert upload_api(client, closure.case, png_file(), kind="photo").status_code == 201
        return {}
    if action == "withdraw":
        return {"reason": "暂不闭坑"}
    if action == "record_inspection_pass":
        return {"inspected_on": today().isoformat(), "inspectors": "王", "findings": "合格", "passed": True}
    if action == "record_inspection_fail":
        return {
            "inspected_on": today().isoformat(),
            "inspectors": "王",
            "findings": "不合格",
            "passed": False,
            "order_requirements": "覆土绿化",
            "order_deadline": (today() + timedelta(days=60)).isoformat(),
        }
    if action == "reject":
        return {"reason": "期限过短"}
    if action == "submit_rectification":
        assert upload_api(client, closure.case, png_file("整改后.png", color=(1, 2, 3))).status_code == 201
        return {"note": "已整改"}
    if action == "propose_delegation":
        return {"contractor": closure.contractor_org.pk, "cost_estimate": "90000"}
    if action == "record_treatment_cost":
        return {"actual_cost": "1000"}
    if action == "report_treatment_done":
        return {"note": "完工"}
    return {}


def url_action(action):
    return action.removesuffix("_pass").removesuffix("_fail")


# (action, the state it needs, a user allowed to do it, a role that may not, the state after)
TRANSITIONS = [
    ("submit", S.DRAFT, "company_user", "officer", S.SUBMITTED),
    ("withdraw", S.SUBMITTED, "company_user", "officer", S.WITHDRAWN),
    ("accept_for_review", S.SUBMITTED, "officer", "company_user", S.UNDER_REVIEW),
    ("record_inspection_pass", S.UNDER_REVIEW, "officer", "company_user", S.AWAITING_APPROVAL),
    ("record_inspection_fail", S.UNDER_REVIEW, "officer", "company_user", S.RECTIFICATION_PROPOSED),
    ("approve", S.RECTIFICATION_PROPOSED, "supervisor", "officer", S.RECTIFICATION_ORDERED),
    ("reject", S.RECTIFICATION_PROPOSED, "supervisor", "company_user", S.UNDER_REVIEW),
    ("submit_rectification", S.RECTIFICATION_ORDERED, "company_user", "officer", S.UNDER_REVIEW),
    ("propose_delegation", S.OVERDUE, "officer", "company_user", S.DELEGATION_PROPOSED),
    ("record_treatment_cost", S.DELEGATED_TREATMENT, "officer", "company_user", S.DELEGATED_TREATMENT),
    ("report_treatment_done", S.DELEGATED_TREATMENT, "contractor_user", "company_user", S.DELEGATED_TREATMENT),
]


@pytest.mark.parametrize("action, state, allowed, _forbidden, after", TRANSITIONS)
def test_each_action_moves_the_case_and_answers_it(
    request, api_for, closure, action, state, allowed, _forbidden, after
):
    case = closure.to(state)
    user = request.getfixturevalue(allowed)
    client = api_for(user)
    body = payload(action, closure, api_for(closure.company_user) if action == "submit" else client)
    before = CaseEvent.objects.filter(case=case).count()
    response = step(client, case, url_action(action), body)
    assert response.status_code == 200, response.content
    assert response.json()["state"] == after and response.json()["id"] == case.pk
    case.refresh_from_db()
    assert case.state == after
    assert CaseEvent.objects.filter(case=case).count() > before
    assert CaseEvent.objects.filter(case=case).order_by("-pk").first().actor == user


@pytest.mark.parametrize("action, state, allowed, forbidden, _after", TRANSITIONS)
def test_each_action_is_403_for_a_role_without_the_right(
    request, api_for, closure, action, state, allowed, forbidden, _after
):
    case = closure.to(state)
    body = payload(action, closure, api_for(closure.company_user)) if action != "submit" else {}
    if action == "submit":
        upload(case, closure.company_user, pdf_file(), kind="impact_assessment")
        upload(case, closure.company_user, png_file(), kind="photo")
    response = step(api_for(request.getfixturevalue(forbidden)), case, url_action(action), body)
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "role" and response.json()["message"]
    case.refresh_from_db()
    assert case.state == state


@pytest.mark.parametrize("action, state, _allowed, _forbidden, _after", TRANSITIONS)
def test_each_action_is_404_for_an_outsider(
    api_for, closure, company_b_user, action, state, _allowed, _forbidden, _after
):
    case = closure.to(state)
    events = CaseEvent.objects.filter(case=case).count()
    response = step(api_for(company_b_user), case, url_action(action), {"reason": "x"})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    case.refresh_from_db()
    assert case.state == state and CaseEvent.objects.filter(case=case).count() == events


WRONG_STATE = [
    ("submit", S.UNDER_REVIEW, "company_user"),
    ("withdraw", S.UNDER_REVIEW, "company_user"),
    ("accept_for_review", S.DRAFT, "officer"),
    ("record_inspection_pass", S.SUBMITTED, "officer"),
    ("approve", S.UNDER_REVIEW, "supervisor"),
    ("reject", S.SUBMITTED, "supervisor"),
    ("submit_rectification", S.UNDER_REVIEW, "company_user"),
    ("propose_delegation", S.RECTIFICATION_ORDERED, "officer"),
    ("record_treatment_cost", S.OVERDUE, "officer"),
]


@pytest.mark.parametrize("action, state, user_fixture", WRONG_STATE)
def test_each_action_is_409_in_the_wrong_state_naming_the_state(request, api_for, closure, action, state, user_fixture):
    case = closure.to(state)
    client = api_for(request.getfixturevalue(user_fixture))
    body = {
        "inspected_on": today().isoformat(),
        "inspectors": "王",
        "findings": "合格",
        "passed": True,
        "reason": "理由",
        "contractor": closure.contractor_org.pk,
        "cost_estimate": "1000",
        "actual_cost": "1000",
    }
    response = step(client, case, url_action(action), body)
    assert response.status_code == 409, response.content
    assert response.json()["code"] in ("state", "already_decided")
    assert str(case.get_state_display()) in response.json()["message"]
    case.refresh_from_db()
    assert case.state == state


def test_a_supervisor_cannot_approve_or_reject_what_they_proposed(api_for, closure, supervisor, supervisor2):
    closure.officer = supervisor
    case = closure.to(S.UNDER_REVIEW)
    client = api_for(supervisor)
    assert (
        step(client, case, "record_inspection", payload("record_inspection_fail", closure, client)).status_code == 200
    )
    for action, body in (("approve", {}), ("reject", {"reason": "自己驳回"})):
        response = step(client, case, action, body)
        assert response.status_code == 403 and response.json()["code"] == "four_eyes"
    assert step(api_for(supervisor2), case, "approve").json()["state"] == "rectification_ordered"


def test_a_second_approval_is_409_already_decided(api_for, closure, supervisor2):
    case = closure.to(S.RECTIFICATION_PROPOSED)
    assert step(api_for(closure.supervisor), case, "approve").status_code == 200
    response = step(api_for(supervisor2), case, "approve")
    assert response.status_code == 409 and response.json()["code"] == "already_decided"


def test_invalid_input_is_400_with_fields_and_changes_nothing(api_for, closure):
    case = closure.to(S.UNDER_REVIEW)
    client = api_for(closure.officer)
    response = step(client, case, "record_inspection", {"passed": False})
    assert response.status_code == 400 and {"inspected_on", "inspectors", "findings"} <= set(response.json()["fields"])
    body = payload("record_inspection_fail", closure, client) | {"order_requirements": ""}
    response = step(client, case, "record_inspection", body)
    assert response.status_code == 400 and "order_requirements" in response.json()["fields"]
    response = step(api_for(closure.supervisor), closure.to(S.RECTIFICATION_PROPOSED), "reject", {"reason": " "})
    assert response.status_code == 400 and response.json()["code"] == "reason_required"
    case.refresh_from_db()
    assert case.state == S.RECTIFICATION_PROPOSED


def test_submitting_without_the_required_files_says_what_is_missing(api_for, closure):
    case = closure.to(S.DRAFT)
    response = step(api_for(closure.company_user), case, "submit")
    assert response.status_code == 400 and response.json()["code"] == "evidence_missing"
    assert "矿山环境影响评估" in response.json()["message"]


def test_the_whole_closure_chain_runs_through_the_api(api_for, closure, contractor_user, supervisor2):
    company, officer, boss = (api_for(u) for u in (closure.company_user, closure.officer, closure.supervisor))
    case = closure.to(S.DRAFT)
    step(company, case, "submit", payload("submit", closure, company))
    step(officer, case, "accept_for_review")
    step(officer, case, "record_inspection", payload("record_inspection_fail", closure, officer))
    step(boss, case, "approve")
    workflow.cases_mark_overdue(today=closure.reload().deadline + timedelta(days=1))
    step(officer, case, "propose_delegation", payload("propose_delegation", closure, officer))
    step(boss, case, "approve")
    step(api_for(contractor_user), case, "report_treatment_done", {"note": "完工"})
    step(officer, case, "record_treatment_cost", {"actual_cost": "120000.00"})
    step(officer, case, "record_inspection", payload("record_inspection_pass", closure, officer))
    response = step(api_for(supervisor2), case, "approve", {"reason": "同意闭坑"})
    assert response.status_code == 200 and response.json()["state"] == "closed"
    closure.mine.refresh_from_db()
    assert closure.mine.production_status == "closed"


# ---------------------------------------------------------------- the other kinds


def test_a_green_mine_verification_ends_in_removal_through_the_api(api_for, officer, supervisor, mine_a):
    GreenMineListing.objects.create(mine=mine_a, level="provincial", listed_on="2020-06-01")
    client, boss = api_for(officer), api_for(supervisor)
    due = (today() + timedelta(days=10)).isoformat()
    response = client.post(
        "/api/v1/cases/", {"kind": "green_verification", "mine": mine_a.pk, "deadline": due}, format="json"
    )
    assert response.status_code == 201 and response.json()["state"] == "scheduled"
    case = Case.objects.get(pk=response.json()["id"])
    assert step(client, case, "start_inspection").json()["state"] == "under_review"
    fail = {
        "inspected_on": today().isoformat(),
        "inspectors": "王",
        "findings": "不达标",
        "passed": False,
        "order_requirements": "整改",
        "order_deadline": due,
    }
    step(client, case, "record_inspection", fail)
    step(boss, case, "approve")
    workflow.cases_mark_overdue(today=today() + timedelta(days=11))
    assert step(client, case, "propose_removal", {"reason": ""}).status_code == 400
    assert step(client, case, "propose_removal", {"reason": "逾期仍不达标"}).json()["state"] == "removal_proposed"
    assert step(boss, case, "approve").json()["state"] == "removed"
    assert GreenMineListing.objects.get(mine=mine_a).status == GreenMineStatus.REMOVED


def test_a_historical_site_is_treated_and_accepted_through_the_api(
    api_for, officer, supervisor, contractor_user, site_in_project
):
    client = api_for(officer)
    response = client.post("/api/v1/cases/", {"kind": "historical_site", "site": site_in_project.pk}, format="json")
    case = Case.objects.get(pk=response.json()["id"])
    for expected in ("surveyed", "designed", "under_treatment"):
        assert step(client, case, "advance_site", {"note": "完成"}).json()["state"] == expected
    contractor = api_for(contractor_user)
    assert contractor.get(f"/api/v1/cases/{case.pk}/").status_code == 200, "entrusted once under treatment"
    assert step(contractor, case, "request_acceptance").json()["state"] == "awaiting_acceptance"
    body = {"inspected_on": today().isoformat(), "inspectors": "王", "findings": "合格", "passed": True}
    body["area_restored_ha"] = "99"
    assert step(client, case, "record_inspection", body).json()["state"] == "awaiting_approval"
    assert step(api_for(supervisor), case, "approve").json()["state"] == "accepted"
    site_in_project.refresh_from_db()
    assert site_in_project.status == SiteStatus.ACCEPTED
    assert site_in_project.area_restored_ha == site_in_project.damaged_area_ha


# ---------------------------------------------------------------- comments and assignment


def test_everyone_who_sees_the_case_comments_and_outsiders_cannot(api_for, closure, company_b_user):
    case = closure.to(S.SUBMITTED)
    response = step(api_for(closure.company_user), case, "comment", {"text": "请尽快安排验收"})
    assert response.status_code == 200
    assert CaseEvent.objects.filter(case=case, kind="comment", reason="请尽快安排验收").exists()
    assert step(api_for(closure.company_user), case, "comment", {"text": "  "}).status_code == 400
    assert step(api_for(company_b_user), case, "comment", {"text": "hi"}).status_code == 404


def test_an_officer_assigns_a_colleague_who_can_see_the_county(api_for, closure, county_officer, supervisor):
    case = closure.to(S.SUBMITTED)
    client = api_for(closure.officer)
    response = step(client, case, "assign", {"officer": county_officer.pk})
    assert response.status_code == 400 and response.json()["code"] == "officer_scope"
    response = step(client, case, "assign", {"officer": supervisor.pk})
    assert response.status_code == 200 and response.json()["assigned_officer"]["id"] == supervisor.pk
    assert step(api_for(closure.company_user), case, "assign", {"officer": supervisor.pk}).status_code == 403


# ---------------------------------------------------------------- filters and keyset pagination


@pytest.fixture
def many_cases(officer, mine_a, mine_b):
    cases = []
    for i in range(7):
        mine = mine_a if i % 2 == 0 else mine_b
        case = workflow.case_open(
            user=officer, kind=CaseKind.ANNUAL_INSPECTION, mine=mine, deadline=today() + timedelta(days=i % 3 + 1)
        )
        cases.append(case)
    return cases


def walk(client, url, params):
    """Follow `next` links to the end; returns the ids in order and the pages."""
    seen, pages = [], []
    response = client.get(url, params)
    while True:
        body = response.json()
        pages.append(body)
        seen.extend(row["id"] for row in body["results"])
        if not body["next"]:
            return seen, pages
        response = client.get(body["next"])


@pytest.mark.parametrize("ordering", ["-id", "id", "number", "-number", "deadline", "-deadline"])
def test_keyset_pages_cover_every_case_once_in_order(api_for, officer, many_cases, closure, ordering):
    closure.to(S.SUBMITTED)  # one case without a deadline: nulls sort last going up, first going down
    client = api_for(officer)
    seen, pages = walk(client, "/api/v1/cases/", {"page_size": 2, "ordering": ordering})
    field = ordering.lstrip("-")
    rows = Case.objects.all()
    expected = sorted(rows, key=lambda c: c.pk)
    if field == "number":
        expected = sorted(rows, key=lambda c: c.number)
    elif field == "deadline":
        expected = sorted(rows, key=lambda c: (c.deadline is None, c.deadline or today(), c.pk))
    if ordering.startswith("-"):
        expected.reverse()
    assert seen == [c.pk for c in expected]
    assert pages[0]["previous"] is None and len(pages) == 4
    back = client.get(pages[2]["previous"]).json()
    assert [r["id"] for r in back["results"]] == [r["id"] for r in pages[1]["results"]]


def test_case_filters_narrow_the_list(api_for, officer, many_cases, closure, pinglu):
    draft = closure.to(S.DRAFT)
    client = api_for(officer)

    def listed(**params):
        return {row["id"] for row in client.get("/api/v1/cases/", params).json()["results"]}

    assert listed(state="draft") == {draft.pk}
    assert listed(state=["draft", "scheduled"]) == {c.pk for c in Case.objects.all()}
    assert listed(kind="closure") == {draft.pk}
    assert listed(county=pinglu.pk) == {c.pk for c in many_cases if c.county_id == pinglu.pk}
    assert listed(assigned_to_me="true") == {c.pk for c in many_cases}
    assert listed(due_before=(today() + timedelta(days=2)).isoformat()) == {
        c.pk for c in many_cases if c.deadline < today() + timedelta(days=2)
    }
    assert listed(search=draft.number) == {draft.pk}
    assert listed(overdue="true") == set()
    Case.objects.filter(pk=many_cases[0].pk).update(deadline=today() - timedelta(days=1))
    assert listed(overdue="true") == {many_cases[0].pk}
    assert many_cases[0].pk not in listed(overdue="false")
    assert listed(open="false") == set()
    assert listed(deadline_after=today().isoformat(), deadline_before=today().isoformat()) == set()


def test_the_other_kinds_steps_answer_403_404_and_409_like_the_closure_steps(
    api_for, officer, company_user, company_b_user, contractor_user, mine_a, site_in_project
):
    due = (today() + timedelta(days=10)).isoformat()
    client = api_for(officer)
    inspection = Case.objects.get(
        pk=client.post(
            "/api/v1/cases/", {"kind": "annual_inspection", "mine": mine_a.pk, "deadline": due}, format="json"
        ).json()["id"]
    )
    site_case = Case.objects.get(
        pk=client.post("/api/v1/cases/", {"kind": "historical_site", "site": site_in_project.pk}, format="json").json()[
            "id"
        ]
    )
    company, outsider = api_for(company_user), api_for(company_b_user)
    # the company sees its mine's inspection but may not run it; another company cannot see it
    assert step(company, inspection, "start_inspection").json()["code"] == "role"
    assert step(outsider, inspection, "start_inspection").status_code == 404
    assert step(outsider, site_case, "advance_site").status_code == 404
    # steps that do not exist in this state, or for this kind
    assert step(client, inspection, "request_acceptance").status_code == 409
    assert step(client, inspection, "propose_removal", {"reason": "x"}).json()["code"] in ("kind", "state")
    assert step(client, site_case, "start_inspection").status_code == 409
    assert step(client, inspection, "start_inspection").json()["state"] == "under_review"
    assert step(client, inspection, "start_inspection").json()["code"] == "state"
    # a contractor sees a site case only once it is entrusted with the works
    assert step(api_for(contractor_user), site_case, "request_acceptance").status_code == 404
    inspection.refresh_from_db()
    site_case.refresh_from_db()
    assert inspection.state == S.UNDER_REVIEW and site_case.state == S.IDENTIFIED


def test_an_annual_report_is_lodged_returned_and_accepted_through_the_api(api_for, officer, company_user, mine_a):
    workflow.reporting_period_open(user=officer, year=today().year, due_date=today() + timedelta(days=30))
    case = Case.objects.get(mine=mine_a, kind=CaseKind.ANNUAL_REPORT)
    company, bureau = api_for(company_user), api_for(officer)
    lines = [{"category": "open_pit", "disturbed_ha": "3.50", "restored_ha": "1.25"}]
    duplicate = {"lines": lines * 2}
    assert step(company, case, "lodge_report", duplicate).status_code == 400
    assert step(company, case, "lodge_report", {"lines": lines}).json()["state"] == "submitted"
    assert step(company, case, "accept_report").json()["code"] == "role"
    assert step(bureau, case, "return_report", {"reason": ""}).status_code == 400
    assert step(bureau, case, "return_report", {"reason": "面积有误"}).json()["state"] == "scheduled"
    step(company, case, "lodge_report", {"lines": lines, "notes": "已更正"})
    assert step(bureau, case, "accept_report").json()["state"] == "closed"
