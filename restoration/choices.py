"""Case kinds, states, events and the allowed transitions, as data the services and pages share."""

from collections.abc import Set as AbstractSet

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CaseKind(models.TextChoices):
    CLOSURE = "closure", _("Closure acceptance")
    RECTIFICATION = "rectification", _("Rectification")
    HISTORICAL_SITE = "historical_site", _("Historical-site treatment")
    GREEN_VERIFICATION = "green_verification", _("Green-mine verification")
    ANNUAL_INSPECTION = "annual_inspection", _("Annual restoration inspection")
    ANNUAL_REPORT = "annual_report", _("Annual restoration report")


class CaseState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    SCHEDULED = "scheduled", _("Scheduled")
    UNDER_REVIEW = "under_review", _("Under review")
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
    RECTIFICATION_PROPOSED = "rectification_proposed", _("Rectification order awaiting approval")
    RECTIFICATION_ORDERED = "rectification_ordered", _("Rectification ordered")
    OVERDUE = "overdue", _("Overdue")
    DELEGATION_PROPOSED = "delegation_proposed", _("Delegation awaiting approval")
    DELEGATED_TREATMENT = "delegated_treatment", pgettext_lazy("case state", "Delegated treatment")
    REMOVAL_PROPOSED = "removal_proposed", _("Removal from the list awaiting approval")
    # Historical-site treatment
    IDENTIFIED = "identified", _("Identified")
    SURVEYED = "surveyed", _("Surveyed")
    DESIGNED = "designed", _("Designed")
    UNDER_TREATMENT = "under_treatment", _("Under treatment")
    AWAITING_ACCEPTANCE = "awaiting_acceptance", _("Awaiting acceptance")
    # Ends
    CLOSED = "closed", pgettext_lazy("case state", "Closed")
    ACCEPTED = "accepted", _("Accepted")
    REMOVED = "removed", _("Removed from the list")
    WITHDRAWN = "withdrawn", _("Withdrawn")


S = CaseState

FINAL_STATES = frozenset({S.CLOSED, S.ACCEPTED, S.REMOVED, S.WITHDRAWN})
OPEN_STATES = frozenset(set(S) - FINAL_STATES)
# States in which the supervisor is asked to decide.
APPROVAL_STATES = frozenset({S.AWAITING_APPROVAL, S.RECTIFICATION_PROPOSED, S.DELEGATION_PROPOSED, S.REMOVAL_PROPOSED})
# States in which the case's deadline runs.
DEADLINE_STATES = frozenset({S.SCHEDULED, S.RECTIFICATION_ORDERED, S.OVERDUE})
# States in which the company may still withdraw (before review starts).
WITHDRAWABLE_STATES = frozenset({S.DRAFT, S.SUBMITTED})
# Where each kind starts.
INITIAL_STATE: dict[str, str] = {
    CaseKind.CLOSURE: S.DRAFT,
    CaseKind.RECTIFICATION: S.UNDER_REVIEW,
    CaseKind.HISTORICAL_SITE: S.IDENTIFIED,
    CaseKind.GREEN_VERIFICATION: S.SCHEDULED,
    CaseKind.ANNUAL_INSPECTION: S.SCHEDULED,
    CaseKind.ANNUAL_REPORT: S.SCHEDULED,
}
# The historical-site treatment steps an officer advances through.
SITE_STEPS: dict[str, str] = {S.IDENTIFIED: S.SURVEYED, S.SURVEYED: S.DESIGNED, S.DESIGNED: S.UNDER_TREATMENT}
# A passing inspection ends the case at once for these kinds (no supervisor approval).
CLOSES_ON_PASS = frozenset({CaseKind.RECTIFICATION, CaseKind.ANNUAL_INSPECTION, CaseKind.GREEN_VERIFICATION})


class Action(models.TextChoices):
    """Every transition a user can ask for; the service layer has one function per action."""

    SUBMIT = "submit", _("Submit")
    WITHDRAW = "withdraw", _("Withdraw")
    ACCEPT_FOR_REVIEW = "accept_for_review", _("Accept for review")
    START_INSPECTION = "start_inspection", _("Start inspection")
    RECORD_INSPECTION = "record_inspection", _("Record inspection")
    SUBMIT_RECTIFICATION = "submit_rectification", _("Submit rectification evidence")
    PROPOSE_DELEGATION = "propose_delegation", _("Propose delegated treatment")
    RECORD_TREATMENT_COST = "record_treatment_cost", _("Record treatment cost")
    REPORT_TREATMENT_DONE = "report_treatment_done", _("Report treatment done")
    PROPOSE_REMOVAL = "propose_removal", _("Propose removal from the green-mine list")
    ADVANCE_SITE = "advance_site", _("Complete this step")
    REQUEST_ACCEPTANCE = "request_acceptance", _("Request acceptance")
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")
    MARK_OVERDUE = "mark_overdue", _("Mark overdue")
    LODGE_REPORT = "lodge_report", _("Lodge the annual report")
    ACCEPT_REPORT = "accept_report", _("Accept the report")
    RETURN_REPORT = "return_report", _("Return the report for correction")


# From which states each action may be taken (the kind may narrow it further in the service).
ACTION_FROM: dict[str, AbstractSet[str]] = {
    Action.SUBMIT: {S.DRAFT},
    Action.WITHDRAW: WITHDRAWABLE_STATES,
    Action.ACCEPT_FOR_REVIEW: {S.SUBMITTED},
    Action.START_INSPECTION: {S.SCHEDULED},
    Action.RECORD_INSPECTION: {S.UNDER_REVIEW, S.DELEGATED_TREATMENT, S.AWAITING_ACCEPTANCE},
    Action.SUBMIT_RECTIFICATION: {S.RECTIFICATION_ORDERED, S.OVERDUE},
    Action.PROPOSE_DELEGATION: {S.OVERDUE},
    Action.RECORD_TREATMENT_COST: {S.DELEGATED_TREATMENT},
    Action.REPORT_TREATMENT_DONE: {S.DELEGATED_TREATMENT},
    Action.PROPOSE_REMOVAL: {S.OVERDUE},
    Action.ADVANCE_SITE: set(SITE_STEPS),
    Action.REQUEST_ACCEPTANCE: {S.UNDER_TREATMENT},
    Action.APPROVE: APPROVAL_STATES,
    Action.REJECT: APPROVAL_STATES,
    Action.MARK_OVERDUE: {S.RECTIFICATION_ORDERED},
    Action.LODGE_REPORT: {S.SCHEDULED},
    Action.ACCEPT_REPORT: {S.SUBMITTED},
    Action.RETURN_REPORT: {S.SUBMITTED},
}


_MINE_RECTIFYING = {
    Action.RECORD_INSPECTION,
    Action.SUBMIT_RECTIFICATION,
    Action.PROPOSE_DELEGATION,
    Action.RECORD_TREATMENT_COST,
    Action.REPORT_TREATMENT_DONE,
    Action.APPROVE,
    Action.REJECT,
    Action.MARK_OVERDUE,
}
# Which actions each kind of case knows at all.
KIND_ACTIONS: dict[str, set[str]] = {
    CaseKind.CLOSURE: _MINE_RECTIFYING | {Action.SUBMIT, Action.WITHDRAW, Action.ACCEPT_FOR_REVIEW},
    CaseKind.RECTIFICATION: set(_MINE_RECTIFYING),
    CaseKind.ANNUAL_INSPECTION: _MINE_RECTIFYING | {Action.START_INSPECTION},
    CaseKind.GREEN_VERIFICATION: (
        _MINE_RECTIFYING - {Action.PROPOSE_DELEGATION, Action.RECORD_TREATMENT_COST, Action.REPORT_TREATMENT_DONE}
    )
    | {Action.START_INSPECTION, Action.PROPOSE_REMOVAL},
    CaseKind.ANNUAL_REPORT: {Action.LODGE_REPORT, Action.ACCEPT_REPORT, Action.RETURN_REPORT},
    CaseKind.HISTORICAL_SITE: {
        Action.ADVANCE_SITE,
        Action.REQUEST_ACCEPTANCE,
        Action.RECORD_INSPECTION,
        Action.APPROVE,
        Action.REJECT,
    },
}


class EventKind(models.TextChoices):
    CREATED = "created", _("Case opened")
    TRANSITION = "transition", _("State changed")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    INSPECTION = "inspection", _("Inspection recorded")
    EVIDENCE_UPLOADED = "evidence_uploaded", _("Evidence uploaded")
    EVIDENCE_REVIEWED = "evidence_reviewed", _("Evidence reviewed")
    COMMENT = "comment", _("Comment")
    DEADLINE_SET = "deadline_set", _("Deadline set")
    FUND_CHARGED = "fund_charged", _("Restoration fund charged")
    ASSIGNED = "assigned", _("Officer assigned")
    REPORT_LODGED = "report_lodged", _("Annual report lodged")


class EvidenceKind(models.TextChoices):
    PHOTO = "photo", _("Photo")
    DRONE_IMAGE = "drone_image", _("Drone image")
    SURVEY = "survey", _("Survey")
    REPORT = "report", _("Restoration report")
    INVOICE = "invoice", _("Invoice")
    ACCEPTANCE_CERTIFICATE = "acceptance_certificate", _("Acceptance certificate")
    IMPACT_ASSESSMENT = "impact_assessment", _("Mine environmental impact assessment")
    DESIGN = "design", _("Treatment design")
    OTHER = "other", _("Other")


# What a closure application must carry before it can be submitted.
CLOSURE_REQUIRED_EVIDENCE = (EvidenceKind.IMPACT_ASSESSMENT,)
CLOSURE_RESTORATION_EVIDENCE = (EvidenceKind.REPORT, EvidenceKind.PHOTO, EvidenceKind.DRONE_IMAGE, EvidenceKind.SURVEY)


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("Pending review")
    ACCEPTED = "accepted", pgettext_lazy("evidence review", "Accepted")
    REJECTED = "rejected", pgettext_lazy("evidence review", "Rejected")


class ProposalStatus(models.TextChoices):
    # Also used for fund withdrawals: "approved" = paid out.
    PROPOSED = "proposed", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class FundEntryKind(models.TextChoices):
    ACCRUAL = "accrual", _("Accrual")
    DEPOSIT = "deposit", _("Deposit")
    WITHDRAWAL = "withdrawal", _("Withdrawal")
    CHARGE = "charge", _("Charge for delegated treatment")
    REFUND = "refund", _("Refund")
    REVERSAL = "reversal", _("Reversal")
