"""The demo has restoration cases in every state, made through the services, and loading it twice changes nothing.

The demo is loaded once for the module, inside a transaction rolled back at the end; each test runs
in a savepoint inside it, as usual.
"""

import hashlib
import io
import os
from datetime import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from accounts.models import User
from mines.choices import GreenMineStatus, Mineral, ProductionStatus, SiteStatus
from mines.models import Company, GreenMineListing, HistoricalSite, Mine
from restoration.choices import CaseKind, CaseState, EventKind, ProposalStatus, ReviewStatus
from restoration.demo import MARKER, REJECTION, demo_cases, jpeg_bytes, pdf_bytes
from restoration.models import Case, CaseEvent, Delegation, Evidence, FundEntry, Receivable, RectificationOrder
from restoration.selectors import company_bar_reasons

K, S = CaseKind, CaseState

EVERY_STATE = {
    K.CLOSURE: {
        S.DRAFT,
        S.SUBMITTED,
        S.UNDER_REVIEW,
        S.AWAITING_APPROVAL,
        S.RECTIFICATION_PROPOSED,
        S.RECTIFICATION_ORDERED,
        S.OVERDUE,
        S.DELEGATION_PROPOSED,
        S.DELEGATED_TREATMENT,
        S.CLOSED,
        S.WITHDRAWN,
    },
    K.RECTIFICATION: {S.UNDER_REVIEW, S.RECTIFICATION_ORDERED, S.OVERDUE, S.DELEGATED_TREATMENT, S.CLOSED},
    K.ANNUAL_INSPECTION: {S.SCHEDULED, S.UNDER_REVIEW, S.CLOSED},
    # Not "removed": the inventory keeps the plan's 8 green mines.
    K.GREEN_VERIFICATION: {S.SCHEDULED, S.CLOSED, S.RECTIFICATION_ORDERED, S.REMOVAL_PROPOSED},
    K.HISTORICAL_SITE: {
        S.IDENTIFIED,
        S.SURVEYED,
        S.DESIGNED,
        S.UNDER_TREATMENT,
        S.AWAITING_ACCEPTANCE,
        S.AWAITING_APPROVAL,
        S.ACCEPTED,
    },
}
COMPANY_A = "中煤平朔集团有限公司（演示）"
COMPANY_B = "晋能控股朔州煤业有限公司（演示）"


def load_demo():
    call_command("load_demo", "--quiet-accounts", stdout=io.StringIO())


@pytest.fixture(autouse=True)
def _private_media():
    """Replaces conftest's per-test media folder: this module's files live in `demo`'s folder."""


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("demo_media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            load_demo()
            yield media
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def demo_db(demo, db):
    return demo


def user(username):
    return User.objects.get(username=username)


def files_in(folder):
    return sorted(os.path.join(root, name) for root, _dirs, names in os.walk(folder) for name in names)


def subject_states():
    return (
        list(Mine.objects.order_by("pk").values_list("pk", "production_status")),
        list(HistoricalSite.objects.order_by("pk").values_list("pk", "status", "area_restored_ha")),
        list(GreenMineListing.objects.order_by("pk").values_list("pk", "status", "last_verified_on", "removed_on")),
    )


def test_the_demo_has_a_case_of_every_kind_in_every_state(demo_db):
    cases = demo_cases()
    assert 35 <= cases.count() <= 45
    # Besides the marked demo cases, the finance demo asks every producing mine for its annual report.
    assert cases.count() == Case.objects.exclude(kind=K.ANNUAL_REPORT).count()
    for kind, states in EVERY_STATE.items():
        present = set(cases.filter(kind=kind).values_list("state", flat=True))
        assert states <= present, (kind, states - present)
    reports = set(Case.objects.filter(kind=K.ANNUAL_REPORT).values_list("state", flat=True))
    assert {S.SCHEDULED, S.SUBMITTED, S.CLOSED} <= reports


def test_loading_the_demo_twice_adds_no_case_event_file_or_fund_entry(demo_db):
    models = (Case, CaseEvent, Evidence, FundEntry, Receivable)
    before = [m.objects.count() for m in models], files_in(demo_db), subject_states()
    load_demo()
    after = [m.objects.count() for m in models], files_in(demo_db), subject_states()
    assert after == before
    assert len(before[1]) == Evidence.objects.count()


def test_what_the_cases_did_to_mines_sites_and_listings_survives_a_second_load(demo_db):
    load_demo()
    closed = demo_cases().get(kind=K.CLOSURE, state=S.CLOSED)
    assert closed.mine.production_status == ProductionStatus.CLOSED
    assert closed.mine.mineral != Mineral.COAL  # the plan's 2020 coal figures stay as published
    accepted = demo_cases().filter(kind=K.HISTORICAL_SITE, state=S.ACCEPTED)
    assert accepted.count() >= 1
    for site in HistoricalSite.objects.filter(cases__in=accepted):
        assert site.status == SiteStatus.ACCEPTED
        assert 0 < site.area_restored_ha <= site.damaged_area_ha
    for state in (S.RECTIFICATION_ORDERED, S.REMOVAL_PROPOSED):
        case = demo_cases().get(kind=K.GREEN_VERIFICATION, state=state)
        assert GreenMineListing.objects.get(mine=case.mine).status == GreenMineStatus.UNDER_RECTIFICATION
    assert GreenMineListing.objects.current().count() == 8


def test_company_a_is_barred_by_what_its_fund_could_not_cover_and_company_b_is_not(demo_db):
    company_a, company_b = Company.objects.get(name=COMPANY_A), Company.objects.get(name=COMPANY_B)
    assert company_bar_reasons(company_a)
    assert company_bar_reasons(company_b) == []
    owed = Receivable.objects.get(company=company_a)
    assert owed.case.state == S.CLOSED and owed.case.delegations.get().actual_cost > owed.amount > 0
    assert owed.amount == Decimal("336500.00")
    # Another delegated cost was covered by its fund: charged, nothing owed.
    covered = Delegation.objects.filter(actual_cost__isnull=False).exclude(case=owed.case).get()
    assert not covered.case.receivables.exists()
    assert FundEntry.objects.get(case=covered.case, kind="charge").amount == -covered.actual_cost


def test_each_company_sees_several_of_its_own_cases_and_company_a_has_an_order_due_within_a_week(demo_db):
    for username, name in (("company_a", COMPANY_A), ("company_b", COMPANY_B)):
        visible = Case.objects.visible_to(user(username))
        assert visible.count() >= 5
        assert set(visible.values_list("company__name", flat=True)) == {name}
    due = Case.objects.visible_to(user("company_a")).filter(state=S.RECTIFICATION_ORDERED).due_within(7)
    assert due.exists()


def test_the_contractor_sees_its_delegated_cases_and_nothing_else(demo_db):
    contractor = user("contractor")
    visible = Case.objects.visible_to(contractor)
    delegated = visible.filter(
        state=S.DELEGATED_TREATMENT,
        delegations__contractor=contractor.contractor,
        delegations__status=ProposalStatus.APPROVED,
    )
    assert delegated.count() >= 2
    assert set(visible.values_list("contractor_id", flat=True)) == {contractor.contractor_id}


def test_the_pinglu_officer_sees_only_pinglu_cases(demo_db):
    visible = Case.objects.visible_to(user("officer_pinglu"))
    assert visible.count() >= 5
    assert set(visible.values_list("county__name", flat=True)) == {"平鲁区"}


def test_every_demo_case_has_its_history_and_every_file_is_stored_with_its_hash(demo_db):
    for case in demo_cases():
        assert case.description.startswith(MARKER)
        assert case.events.filter(kind=EventKind.CREATED).exists()
    evidence = Evidence.objects.all()
    assert evidence.count() >= 60
    for item in evidence:
        assert item.file.storage.exists(item.file.name)
        with item.file.open("rb") as handle:
            data = handle.read()
        assert len(data) == item.size < 10_000
        assert hashlib.sha256(data).hexdigest() == item.sha256
    assert {"application/pdf", "image/jpeg"} == set(evidence.values_list("content_type", flat=True))


def test_photos_carry_their_place_and_date_and_one_was_taken_far_from_the_site(demo_db):
    photos = Evidence.objects.filter(content_type="image/jpeg")
    assert not photos.filter(captured_at__isnull=True).exists()
    assert not photos.filter(distance_km__isnull=True).exists()
    far = [p for p in photos if p.far_from_site]
    assert len(far) == 1 and 15 < far[0].distance_km < 25
    assert photos.exclude(pk=far[0].pk).filter(distance_km__gt=1).count() == 0
    rejected = Evidence.objects.get(review_status=ReviewStatus.REJECTED)
    assert rejected.review_reason == REJECTION
    assert rejected.superseded_by.review_status == ReviewStatus.ACCEPTED
    assert Evidence.objects.filter(review_status=ReviewStatus.ACCEPTED).count() >= 10


def test_no_one_approved_what_they_proposed_or_inspected_themselves(demo_db):
    for order in RectificationOrder.objects.exclude(status=ProposalStatus.PROPOSED):
        assert order.decided_by_id != order.drafted_by_id
    for delegation in Delegation.objects.exclude(status=ProposalStatus.PROPOSED):
        assert delegation.decided_by_id != delegation.drafted_by_id
    for event in CaseEvent.objects.filter(kind=EventKind.APPROVED, from_state=S.AWAITING_APPROVAL):
        inspection = event.case.inspections.filter(passed=True).get()
        assert event.actor_id != inspection.recorded_by_id


def test_the_generated_files_are_small_and_the_same_each_time():
    taken = datetime(2026, 10, 1, 10, 30, tzinfo=timezone.get_current_timezone())
    photo = jpeg_bytes(seed=3, lat=39.5, lon=112.3, taken=taken)
    assert photo == jpeg_bytes(seed=3, lat=39.5, lon=112.3, taken=taken)
    assert photo != jpeg_bytes(seed=4, lat=39.5, lon=112.3, taken=taken)
    assert len(photo) < 10_000
    document = pdf_bytes("矿山环境影响评估报告", ["Shuozhou", "Case: BK-2026-000001"])
    assert document == pdf_bytes("矿山环境影响评估报告", ["Shuozhou", "Case: BK-2026-000001"])
    assert document.startswith(b"%PDF-1.4") and document.rstrip().endswith(b"%%EOF")
    # The cross-reference table points at each object.
    xref = int(document.rsplit(b"startxref", 1)[1].split()[0])
    offsets = [int(line[:10]) for line in document[xref:].splitlines()[3:9]]
    assert [document[o:].split(b" ", 1)[0] for o in offsets] == [b"1", b"2", b"3", b"4", b"5", b"6"]
