"""Reads for the case pages, each starting from `visible_to(user)`."""

from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from restoration.choices import APPROVAL_STATES, CaseState, ProposalStatus
from restoration.models import Case, CaseEvent, Evidence, Receivable


def case_list(*, user):
    return Case.objects.visible_to(user).select_related("county", "mine", "site", "company", "assigned_officer")


def case_detail(*, user, pk) -> Case | None:
    return (
        Case.objects.visible_to(user)
        .select_related("county", "mine", "mine__company", "site", "company", "contractor", "assigned_officer")
        .filter(pk=pk)
        .first()
    )


def case_timeline(*, case):
    return CaseEvent.objects.filter(case=case).select_related("actor").order_by("created_at", "pk")


def case_evidence(*, case):
    """Every version of every file, newest first, with who uploaded and reviewed it."""
    return Evidence.objects.filter(case=case).select_related("uploaded_by", "reviewed_by", "previous", "duplicate_of")


def workbench(*, user, today=None):
    """The officer's desk: counts by state, what is due within 7 days, what is overdue, the approval queue."""
    today = today or timezone.localdate()
    cases = Case.objects.visible_to(user)
    by_state = dict(cases.values_list("state").annotate(n=Count("id")).order_by())
    return {
        "by_state": [(CaseState(state).label, state, n) for state, n in sorted(by_state.items())],
        "due_soon": case_list(user=user).due_within(7, today).order_by("deadline")[:50],
        "overdue": case_list(user=user).open().overdue(today).order_by("deadline")[:50],
        "approvals": case_list(user=user)
        .filter(state__in=APPROVAL_STATES)
        .select_related("proposed_by")
        .order_by("updated_at")[:50],
        "mine": case_list(user=user).open().filter(assigned_officer=user).order_by("deadline", "-updated_at")[:50],
        "today": today,
    }


def company_cases(*, user):
    return case_list(user=user).order_by("deadline", "-created_at")


def company_bar_reasons(company) -> list[str]:
    """Why a company is barred from new mining rights (plan ch.5 三(三)), or [] if it is not.

    A company is barred while a delegated treatment of one of its mines is unfinished, or while
    it owes the bureau what its fund could not cover.
    """
    reasons = []
    owed = Receivable.objects.filter(company=company).outstanding().aggregate(total=Sum("amount"), n=Count("id"))
    if owed["n"]:
        reasons.append(
            _("It owes %(amount)s yuan for delegated treatment its restoration fund could not cover.")
            % {"amount": f"{owed['total']:,.2f}"}
        )
    open_delegated = (
        Case.objects.filter(company=company, delegations__status=ProposalStatus.APPROVED)
        .open()
        .distinct()
        .values_list("number", flat=True)
    )
    numbers = list(open_delegated)
    if numbers:
        reasons.append(
            _("Restoration of its mine was delegated at its cost and is not finished (case %(numbers)s).")
            % {"numbers": "、".join(numbers)}
        )
    return reasons
