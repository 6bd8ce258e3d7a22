"""The other kinds of case share the rectification path: annual inspection, green-mine
verification, a standalone rectification, and historical-site treatment."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from mines.choices import GreenMineStatus, SiteStatus
from mines.models import GreenMineListing
from restoration.choices import CaseKind, CaseState
from restoration.errors import Forbidden, Invalid, WrongState
from restoration.services import workflow
from tests.factories import inspect, png_file, upload

S = CaseState


def due(days=30):
    return timezone.localdate() + timedelta(days=days)


def test_an_annual_inspection_that_passes_closes_the_case(officer, mine_a):
    case = workflow.case_open(user=officer, kind=CaseKind.ANNUAL_INSPECTION, mine=mine_a, deadline=due())
    assert case.state == S.SCHEDULED and case.deadline == due() and case.deadline_version == 1
    workflow.case_start_inspection(case_id=case.pk, user=officer)
    inspect(case, officer, passed=True)
    case.refresh_from_db()
    assert case.state == S.CLOSED and case.closed_at is not None


def test_an_annual_inspection_that_fails_follows_the_rectification_path(officer, supervisor, company_user, mine_a):
    case = workflow.case_open(user=officer, kind=CaseKind.ANNUAL_INSPECTION, mine=mine_a, deadline=due())
    workflow.case_start_inspection(case_id=case.pk, user=officer)
    inspect(case, officer, passed=False)
    workflow.case_approve(case_id=case.pk, user=supervisor)
    case.refresh_from_db()
    assert case.state == S.RECTIFICATION_ORDERED and case.deadline_version == 2
    upload(case, company_user, png_file())
    workflow.case_submit_rectification(case_id=case.pk, user=company_user)
    inspect(case, officer, passed=True)
    case.refresh_from_db()
    assert case.state == S.CLOSED


def test_an_inspection_needs_a_due_date_in_the_future(officer, mine_a):
    with pytest.raises(Invalid):
        workflow.case_open(user=officer, kind=CaseKind.ANNUAL_INSPECTION, mine=mine_a)
    with pytest.raises(Invalid):
        workflow.case_open(user=officer, kind=CaseKind.ANNUAL_INSPECTION, mine=mine_a, deadline=due(-1))


@pytest.fixture
def listing(mine_a):
    return GreenMineListing.objects.create(mine=mine_a, level="provincial", listed_on="2020-06-01")


def test_a_green_mine_that_passes_verification_is_renewed(officer, mine_a, listing):
    case = workflow.case_open(user=officer, kind=CaseKind.GREEN_VERIFICATION, mine=mine_a, deadline=due())
    workflow.case_start_inspection(case_id=case.pk, user=officer)
    inspect(case, officer, passed=True)
    listing.refresh_from_db()
    assert listing.last_verified_on == timezone.localdate()
    assert listing.status == GreenMineStatus.LISTED


def test_a_green_mine_still_failing_after_its_deadline_is_removed_from_the_list(officer, supervisor, mine_a, listing):
    case = workflow.case_open(user=officer, kind=CaseKind.GREEN_VERIFICATION, mine=mine_a, deadline=due())
    workflow.case_start_inspection(case_id=case.pk, user=officer)
    inspect(case, officer, passed=False)
    workflow.case_approve(case_id=case.pk, user=supervisor)
    listing.refresh_from_db()
    assert listing.status == GreenMineStatus.UNDER_RECTIFICATION
    case.refresh_from_db()
    workflow.cases_mark_overdue(today=case.deadline + timedelta(days=1))
    with pytest.raises(WrongState):
        workflow.case_propose_delegation(case_id=case.pk, user=officer, contractor=None, cost_estimate=Decimal("1"))
    with pytest.raises(Invalid):
        workflow.case_propose_removal(case_id=case.pk, user=officer, reason="")
    workflow.case_propose_removal(case_id=case.pk, user=officer, reason="逾期仍未达到绿色矿山标准")
    with pytest.raises(Forbidden):
        workflow.case_approve(case_id=case.pk, user=officer)
    workflow.case_approve(case_id=case.pk, user=supervisor)
    case.refresh_from_db()
    listing.refresh_from_db()
    assert case.state == S.REMOVED
    assert listing.status == GreenMineStatus.REMOVED and listing.removed_on == timezone.localdate()


def test_a_mine_not_on_the_list_cannot_be_verified(officer, mine_a):
    with pytest.raises(WrongState):
        workflow.case_open(user=officer, kind=CaseKind.GREEN_VERIFICATION, mine=mine_a, deadline=due())


def test_a_standalone_rectification_starts_under_review(officer, supervisor, mine_a):
    case = workflow.case_open(user=officer, kind=CaseKind.RECTIFICATION, mine=mine_a)
    assert case.state == S.UNDER_REVIEW
    inspect(case, officer, passed=False)
    workflow.case_approve(case_id=case.pk, user=supervisor)
    case.refresh_from_db()
    assert case.state == S.RECTIFICATION_ORDERED


def test_a_historical_site_is_treated_step_by_step_and_its_area_counts_once_accepted(
    officer, supervisor, contractor_user, site_in_project
):
    case = workflow.case_open(user=officer, kind=CaseKind.HISTORICAL_SITE, site=site_in_project)
    assert case.state == S.IDENTIFIED
    for expected in (S.SURVEYED, S.DESIGNED, S.UNDER_TREATMENT):
        workflow.case_advance_site(case_id=case.pk, user=officer)
        case.refresh_from_db()
        assert case.state == expected
    assert case.contractor == site_in_project.key_project.contractor
    site_in_project.refresh_from_db()
    assert site_in_project.status == SiteStatus.UNDER_TREATMENT
    # The contractor entrusted with the project asks for acceptance.
    workflow.case_request_acceptance(case_id=case.pk, user=contractor_user)
    inspect(case, officer, passed=False)
    case.refresh_from_db()
    assert case.state == S.UNDER_TREATMENT  # a failed acceptance sends it back to work
    workflow.case_request_acceptance(case_id=case.pk, user=contractor_user)
    inspect(case, officer, passed=True, area="11.00")
    site_in_project.refresh_from_db()
    assert site_in_project.area_restored_ha == Decimal("0.00"), "nothing counts before approval"
    workflow.case_approve(case_id=case.pk, user=supervisor)
    site_in_project.refresh_from_db()
    case.refresh_from_db()
    assert case.state == S.ACCEPTED
    assert site_in_project.status == SiteStatus.ACCEPTED
    assert site_in_project.area_restored_ha == Decimal("11.00")


def test_an_accepted_area_never_exceeds_the_damaged_area(officer, supervisor, site_in_project):
    case = workflow.case_open(user=officer, kind=CaseKind.HISTORICAL_SITE, site=site_in_project)
    for _ in range(3):
        workflow.case_advance_site(case_id=case.pk, user=officer)
    workflow.case_request_acceptance(case_id=case.pk, user=officer)
    inspect(case, officer, passed=True, area="999.00")
    workflow.case_approve(case_id=case.pk, user=supervisor)
    site_in_project.refresh_from_db()
    assert site_in_project.area_restored_ha == site_in_project.damaged_area_ha


def test_a_company_never_sees_historical_site_cases(officer, company_user, site_in_project):
    from restoration.models import Case

    workflow.case_open(user=officer, kind=CaseKind.HISTORICAL_SITE, site=site_in_project)
    assert not Case.objects.visible_to(company_user).exists()
