"""Which role may take which action. Scope (which cases) is `Case.objects.visible_to`."""

from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from restoration.choices import Action

COMPANY = frozenset({Role.COMPANY})
BUREAU = frozenset({Role.OFFICER, Role.SUPERVISOR, Role.ADMIN})
SUPERVISORS = frozenset({Role.SUPERVISOR, Role.ADMIN})
CONTRACTOR = frozenset({Role.CONTRACTOR})

ACTION_ROLES: dict[str, frozenset[str]] = {
    Action.SUBMIT: COMPANY,
    Action.WITHDRAW: COMPANY,
    Action.SUBMIT_RECTIFICATION: COMPANY,
    Action.ACCEPT_FOR_REVIEW: BUREAU,
    Action.START_INSPECTION: BUREAU,
    Action.RECORD_INSPECTION: BUREAU,
    Action.PROPOSE_DELEGATION: BUREAU,
    Action.RECORD_TREATMENT_COST: BUREAU,
    Action.PROPOSE_REMOVAL: BUREAU,
    Action.ADVANCE_SITE: BUREAU,
    Action.REQUEST_ACCEPTANCE: BUREAU | CONTRACTOR,
    Action.REPORT_TREATMENT_DONE: CONTRACTOR | BUREAU,
    Action.APPROVE: SUPERVISORS,
    Action.REJECT: SUPERVISORS,
    Action.MARK_OVERDUE: BUREAU,
    Action.LODGE_REPORT: COMPANY,
    Action.ACCEPT_REPORT: BUREAU,
    Action.RETURN_REPORT: BUREAU,
}

ROLE_NAMES: dict[frozenset[str], object] = {
    COMPANY: _("the mining company"),
    BUREAU: _("bureau officers and supervisors"),
    SUPERVISORS: _("supervisors"),
    BUREAU | CONTRACTOR: _("bureau staff or the contractor"),
    CONTRACTOR | BUREAU: _("the contractor or bureau staff"),
}


def effective_role(user) -> str:
    return Role.ADMIN if user.is_superuser else user.role


def role_may(user, action: str) -> bool:
    return user.is_active and effective_role(user) in ACTION_ROLES[action]


def who_may(action: str):
    return ROLE_NAMES.get(ACTION_ROLES[action], "")


def may_upload_evidence(user, case) -> bool:
    """Companies and bureau staff on any open case; a contractor on the work entrusted to it."""
    from restoration.choices import CaseState

    if not case.is_open:
        return False
    role = effective_role(user)
    if role in BUREAU or role == Role.COMPANY:
        return True
    if role == Role.CONTRACTOR:
        return case.state in (CaseState.DELEGATED_TREATMENT, CaseState.UNDER_TREATMENT)
    return False


def may_review_evidence(user) -> bool:
    return effective_role(user) in BUREAU


def may_manage_funds(user) -> bool:
    """Record accruals, deposits, withdrawals, reversals, payments and disbursements."""
    return user.is_active and effective_role(user) in BUREAU


def may_approve_funds(user) -> bool:
    return user.is_active and effective_role(user) in SUPERVISORS
