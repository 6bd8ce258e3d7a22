"""Every change of a case's state, one function per action.

Each function: lock the case row, check scope (404), role (403), state and the four-eyes
rule (409), write, append the event, and queue side effects on commit. The pages, the admin,
the API and the Celery tasks call these and nothing else writes `Case.state`.
"""

from datetime import date
from decimal import Decimal
from typing import cast

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from accounts.models import Role
from mines.choices import GreenMineStatus, ProductionStatus, SiteStatus
from mines.models import GreenMineListing
from restoration.choices import (
    ACTION_FROM,
    CLOSES_ON_PASS,
    CLOSURE_REQUIRED_EVIDENCE,
    CLOSURE_RESTORATION_EVIDENCE,
    INITIAL_STATE,
    KIND_ACTIONS,
    SITE_STEPS,
    Action,
    CaseKind,
    CaseState,
    EventKind,
    EvidenceKind,
    ProposalStatus,
    ReviewStatus,
)
from restoration.errors import Forbidden, Invalid, NotFound, WrongState
from restoration.models import Case, Delegation, Evidence, Inspection, RectificationOrder
from restoration.permissions import role_may, who_may
from restoration.services import events
from restoration.services.funds import fund_account_for, fund_charge_delegated_treatment

S = CaseState


# ---------------------------------------------------------------- checks


def _lock(case_id, user) -> Case:
    """The case row, locked for this transaction, if the user may see it; else NotFound."""
    queryset = Case.objects.all() if user is None else Case.objects.visible_to(user)
    try:
        return queryset.select_for_update(no_key=True).get(pk=case_id)
    except (Case.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def require_role(user, action: str) -> None:
    """403 for a role that may never take this step. Pages and the API call it before they even
    read the input, so a wrong role learns nothing from validation messages."""
    if user is not None and not role_may(user, action):
        raise Forbidden(
            _("Only %(who)s may %(action)s.") % {"who": who_may(action), "action": Action(action).label},
            code="role",
        )


def _check(case: Case, user, action: str) -> None:
    """Role, then kind and state. The message says why, in the user's language."""
    require_role(user, action)
    if action not in KIND_ACTIONS[case.kind]:
        raise WrongState(
            _("A %(kind)s case has no step “%(action)s”.")
            % {"kind": case.get_kind_display(), "action": Action(action).label},
            code="kind",
        )
    if case.state not in ACTION_FROM[action]:
        if action in (Action.APPROVE, Action.REJECT):
            raise WrongState(
                _("This case has already been decided: it is now “%(state)s”.") % {"state": case.get_state_display()},
                code="already_decided",
            )
        raise WrongState(
            _("“%(action)s” is not possible while the case is “%(state)s”.")
            % {"action": Action(action).label, "state": case.get_state_display()},
            code="state",
        )


def _four_eyes(case: Case, user) -> None:
    if user is not None and case.proposed_by_id == user.pk:
        raise Forbidden(
            _("You proposed this yourself; another supervisor must decide it (four-eyes rule)."),
            code="four_eyes",
        )


def _begin(case_id, user, action) -> Case:
    case = _lock(case_id, user)
    _check(case, user, action)
    return case


def _move(case: Case, to_state: str, *, proposed_by=None, return_state: str = "") -> str:
    """Set the new state (the caller saves); returns the old one."""
    old = case.state
    case.state = to_state
    case.proposed_by = proposed_by
    case.return_state = return_state
    if to_state in (S.CLOSED, S.ACCEPTED, S.REMOVED, S.WITHDRAWN):
        case.closed_at = timezone.now()
    return old


def _save(case: Case, *extra_fields):
    fields = {"state", "proposed_by", "return_state", "closed_at", "updated_at", *extra_fields}
    case.save(update_fields=sorted(fields))


def _set_deadline(case: Case, deadline: date, actor) -> None:
    case.deadline = deadline
    case.deadline_version += 1
    events.event_deadline(case, actor, deadline=deadline, version=case.deadline_version)


def _require_reason(reason: str, message) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(message, code="reason_required", fields={"reason": [message]})
    return reason


# ---------------------------------------------------------------- opening


def case_open(
    *,
    user,
    kind: str,
    mine=None,
    site=None,
    title: str = "",
    description: str = "",
    deadline: date | None = None,
) -> Case:
    """Open a case about a mine or a site the user may see.

    A company opens its own closure application (a draft); bureau staff open the others.
    """
    from mines.models import HistoricalSite, Mine

    if kind not in CaseKind.values:
        raise Invalid(_("Unknown kind of case."), code="kind")
    if kind == CaseKind.HISTORICAL_SITE:
        if site is None or not HistoricalSite.objects.visible_to(user).filter(pk=site.pk).exists():
            raise NotFound(_("No such historical site."))
        subject_county, company = site.county, None
    else:
        if mine is None or not Mine.objects.visible_to(user).filter(pk=mine.pk).exists():
            raise NotFound(_("No such mine."))
        subject_county, company = mine.county, mine.company
    role = Role.ADMIN if user.is_superuser else user.role
    if kind == CaseKind.CLOSURE:
        if role not in (Role.COMPANY, Role.OFFICER, Role.SUPERVISOR, Role.ADMIN):
            raise Forbidden(_("Only the mining company or bureau staff may open a closure application."), code="role")
        if mine.production_status == ProductionStatus.CLOSED:
            raise WrongState(_("This mine is already closed."), code="closed")
    elif not user.is_bureau:
        raise Forbidden(_("Only bureau officers and supervisors may open this kind of case."), code="role")
    if kind in (CaseKind.GREEN_VERIFICATION, CaseKind.ANNUAL_INSPECTION):
        if deadline is None:
            message = _("Set the date by which the inspection is due.")
            raise Invalid(message, code="deadline_required", fields={"deadline": [message]})
        if deadline < timezone.localdate():
            message = _("The due date cannot be in the past.")
            raise Invalid(message, code="deadline_past", fields={"deadline": [message]})
    if kind == CaseKind.GREEN_VERIFICATION and not GreenMineListing.objects.current().filter(mine=mine).exists():
        raise WrongState(_("This mine is not on the green-mine list."), code="not_listed")
    if kind == CaseKind.HISTORICAL_SITE and site.status == SiteStatus.ACCEPTED:
        raise WrongState(_("This site's treatment has already been accepted."), code="accepted")

    subject = site if kind == CaseKind.HISTORICAL_SITE else mine
    if not (title or "").strip():
        # Case titles are records in the bureau's language, whoever opens the case.
        with override(settings.LANGUAGE_CODE):
            title = f"{subject.name}{CaseKind(kind).label}"
    try:
        with transaction.atomic():
            case = Case.objects.create(
                kind=kind,
                state=INITIAL_STATE[kind],
                title=title.strip()[:200],
                description=description,
                mine=mine if kind != CaseKind.HISTORICAL_SITE else None,
                site=site if kind == CaseKind.HISTORICAL_SITE else None,
                county=subject_county,
                company=company,
                assigned_officer=user if user.role == Role.OFFICER else None,
                created_by=user,
            )
            case.number = case.make_number()
            case.save(update_fields=["number"])
            events.event_created(case, user)
            if deadline is not None and case.state == S.SCHEDULED:
                _set_deadline(case, deadline, user)
                case.save(update_fields=["deadline", "deadline_version"])
            if kind == CaseKind.HISTORICAL_SITE:
                _sync_site_status(case)
    except IntegrityError:
        if kind == CaseKind.CLOSURE:
            raise WrongState(_("This mine already has an open closure case."), code="duplicate") from None
        if kind == CaseKind.HISTORICAL_SITE:
            raise WrongState(_("This site already has an open treatment case."), code="duplicate") from None
        raise
    return case


# ---------------------------------------------------------------- company


@transaction.atomic
def case_submit(*, case_id, user) -> Case:
    """The company submits its closure application; it must carry the required evidence."""
    case = _begin(case_id, user, Action.SUBMIT)
    current = Evidence.objects.filter(case=case).current().exclude(review_status=ReviewStatus.REJECTED)
    missing = []
    if not current.filter(kind__in=CLOSURE_REQUIRED_EVIDENCE).exists():
        missing.append(str(EvidenceKind.IMPACT_ASSESSMENT.label))
    if not current.filter(kind__in=CLOSURE_RESTORATION_EVIDENCE).exists():
        missing.append(str(_("restoration evidence (report, photos, drone images or survey)")))
    if missing:
        raise Invalid(
            _("Attach before submitting: %(missing)s.") % {"missing": "、".join(missing)}, code="evidence_missing"
        )
    old = _move(case, S.SUBMITTED)
    _save(case)
    events.event_transition(case, user, action=Action.SUBMIT, from_state=old)
    return case


@transaction.atomic
def case_withdraw(*, case_id, user, reason: str = "") -> Case:
    case = _begin(case_id, user, Action.WITHDRAW)
    old = _move(case, S.WITHDRAWN)
    _save(case)
    events.event_transition(case, user, action=Action.WITHDRAW, from_state=old, reason=reason)
    return case


@transaction.atomic
def case_submit_rectification(*, case_id, user, note: str = "") -> Case:
    """The company says the ordered works are done; the case goes back for re-inspection."""
    case = _begin(case_id, user, Action.SUBMIT_RECTIFICATION)
    order = case.orders.filter(status=ProposalStatus.APPROVED).order_by("-decided_at").first()
    since = order.decided_at if order else case.created_at
    if (
        not Evidence.objects.filter(case=case, uploaded_at__gte=since)
        .exclude(review_status=ReviewStatus.REJECTED)
        .exists()
    ):
        raise Invalid(
            _("Upload the evidence of the rectification works before submitting them."), code="evidence_missing"
        )
    late = case.state == S.OVERDUE
    old = _move(case, S.UNDER_REVIEW)
    _save(case)
    events.event_transition(
        case, user, action=Action.SUBMIT_RECTIFICATION, from_state=old, reason=note, data={"late": late}
    )
    return case


# ---------------------------------------------------------------- officers


@transaction.atomic
def case_accept_for_review(*, case_id, user) -> Case:
    case = _begin(case_id, user, Action.ACCEPT_FOR_REVIEW)
    old = _move(case, S.UNDER_REVIEW)
    if case.assigned_officer_id is None:
        case.assigned_officer = user
        events.event_assigned(case, user, user)
    _save(case, "assigned_officer")
    events.event_transition(case, user, action=Action.ACCEPT_FOR_REVIEW, from_state=old)
    return case


@transaction.atomic
def case_start_inspection(*, case_id, user) -> Case:
    """A scheduled annual inspection or green-mine verification begins."""
    case = _begin(case_id, user, Action.START_INSPECTION)
    old = _move(case, S.UNDER_REVIEW)
    if case.assigned_officer_id is None:
        case.assigned_officer = user
    _save(case, "assigned_officer")
    events.event_transition(case, user, action=Action.START_INSPECTION, from_state=old)
    return case


@transaction.atomic
def case_record_inspection(
    *,
    case_id,
    user,
    inspected_on: date,
    inspectors: str,
    findings: str,
    passed: bool,
    departments: str = "",
    area_restored_ha: Decimal = Decimal("0"),
    order_requirements: str = "",
    order_deadline: date | None = None,
    photos=(),
) -> Case:
    """Record an inspection. A pass moves the case on; a failure during review proposes a
    rectification order (requirements and deadline), which a supervisor must approve."""
    case = _begin(case_id, user, Action.RECORD_INSPECTION)
    if case.state == S.AWAITING_ACCEPTANCE and case.kind != CaseKind.HISTORICAL_SITE:
        raise WrongState(_("Only a historical-site case awaits acceptance."), code="state")
    errors = {}
    today = timezone.localdate()
    if inspected_on is None or inspected_on > today:
        errors["inspected_on"] = [_("The inspection date cannot be in the future.")]
    if not (inspectors or "").strip():
        errors["inspectors"] = [_("Name the inspectors.")]
    if not (findings or "").strip():
        errors["findings"] = [_("Describe the findings.")]
    if area_restored_ha is None or area_restored_ha < 0:
        errors["area_restored_ha"] = [_("The restored area cannot be negative.")]
    proposes_order = not passed and case.state == S.UNDER_REVIEW
    if proposes_order:
        if not (order_requirements or "").strip():
            errors["order_requirements"] = [_("A failed inspection needs the rectification requirements.")]
        if order_deadline is None or order_deadline <= today:
            errors["order_deadline"] = [_("The rectification deadline must be a date after today.")]
    delegation = None
    if passed and case.state == S.DELEGATED_TREATMENT:
        delegation = case.delegations.filter(status=ProposalStatus.APPROVED).order_by("-decided_at").first()
        if delegation is None or delegation.actual_cost is None:
            errors["passed"] = [_("Record the actual cost of the delegated treatment before it can pass.")]
    if errors:
        raise Invalid(_("The inspection could not be recorded; see the marked fields."), fields=errors)

    inspection = Inspection.objects.create(
        case=case,
        inspected_on=inspected_on,
        inspectors=inspectors.strip(),
        departments=(departments or "").strip(),
        findings=findings.strip(),
        area_restored_ha=area_restored_ha,
        passed=passed,
        recorded_by=user,
    )
    for photo in photos:
        Evidence.objects.filter(pk=photo.pk, case=case).update(inspection=inspection)

    old = case.state
    if passed:
        if case.kind == CaseKind.HISTORICAL_SITE or case.kind == CaseKind.CLOSURE:
            _move(case, S.AWAITING_APPROVAL, proposed_by=user, return_state=old)
        elif case.kind in CLOSES_ON_PASS:
            _move(case, S.CLOSED)
            if case.kind == CaseKind.GREEN_VERIFICATION:
                _green_listing_renewed(case, inspection.inspected_on)
    elif proposes_order:
        RectificationOrder.objects.create(
            case=case,
            inspection=inspection,
            requirements=order_requirements.strip(),
            deadline=cast(date, order_deadline),  # checked above: a failed review needs its deadline
            drafted_by=user,
        )
        _move(case, S.RECTIFICATION_PROPOSED, proposed_by=user, return_state=old)
    elif case.state == S.AWAITING_ACCEPTANCE:
        _move(case, S.UNDER_TREATMENT)
    _save(case)
    events.event_inspection(case, user, inspection, from_state=old)
    if case.kind == CaseKind.HISTORICAL_SITE:
        _sync_site_status(case)
    return case


@transaction.atomic
def case_propose_delegation(*, case_id, user, contractor, cost_estimate: Decimal, scope: str = "") -> Case:
    """逾期仍不合格: the officer proposes a qualified contractor and an estimate."""
    from mines.models import Contractor

    case = _begin(case_id, user, Action.PROPOSE_DELEGATION)
    errors = {}
    if contractor is None or not Contractor.objects.visible_to(user).filter(pk=contractor.pk).exists():
        errors["contractor"] = [_("Choose a qualified contractor.")]
    if cost_estimate is None or cost_estimate <= 0:
        errors["cost_estimate"] = [_("The cost estimate must be greater than zero.")]
    if errors:
        raise Invalid(_("The delegation could not be proposed; see the marked fields."), fields=errors)
    Delegation.objects.create(
        case=case, contractor=contractor, cost_estimate=cost_estimate, scope=scope or "", drafted_by=user
    )
    old = _move(case, S.DELEGATION_PROPOSED, proposed_by=user, return_state=S.OVERDUE)
    _save(case)
    events.event_transition(
        case,
        user,
        action=Action.PROPOSE_DELEGATION,
        from_state=old,
        data={"contractor": contractor.name, "cost_estimate": str(cost_estimate)},
    )
    return case


@transaction.atomic
def case_record_treatment_cost(*, case_id, user, actual_cost: Decimal) -> Case:
    """The actual cost of delegated treatment is charged to the mine's fund; any shortfall
    becomes a receivable against the company, which is barred until it is settled."""
    case = _begin(case_id, user, Action.RECORD_TREATMENT_COST)
    delegation = case.delegations.filter(status=ProposalStatus.APPROVED).order_by("-decided_at").first()
    if delegation is None:
        raise WrongState(_("There is no approved delegation on this case."), code="no_delegation")
    if delegation.actual_cost is not None:
        raise WrongState(_("The actual cost has already been recorded and charged."), code="already_charged")
    if actual_cost is None or actual_cost <= 0:
        message = _("The actual cost must be greater than zero.")
        raise Invalid(message, fields={"actual_cost": [message]})
    delegation.actual_cost = actual_cost
    delegation.cost_recorded_by = user
    delegation.cost_recorded_at = timezone.now()
    delegation.save(update_fields=["actual_cost", "cost_recorded_by", "cost_recorded_at"])
    charged, shortfall = fund_charge_delegated_treatment(case=case, cost=actual_cost, actor=user)
    events.event_fund_charged(case, user, cost=actual_cost, charged=charged, receivable=shortfall)
    return case


@transaction.atomic
def case_report_treatment_done(*, case_id, user, note: str = "") -> Case:
    """The contractor reports the delegated works finished; an officer then inspects."""
    case = _begin(case_id, user, Action.REPORT_TREATMENT_DONE)
    delegation = case.delegations.filter(status=ProposalStatus.APPROVED).order_by("-decided_at").first()
    if delegation is None:
        raise WrongState(_("There is no approved delegation on this case."), code="no_delegation")
    delegation.reported_done_at = timezone.now()
    delegation.save(update_fields=["reported_done_at"])
    events.event_transition(
        case, user, action=Action.REPORT_TREATMENT_DONE, from_state=case.state, reason=note, kind=EventKind.COMMENT
    )
    return case


@transaction.atomic
def case_propose_removal(*, case_id, user, reason: str) -> Case:
    """A green mine still failing after its deadline: propose removal from the list."""
    case = _begin(case_id, user, Action.PROPOSE_REMOVAL)
    reason = _require_reason(reason, _("Give the reason for removal."))
    old = _move(case, S.REMOVAL_PROPOSED, proposed_by=user, return_state=S.OVERDUE)
    _save(case)
    events.event_transition(case, user, action=Action.PROPOSE_REMOVAL, from_state=old, reason=reason)
    return case


@transaction.atomic
def case_advance_site(*, case_id, user, note: str = "", contractor=None) -> Case:
    """Historical-site treatment: identified → surveyed → designed → under treatment."""
    case = _begin(case_id, user, Action.ADVANCE_SITE)
    to_state = SITE_STEPS[case.state]
    if to_state == S.UNDER_TREATMENT:
        project = case.the_site().key_project
        contractor = contractor or (project.contractor if project is not None else None)
        case.contractor = contractor
    old = _move(case, to_state)
    _save(case, "contractor")
    events.event_transition(case, user, action=Action.ADVANCE_SITE, from_state=old, reason=note)
    _sync_site_status(case)
    return case


@transaction.atomic
def case_request_acceptance(*, case_id, user, note: str = "") -> Case:
    case = _begin(case_id, user, Action.REQUEST_ACCEPTANCE)
    old = _move(case, S.AWAITING_ACCEPTANCE)
    _save(case)
    events.event_transition(case, user, action=Action.REQUEST_ACCEPTANCE, from_state=old, reason=note)
    _sync_site_status(case)
    return case


# ---------------------------------------------------------------- supervisors


@transaction.atomic
def case_approve(*, case_id, user, reason: str = "") -> Case:
    """Approve what the case awaits: a closure, an acceptance, an order, a delegation, a removal."""
    case = _begin(case_id, user, Action.APPROVE)
    _four_eyes(case, user)
    now = timezone.now()
    old = case.state
    data = {}
    if case.state == S.AWAITING_APPROVAL and case.kind == CaseKind.CLOSURE:
        _move(case, S.CLOSED)
        mine = case.the_mine()
        mine.production_status = ProductionStatus.CLOSED
        mine.save(update_fields=["production_status", "updated_at"])
    elif case.state == S.AWAITING_APPROVAL and case.kind == CaseKind.HISTORICAL_SITE:
        inspection = case.inspections.filter(passed=True).first()
        if inspection is None:
            raise WrongState(_("There is no passing inspection to accept."), code="no_inspection")
        _move(case, S.ACCEPTED)
        site = case.the_site()
        site.area_restored_ha = min(inspection.area_restored_ha, site.damaged_area_ha)
        site.accepted_on = timezone.localdate()
        site.save(update_fields=["area_restored_ha", "accepted_on", "updated_at"])
        data["area_restored_ha"] = str(site.area_restored_ha)
    elif case.state == S.RECTIFICATION_PROPOSED:
        order = case.orders.get(status=ProposalStatus.PROPOSED)
        order.status, order.decided_by, order.decided_at, order.decision_reason = (
            ProposalStatus.APPROVED,
            user,
            now,
            reason,
        )
        order.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        _move(case, S.RECTIFICATION_ORDERED)
        _set_deadline(case, order.deadline, user)
        if case.kind == CaseKind.GREEN_VERIFICATION:
            GreenMineListing.objects.current().filter(mine=case.mine).update(status=GreenMineStatus.UNDER_RECTIFICATION)
        data["deadline"] = order.deadline.isoformat()
    elif case.state == S.DELEGATION_PROPOSED:
        delegation = case.delegations.get(status=ProposalStatus.PROPOSED)
        delegation.status, delegation.decided_by, delegation.decided_at, delegation.decision_reason = (
            ProposalStatus.APPROVED,
            user,
            now,
            reason,
        )
        delegation.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        case.contractor = delegation.contractor
        fund_account_for(case.mine)
        _move(case, S.DELEGATED_TREATMENT)
        data["contractor"] = delegation.contractor.name
    elif case.state == S.REMOVAL_PROPOSED:
        GreenMineListing.objects.current().filter(mine=case.mine).update(
            status=GreenMineStatus.REMOVED, removed_on=timezone.localdate()
        )
        _move(case, S.REMOVED)
    _save(case, "deadline", "deadline_version", "contractor")
    events.event_transition(
        case, user, action=Action.APPROVE, from_state=old, reason=reason, data=data, kind=EventKind.APPROVED
    )
    if case.kind == CaseKind.HISTORICAL_SITE:
        _sync_site_status(case)
    return case


@transaction.atomic
def case_reject(*, case_id, user, reason: str) -> Case:
    """Reject the proposal with a reason; the case goes back to where it came from."""
    case = _begin(case_id, user, Action.REJECT)
    _four_eyes(case, user)
    reason = _require_reason(reason, _("Give the reason for rejecting."))
    now = timezone.now()
    old = case.state
    if case.state == S.RECTIFICATION_PROPOSED:
        case.orders.filter(status=ProposalStatus.PROPOSED).update(
            status=ProposalStatus.REJECTED, decided_by=user, decided_at=now, decision_reason=reason
        )
    elif case.state == S.DELEGATION_PROPOSED:
        case.delegations.filter(status=ProposalStatus.PROPOSED).update(
            status=ProposalStatus.REJECTED, decided_by=user, decided_at=now, decision_reason=reason
        )
    back = case.return_state or S.UNDER_REVIEW
    _move(case, back)
    _save(case)
    events.event_transition(case, user, action=Action.REJECT, from_state=old, reason=reason, kind=EventKind.REJECTED)
    if case.kind == CaseKind.HISTORICAL_SITE:
        _sync_site_status(case)
    return case


# ---------------------------------------------------------------- everyone with access


@transaction.atomic
def case_comment(*, case_id, user, text: str) -> Case:
    case = _lock(case_id, user)
    text = _require_reason(text, _("The comment is empty."))
    events.event_comment(case, user, text[:4000])
    return case


@transaction.atomic
def case_assign(*, case_id, user, officer) -> Case:
    case = _lock(case_id, user)
    if not user.is_bureau:
        raise Forbidden(_("Only bureau staff may assign cases."), code="role")
    if officer is None or not officer.is_bureau or not Case.objects.visible_to(officer).filter(pk=case.pk).exists():
        raise Invalid(_("That officer cannot see this case's county."), code="officer_scope")
    case.assigned_officer = officer
    case.save(update_fields=["assigned_officer", "updated_at"])
    events.event_assigned(case, user, officer)
    return case


# ---------------------------------------------------------------- the system


def cases_mark_overdue(*, today: date | None = None, batch_size: int = 1000) -> int:
    """Rectification orders whose deadline has passed become overdue (逾期仍不合格).

    Set-based and safe to run twice or in parallel: each batch claims its rows with a
    conditional UPDATE inside a transaction, so a row is moved, and its event written, once.
    """
    today = today or timezone.localdate()
    moved = 0
    while True:
        with transaction.atomic():
            ids = list(
                Case.objects.filter(state=S.RECTIFICATION_ORDERED, deadline__lt=today)
                .select_for_update(skip_locked=True)
                .values_list("pk", flat=True)[:batch_size]
            )
            if not ids:
                return moved
            claimed = Case.objects.filter(pk__in=ids, state=S.RECTIFICATION_ORDERED)
            claimed_ids = list(claimed.values_list("pk", flat=True))
            claimed.update(state=S.OVERDUE, updated_at=timezone.now())
            cases = Case.objects.filter(pk__in=claimed_ids).only("pk", "state", "deadline")
            from restoration.models import CaseEvent

            CaseEvent.objects.bulk_create(
                CaseEvent(
                    case=case,
                    kind=EventKind.TRANSITION,
                    action=Action.MARK_OVERDUE,
                    from_state=S.RECTIFICATION_ORDERED,
                    to_state=S.OVERDUE,
                    data={"deadline": case.deadline.isoformat(), "today": today.isoformat()},
                )
                for case in cases
            )
            moved += len(claimed_ids)


@transaction.atomic
def case_mark_overdue(*, case_id, user=None, today: date | None = None) -> Case:
    """One case, by hand (an officer in the admin or on the page)."""
    today = today or timezone.localdate()
    case = _begin(case_id, user, Action.MARK_OVERDUE)
    if case.deadline is None or case.deadline >= today:
        raise WrongState(_("The deadline has not passed yet."), code="not_due")
    old = _move(case, S.OVERDUE)
    _save(case)
    events.event_transition(case, user, action=Action.MARK_OVERDUE, from_state=old)
    return case


# ---------------------------------------------------------------- helpers


def _green_listing_renewed(case: Case, verified_on: date) -> None:
    GreenMineListing.objects.filter(mine=case.mine).exclude(status=GreenMineStatus.REMOVED).update(
        status=GreenMineStatus.LISTED, last_verified_on=verified_on
    )


_SITE_STATUS: dict[str, str] = {
    S.IDENTIFIED: SiteStatus.IDENTIFIED,
    S.SURVEYED: SiteStatus.SURVEYED,
    S.DESIGNED: SiteStatus.DESIGNED,
    S.UNDER_TREATMENT: SiteStatus.UNDER_TREATMENT,
    S.AWAITING_ACCEPTANCE: SiteStatus.AWAITING_ACCEPTANCE,
    S.AWAITING_APPROVAL: SiteStatus.AWAITING_ACCEPTANCE,
    S.ACCEPTED: SiteStatus.ACCEPTED,
}


def _sync_site_status(case: Case) -> None:
    """A historical site's status follows its treatment case."""
    status = _SITE_STATUS.get(case.state)
    site = case.the_site()
    if status and site.status != status:
        site.status = status
        site.save(update_fields=["status", "updated_at"])


def available_actions(case: Case, user) -> list[str]:
    """The actions this user could take on this case now (for showing buttons)."""
    out = []
    for action in KIND_ACTIONS[case.kind]:
        if action == Action.MARK_OVERDUE:
            continue
        if case.state in ACTION_FROM[action] and role_may(user, action):
            if action in (Action.APPROVE, Action.REJECT) and case.proposed_by_id == user.pk:
                continue
            if (
                action == Action.RECORD_INSPECTION
                and case.state == S.AWAITING_ACCEPTANCE
                and (case.kind != CaseKind.HISTORICAL_SITE)
            ):
                continue
            out.append(action)
    order = list(Action.values)
    return sorted(out, key=order.index)


# ---------------------------------------------------------------- annual restoration reports


@transaction.atomic
def reporting_period_open(*, user, year: int, due_date: date) -> tuple:
    """The bureau asks every producing mine in the user's scope for its report on `year`, due
    `due_date`: one annual-report case per mine (already opened ones are left alone)."""
    from mines.models import Mine
    from restoration.models import ReportingPeriod

    if not user.is_bureau:
        raise Forbidden(_("Only bureau officers and supervisors open a reporting period."), code="role")
    today = timezone.localdate()
    if not (2000 <= int(year) <= today.year):
        message = _("The report year must be a past or the current year.")
        raise Invalid(message, code="year", fields={"year": [message]})
    if due_date is None or due_date < today:
        message = _("The due date cannot be in the past.")
        raise Invalid(message, code="deadline_past", fields={"due_date": [message]})
    period, created = ReportingPeriod.objects.get_or_create(
        year=year, defaults={"due_date": due_date, "opened_by": user}
    )
    if not created and period.due_date != due_date:
        raise WrongState(
            _("The %(year)d period is already open, due %(date)s.") % {"year": period.year, "date": period.due_date},
            code="period_open",
        )
    mines = (
        Mine.objects.visible_to(user)
        .filter(production_status=ProductionStatus.PRODUCING)
        .exclude(cases__kind=CaseKind.ANNUAL_REPORT, cases__period=period)
        .select_related("county", "company")
    )
    opened = 0
    with override(settings.LANGUAGE_CODE):
        title_suffix = str(_("%(year)d annual restoration report") % {"year": period.year})
    for mine in mines:
        case = Case.objects.create(
            kind=CaseKind.ANNUAL_REPORT,
            state=S.SCHEDULED,
            title=f"{mine.name}{title_suffix}"[:200],
            mine=mine,
            county=mine.county,
            company=mine.company,
            period=period,
            created_by=user,
        )
        case.number = case.make_number()
        case.save(update_fields=["number"])
        events.event_created(case, user)
        _set_deadline(case, period.due_date, user)
        case.save(update_fields=["deadline", "deadline_version"])
        opened += 1
    return period, opened


@transaction.atomic
def case_lodge_report(*, case_id, user, lines: dict, notes: str = "") -> Case:
    """The company lodges its annual report: land disturbed and restored this year, in hectares by
    category. Lodged after the due date it is flagged late."""
    from restoration.models import AnnualReport, AnnualReportLine, DisturbanceCategory

    case = _begin(case_id, user, Action.LODGE_REPORT)
    errors = {}
    rows = []
    for category, (disturbed, restored) in (lines or {}).items():
        if category not in DisturbanceCategory.values:
            errors[category] = [_("Unknown category.")]
            continue
        try:
            disturbed, restored = Decimal(str(disturbed or 0)), Decimal(str(restored or 0))
        except (ArithmeticError, ValueError):
            errors[category] = [_("Areas are numbers of hectares.")]
            continue
        if disturbed < 0 or restored < 0 or disturbed > 100000 or restored > 100000:
            errors[category] = [_("Areas are between 0 and 100,000 ha.")]
            continue
        if disturbed or restored:
            rows.append((category, disturbed.quantize(Decimal("0.01")), restored.quantize(Decimal("0.01"))))
    if errors:
        raise Invalid(_("The report could not be lodged; see the marked fields."), fields=errors)
    if not rows:
        raise Invalid(_("Enter the land disturbed or restored in at least one category (0 if none)."), code="empty")
    if case.period is None or case.deadline is None:
        raise WrongState(_("This case has no reporting period."), code="no_period")
    late = timezone.localdate() > case.deadline
    report = AnnualReport.objects.create(
        case=case, mine=case.the_mine(), year=case.period.year, late=late, notes=notes or "", lodged_by=user
    )
    AnnualReportLine.objects.bulk_create(
        AnnualReportLine(report=report, category=c, disturbed_ha=d, restored_ha=r) for c, d, r in rows
    )
    old = _move(case, S.SUBMITTED)
    _save(case)
    events.event_transition(
        case,
        user,
        action=Action.LODGE_REPORT,
        from_state=old,
        reason=notes,
        data={"late": late, "report": report.pk, "year": report.year},
        kind=EventKind.REPORT_LODGED,
    )
    return case


@transaction.atomic
def case_accept_report(*, case_id, user, reason: str = "") -> Case:
    from restoration.models import ReportStatus

    case = _begin(case_id, user, Action.ACCEPT_REPORT)
    case.annual_reports.filter(status=ReportStatus.LODGED).update(status=ReportStatus.ACCEPTED)
    old = _move(case, S.CLOSED)
    _save(case)
    events.event_transition(case, user, action=Action.ACCEPT_REPORT, from_state=old, reason=reason)
    return case


@transaction.atomic
def case_return_report(*, case_id, user, reason: str) -> Case:
    """Back to the company for correction; the returned report is kept, and it lodges again."""
    from restoration.models import ReportStatus

    case = _begin(case_id, user, Action.RETURN_REPORT)
    reason = _require_reason(reason, _("Say what must be corrected."))
    case.annual_reports.filter(status=ReportStatus.LODGED).update(status=ReportStatus.RETURNED)
    old = _move(case, S.SCHEDULED)
    _save(case)
    events.event_transition(case, user, action=Action.RETURN_REPORT, from_state=old, reason=reason)
    return case
