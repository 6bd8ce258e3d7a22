"""The case pages answer like the services: 404 outside scope, 403 for the wrong role,
409 in the wrong state, each with the reason; and the pages show what each role needs."""

import pytest
from django.urls import reverse

from restoration.choices import CaseState
from restoration.models import Case, CaseEvent
from tests.factories import Closure, pdf_file, png_file

S = CaseState


@pytest.fixture
def closure(mine_a, company_user, officer, supervisor, contractor_org):
    return Closure(
        mine=mine_a, company_user=company_user, officer=officer, supervisor=supervisor, contractor_org=contractor_org
    )


def act(client, case, action, data=None):
    return client.post(reverse("case-act", args=[case.pk, action]), data or {})


def test_a_company_applies_for_closure_from_its_mine_page(client_for, company_user, mine_a):
    client = client_for(company_user)
    body = client.get(mine_a.get_absolute_url()).content.decode()
    assert f"/cases/new/?mine={mine_a.pk}" in body
    response = client.post(reverse("case-open") + f"?mine={mine_a.pk}", {"kind": "closure", "mine": mine_a.pk})
    case = Case.objects.get(mine=mine_a)
    assert response.status_code == 302 and response["Location"] == case.get_absolute_url()
    assert case.state == S.DRAFT and case.created_by == company_user


def test_a_company_cannot_open_a_case_on_another_companys_mine(client_for, company_user, mine_b):
    response = client_for(company_user).post(reverse("case-open"), {"kind": "closure", "mine": mine_b.pk})
    assert response.status_code == 404
    assert not Case.objects.exists()


def test_submitting_without_the_required_files_says_what_is_missing(client_for, closure):
    case = closure.to(S.DRAFT)
    response = act(client_for(closure.company_user), case, "submit")
    assert response.status_code == 400
    assert "环境影响评估" in response.content.decode()
    case.refresh_from_db()
    assert case.state == S.DRAFT


def test_a_role_without_the_right_gets_403_and_nothing_changes(client_for, closure):
    case = closure.to(S.SUBMITTED)
    response = act(client_for(closure.company_user), case, "accept_for_review")
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.state == S.SUBMITTED


def test_an_outsider_gets_404_for_the_case_and_its_actions(client_for, closure, company_b_user):
    case = closure.to(S.SUBMITTED)
    client = client_for(company_b_user)
    assert client.get(case.get_absolute_url()).status_code == 404
    assert act(client, case, "withdraw").status_code == 404
    assert client.post(reverse("case-comment", args=[case.pk]), {"text": "hi"}).status_code == 404
    assert client.post(reverse("evidence-upload", args=[case.pk]), {"kind": "photo"}).status_code == 404
    assert not CaseEvent.objects.filter(case=case, actor=company_b_user).exists()


def test_the_wrong_state_gets_409_with_the_reason(client_for, closure):
    case = closure.to(S.UNDER_REVIEW)
    response = act(client_for(closure.company_user), case, "withdraw")
    assert response.status_code == 409
    assert "审查中" in response.content.decode() or "不能" in response.content.decode()


def test_a_second_approval_is_told_it_was_already_decided(client_for, closure, supervisor2):
    case = closure.to(S.RECTIFICATION_PROPOSED)
    assert act(client_for(closure.supervisor), case, "approve").status_code == 302
    response = act(client_for(supervisor2), case, "approve")
    assert response.status_code == 409
    assert response.context["error"] is not None


def test_an_invalid_inspection_form_is_shown_again_with_errors(client_for, closure):
    case = closure.to(S.UNDER_REVIEW)
    response = act(client_for(closure.officer), case, "record_inspection", {"record_inspection-passed": "0"})
    assert response.status_code == 400
    assert response.context["open_action"] == "record_inspection"
    case.refresh_from_db()
    assert case.state == S.UNDER_REVIEW


def test_the_officer_records_a_failed_inspection_with_its_order_through_the_page(client_for, closure):
    case = closure.to(S.UNDER_REVIEW)
    response = act(
        client_for(closure.officer),
        case,
        "record_inspection",
        {
            "record_inspection-inspected_on": "2026-11-20",
            "record_inspection-inspectors": "王建国",
            "record_inspection-findings": "边坡未治理",
            "record_inspection-area_restored_ha": "1.5",
            "record_inspection-passed": "0",
            "record_inspection-order_requirements": "削坡覆土",
            "record_inspection-order_deadline": "2027-03-01",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == S.RECTIFICATION_PROPOSED
    assert case.orders.get().requirements == "削坡覆土"


def test_everyone_with_access_sees_the_timeline_with_who_and_when(client_for, closure, county_officer):
    case = closure.to(S.RECTIFICATION_ORDERED)
    for user in (closure.company_user, closure.officer, closure.supervisor):
        body = client_for(user).get(case.get_absolute_url()).content.decode()
        assert str(closure.officer) in body and str(closure.supervisor) in body
        assert "timeline" in body


def test_comments_are_added_to_the_timeline(client_for, closure):
    case = closure.to(S.DRAFT)
    client = client_for(closure.company_user)
    client.post(reverse("case-comment", args=[case.pk]), {"text": "请尽快安排验收"})
    assert "请尽快安排验收" in client.get(case.get_absolute_url()).content.decode()


def test_the_workbench_shows_due_overdue_and_the_approval_queue(client_for, closure):
    case = closure.to(S.RECTIFICATION_PROPOSED)
    response = client_for(closure.supervisor).get(reverse("desk"))
    assert case in list(response.context["approvals"])
    response = client_for(closure.officer).get(reverse("desk"))
    assert response.status_code == 200


def test_the_case_list_filters_by_state_and_respects_scope(client_for, closure, company_b_user):
    case = closure.to(S.SUBMITTED)
    listed = client_for(closure.officer).get(reverse("case-list"), {"state": "submitted"}).context["object_list"]
    assert case in list(listed)
    assert not list(client_for(company_b_user).get(reverse("case-list")).context["object_list"])


def test_a_contractor_sees_only_the_cases_delegated_to_it(client_for, closure, contractor_user, outsider):
    case = closure.to(S.DELEGATED_TREATMENT)
    response = client_for(contractor_user).get(reverse("desk"))
    assert list(response.context["open_cases"]) == [case]
    assert client_for(outsider).get(case.get_absolute_url()).status_code == 404


def test_the_company_page_shows_the_bar_and_why(client_for, closure, mine_a):
    case = closure.to(S.DELEGATED_TREATMENT)
    body = client_for(closure.officer).get(mine_a.company.get_absolute_url()).content.decode()
    assert "bar-notice" in body and case.number in body


def test_the_case_page_query_count_does_not_grow_with_the_history(client_for, closure, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    case = closure.to(S.SUBMITTED)
    client = client_for(closure.officer)
    with CaptureQueriesContext(connection) as few:
        client.get(case.get_absolute_url())
    for i in range(10):
        client.post(reverse("case-comment", args=[case.pk]), {"text": f"comment {i}"})
    from tests.factories import upload

    upload(case, closure.company_user, pdf_file("更多.pdf", extra=b"%more"), png_file("更多.png", color=(3, 3, 3)))
    with CaptureQueriesContext(connection) as many:
        client.get(case.get_absolute_url())
    assert len(many.captured_queries) == len(few.captured_queries)


def test_an_officer_assigns_the_case_to_a_colleague_who_can_see_its_county(
    client_for, closure, county_officer, supervisor
):
    case = closure.to(S.SUBMITTED)
    client = client_for(closure.officer)
    client.post(reverse("case-assign", args=[case.pk]), {"officer": county_officer.pk})
    case.refresh_from_db()
    assert case.assigned_officer is None, "the 平鲁区 officer cannot see a 朔城区 case"
    client.post(reverse("case-assign", args=[case.pk]), {"officer": supervisor.pk})
    case.refresh_from_db()
    assert case.assigned_officer == supervisor
    assert CaseEvent.objects.filter(case=case, kind="assigned").exists()
    assert client_for(closure.company_user).post(reverse("case-assign", args=[case.pk]), {}).status_code == 403
