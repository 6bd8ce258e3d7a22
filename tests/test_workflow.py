"""The closure chain and every transition: happy path with its event, wrong state, wrong role,
outsider, four-eyes. The services are what the pages, admin and API call."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from mines.choices import ProductionStatus
from restoration.choices import Action, CaseKind, CaseState, EventKind, ProposalStatus
from restoration.errors import Forbidden, Invalid, NotFound, WrongState
from restoration.models import Case, CaseEvent, Receivable
from restoration.selectors import company_bar_reasons
from restoration.services import workflow
from restoration.services.funds import fund_account_for, fund_record
from tests.factories import Closure, inspect, pdf_file, png_file, upload

S = CaseState


@pytest.fixture
def closure(mine_a, company_user, officer, supervisor, contractor_org):
    return Closure(
        mine=mine_a, company_user=company_user, officer=officer, supervisor=supervisor, contractor_org=contractor_org
    )


def last_event(case):
    return CaseEvent.objects.filter(case=case).order_by("-created_at", "-pk").first()


def test_the_whole_closure_chain_ends_with_the_mine_closed_and_every_step_on_record(closure, mine_a):
    fund = fund_account_for(mine_a)
    fund_record(account_id=fund.pk, user=closure.officer, kind="deposit", amount=Decimal("50000.00"))
    case = closure.to(S.CLOSED)
    mine_a.refresh_from_db()
    assert mine_a.production_status == ProductionStatus.CLOSED
    transitions = list(CaseEvent.objects.filter(case=case).exclude(from_state="").values_list("from_state", "to_state"))
    states = [t for t in transitions if t[0] != t[1]]
    assert states == [
        (S.DRAFT, S.SUBMITTED),
        (S.SUBMITTED, S.UNDER_REVIEW),
        (S.UNDER_REVIEW, S.RECTIFICATION_PROPOSED),
        (S.RECTIFICATION_PROPOSED, S.RECTIFICATION_ORDERED),
        (S.RECTIFICATION_ORDERED, S.OVERDUE),
        (S.OVERDUE, S.DELEGATION_PROPOSED),
        (S.DELEGATION_PROPOSED, S.DELEGATED_TREATMENT),
        (S.DELEGATED_TREATMENT, S.AWAITING_APPROVAL),
        (S.AWAITING_APPROVAL, S.CLOSED),
    ]
    # 120,000 yuan of works: the fund pays its 50,000, the company owes the other 70,000.
    assert fund_account_for(mine_a).balance == Decimal("0.00") == fund_account_for(mine_a).ledger_sum()
    assert Receivable.objects.get(case=case).amount == Decimal("70000.00")
    reasons = company_bar_reasons(case.company)
    assert len(reasons) == 1 and "70,000.00" in reasons[0]


def test_a_delegated_treatment_bars_the_company_until_it_is_finished(closure):
    case = closure.to(S.DELEGATED_TREATMENT)
    assert case.contractor == closure.contractor_org
    reasons = company_bar_reasons(case.company)
    assert any(case.number in r for r in reasons)


def test_a_fund_that_covers_the_cost_leaves_no_receivable(closure, mine_a):
    fund_record(
        account_id=fund_account_for(mine_a).pk, user=closure.officer, kind="deposit", amount=Decimal("500000.00")
    )
    case = closure.to(S.CLOSED)
    assert not Receivable.objects.filter(case=case).exists()
    assert fund_account_for(mine_a).balance == Decimal("380000.00") == fund_account_for(mine_a).ledger_sum()
    assert company_bar_reasons(case.company) == []


def test_submitting_needs_the_impact_assessment_and_restoration_evidence(closure):
    case = closure.to(S.DRAFT)
    with pytest.raises(Invalid) as error:
        workflow.case_submit(case_id=case.pk, user=closure.company_user)
    assert "矿山环境影响评估" in str(error.value.message)
    upload(case, closure.company_user, pdf_file(), kind="impact_assessment")
    with pytest.raises(Invalid):
        workflow.case_submit(case_id=case.pk, user=closure.company_user)
    upload(case, closure.company_user, png_file(), kind="photo")
    workflow.case_submit(case_id=case.pk, user=closure.company_user)
    assert closure.reload().state == S.SUBMITTED


def test_a_refused_transition_changes_nothing(closure):
    case = closure.to(S.SUBMITTED)
    events_before = CaseEvent.objects.filter(case=case).count()
    with pytest.raises(WrongState) as error:
        workflow.case_approve(case_id=case.pk, user=closure.supervisor)
    assert error.value.code == "already_decided" or error.value.status == 409
    case.refresh_from_db()
    assert case.state == S.SUBMITTED
    assert CaseEvent.objects.filter(case=case).count() == events_before


# Each row: the action, the state it needs, a user allowed to do it, a role that may not.
TRANSITIONS = [
    ("submit", S.DRAFT, "company_user", "officer"),
    ("withdraw", S.SUBMITTED, "company_user", "officer"),
    ("accept_for_review", S.SUBMITTED, "officer", "company_user"),
    ("record_inspection_pass", S.UNDER_REVIEW, "officer", "company_user"),
    ("record_inspection_fail", S.UNDER_REVIEW, "officer", "contractor_user"),
    ("approve", S.RECTIFICATION_PROPOSED, "supervisor", "officer"),
    ("reject", S.RECTIFICATION_PROPOSED, "supervisor", "company_user"),
    ("submit_rectification", S.RECTIFICATION_ORDERED, "company_user", "officer"),
    ("propose_delegation", S.OVERDUE, "officer", "company_user"),
    ("record_treatment_cost", S.DELEGATED_TREATMENT, "officer", "contractor_user"),
    ("report_treatment_done", S.DELEGATED_TREATMENT, "contractor_user", "company_user"),
]


def run(action, case, user, closure):
    today = timezone.localdate()
    if action == "submit":
        upload(case, closure.company_user, pdf_file(), kind="impact_assessment")
        upload(case, closure.company_user, png_file(), kind="photo")
        return workflow.case_submit(case_id=case.pk, user=user)
    if action == "withdraw":
        return workflow.case_withdraw(case_id=case.pk, user=user, reason="暂不闭坑")
    if action == "accept_for_review":
        return workflow.case_accept_for_review(case_id=case.pk, user=user)
    if action == "record_inspection_pass":
        return workflow.case_record_inspection(
            case_id=case.pk, user=user, inspected_on=today, inspectors="王", findings="合格", passed=True
        )
    if action == "record_inspection_fail":
        return workflow.case_record_inspection(
            case_id=case.pk,
            user=user,
            inspected_on=today,
            inspectors="王",
            findings="不合格",
            passed=False,
            order_requirements="覆土绿化",
            order_deadline=today + timedelta(days=60),
        )
    if action == "approve":
        return workflow.case_approve(case_id=case.pk, user=user)
    if action == "reject":
        return workflow.case_reject(case_id=case.pk, user=user, reason="期限过短")
    if action == "submit_rectification":
        upload(case, closure.company_user, png_file("整改后.png", color=(1, 2, 3)), kind="photo")
        return workflow.case_submit_rectification(case_id=case.pk, user=user)
    if action == "propose_delegation":
        return workflow.case_propose_delegation(
            case_id=case.pk, user=user, contractor=closure.contractor_org, cost_estimate=Decimal("90000")
        )
    if action == "record_treatment_cost":
        return workflow.case_record_treatment_cost(case_id=case.pk, user=user, actual_cost=Decimal("1000"))
    if action == "report_treatment_done":
        return workflow.case_report_treatment_done(case_id=case.pk, user=user, note="完工")
    raise AssertionError(action)


EXPECTED = {
    "submit": S.SUBMITTED,
    "withdraw": S.WITHDRAWN,
    "accept_for_review": S.UNDER_REVIEW,
    "record_inspection_pass": S.AWAITING_APPROVAL,
    "record_inspection_fail": S.RECTIFICATION_PROPOSED,
    "approve": S.RECTIFICATION_ORDERED,
    "reject": S.UNDER_REVIEW,
    "submit_rectification": S.UNDER_REVIEW,
    "propose_delegation": S.DELEGATION_PROPOSED,
    "record_treatment_cost": S.DELEGATED_TREATMENT,
    "report_treatment_done": S.DELEGATED_TREATMENT,
}


@pytest.mark.parametrize("action, state, allowed, _forbidden", TRANSITIONS)
def test_each_transition_moves_the_case_and_records_who_did_it(request, closure, action, state, allowed, _forbidden):
    case = closure.to(state)
    user = request.getfixturevalue(allowed)
    before = CaseEvent.objects.filter(case=case).count()
    run(action, case, user, closure)
    case.refresh_from_db()
    assert case.state == EXPECTED[action]
    assert CaseEvent.objects.filter(case=case).count() > before
    event = last_event(case)
    assert event.actor == user
    assert event.to_state == case.state


@pytest.mark.parametrize("action, state, allowed, forbidden", TRANSITIONS)
def test_each_transition_is_refused_to_a_role_without_the_right(request, closure, action, state, allowed, forbidden):
    case = closure.to(state)
    user = request.getfixturevalue(forbidden)
    if forbidden == "contractor_user" and case.contractor_id is None:
        # A contractor not entrusted with the case cannot even see it.
        with pytest.raises(NotFound):
            run(action, case, user, closure)
    else:
        with pytest.raises((Forbidden, NotFound)) as error:
            run(action, case, user, closure)
        assert isinstance(error.value, Forbidden) or forbidden == "contractor_user"
    case.refresh_from_db()
    assert case.state == state


@pytest.mark.parametrize("action, state, allowed, _forbidden", TRANSITIONS)
def test_each_transition_is_404_for_an_outsider(request, closure, company_b_user, action, state, allowed, _forbidden):
    case = closure.to(state)
    with pytest.raises(NotFound):
        run(action, case, company_b_user, closure)
    case.refresh_from_db()
    assert case.state == state


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
def test_each_transition_is_refused_in_the_wrong_state_with_a_reason(request, closure, action, state, user_fixture):
    case = closure.to(state)
    user = request.getfixturevalue(user_fixture)
    with pytest.raises(WrongState) as error:
        run(action, case, user, closure)
    assert str(error.value.message)
    case.refresh_from_db()
    assert case.state == state


@pytest.mark.parametrize("state", [S.RECTIFICATION_PROPOSED, S.DELEGATION_PROPOSED])
def test_a_supervisor_cannot_approve_what_they_proposed_themselves(closure, supervisor, supervisor2, state):
    closure.officer = supervisor  # the supervisor records the inspection and drafts the order themselves
    case = closure.to(S.UNDER_REVIEW)
    if state == S.RECTIFICATION_PROPOSED:
        inspect(case, supervisor, passed=False)
    else:
        inspect(case, supervisor, passed=False)
        workflow.case_approve(case_id=case.pk, user=supervisor2)
        workflow.cases_mark_overdue(today=closure.reload().deadline + timedelta(days=1))
        workflow.case_propose_delegation(
            case_id=case.pk, user=supervisor, contractor=closure.contractor_org, cost_estimate=Decimal("1000")
        )
    with pytest.raises(Forbidden) as error:
        workflow.case_approve(case_id=case.pk, user=supervisor)
    assert error.value.code == "four_eyes"
    with pytest.raises(Forbidden):
        workflow.case_reject(case_id=case.pk, user=supervisor, reason="x")
    workflow.case_approve(case_id=case.pk, user=supervisor2)


def test_the_inspector_cannot_approve_the_closure_they_passed(closure, supervisor, supervisor2):
    closure.officer = supervisor
    case = closure.to(S.UNDER_REVIEW)
    inspect(case, supervisor, passed=True)
    with pytest.raises(Forbidden):
        workflow.case_approve(case_id=case.pk, user=supervisor)
    workflow.case_approve(case_id=case.pk, user=supervisor2)
    assert closure.reload().state == S.CLOSED


def test_a_rejected_order_goes_back_to_review_and_needs_a_reason(closure):
    case = closure.to(S.RECTIFICATION_PROPOSED)
    with pytest.raises(Invalid):
        workflow.case_reject(case_id=case.pk, user=closure.supervisor, reason="  ")
    workflow.case_reject(case_id=case.pk, user=closure.supervisor, reason="期限过短，请延长")
    case.refresh_from_db()
    assert case.state == S.UNDER_REVIEW
    assert case.orders.get().status == ProposalStatus.REJECTED
    event = last_event(case)
    assert event.kind == EventKind.REJECTED and event.reason == "期限过短，请延长"


def test_an_approved_order_sets_the_deadline_the_company_sees(client, closure):
    case = closure.to(S.RECTIFICATION_ORDERED)
    order = case.orders.get()
    assert case.deadline == order.deadline
    assert case.deadline_version == 1
    client.force_login(closure.company_user)
    body = client.get(reverse("desk")).content.decode()
    assert case.number in body and order.deadline.strftime("%Y-%m-%d") in body
    detail = client.get(case.get_absolute_url()).content.decode()
    assert order.requirements in detail


def test_passed_deadlines_turn_overdue_once_even_when_run_twice(closure):
    case = closure.to(S.RECTIFICATION_ORDERED)
    day_after = case.deadline + timedelta(days=1)
    assert workflow.cases_mark_overdue(today=case.deadline) == 0
    assert workflow.cases_mark_overdue(today=day_after) == 1
    assert workflow.cases_mark_overdue(today=day_after) == 0
    case.refresh_from_db()
    assert case.state == S.OVERDUE
    assert CaseEvent.objects.filter(case=case, action=Action.MARK_OVERDUE).count() == 1


def test_the_mark_overdue_command_does_the_same(closure):
    from django.core.management import call_command

    case = closure.to(S.RECTIFICATION_ORDERED)
    call_command("mark_overdue", "--today", (case.deadline + timedelta(days=1)).isoformat())
    case.refresh_from_db()
    assert case.state == S.OVERDUE


def test_a_delegated_treatment_cannot_pass_before_its_cost_is_recorded(closure):
    case = closure.to(S.DELEGATED_TREATMENT)
    with pytest.raises(Invalid) as error:
        inspect(case, closure.officer, passed=True)
    assert "passed" in error.value.fields
    assert closure.reload().state == S.DELEGATED_TREATMENT


def test_the_cost_is_charged_once(closure):
    case = closure.to(S.DELEGATED_TREATMENT)
    workflow.case_record_treatment_cost(case_id=case.pk, user=closure.officer, actual_cost=Decimal("500"))
    with pytest.raises(WrongState):
        workflow.case_record_treatment_cost(case_id=case.pk, user=closure.officer, actual_cost=Decimal("500"))
    assert Receivable.objects.filter(case=case).count() == 1


def test_a_company_opens_only_one_closure_per_mine(closure):
    closure.to(S.DRAFT)
    with pytest.raises(WrongState):
        workflow.case_open(user=closure.company_user, kind=CaseKind.CLOSURE, mine=closure.mine)


def test_a_company_cannot_open_a_case_about_another_companys_mine(company_user, mine_b):
    with pytest.raises(NotFound):
        workflow.case_open(user=company_user, kind=CaseKind.CLOSURE, mine=mine_b)


def test_a_company_may_open_only_closure_cases(company_user, mine_a):
    with pytest.raises(Forbidden):
        workflow.case_open(
            user=company_user, kind=CaseKind.ANNUAL_INSPECTION, mine=mine_a, deadline=timezone.localdate()
        )


def test_a_withdrawn_application_is_final(closure):
    case = closure.to(S.SUBMITTED)
    workflow.case_withdraw(case_id=case.pk, user=closure.company_user)
    with pytest.raises(WrongState):
        workflow.case_accept_for_review(case_id=case.pk, user=closure.officer)
    # A new application may be opened afterwards.
    workflow.case_open(user=closure.company_user, kind=CaseKind.CLOSURE, mine=closure.mine)
    assert Case.objects.filter(mine=closure.mine).count() == 2
