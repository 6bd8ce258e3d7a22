"""Fund, receivable, reporting-period and key-project finance pages. Thin: forms in, one service call."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from mines.exports import export_format, export_query, export_response
from mines.models import KeyProject, Mine
from mines.viewmixins import get_visible_or_404
from restoration import fund_selectors as selectors
from restoration.errors import CaseError
from restoration.exports import FUND_COLUMNS, RECEIVABLE_COLUMNS, fund_rows
from restoration.fund_forms import (
    DecisionForm,
    DisbursementForm,
    FundRecordForm,
    MilestoneForm,
    PaymentForm,
    PeriodForm,
    RefundForm,
    ReverseForm,
    WithdrawalForm,
)
from restoration.models import (
    FundAccount,
    FundWithdrawal,
    ProjectDisbursement,
    ProjectMilestone,
    Receivable,
    ReportingPeriod,
)
from restoration.permissions import may_approve_funds, may_manage_funds
from restoration.services import funds as services
from restoration.services import workflow
from restoration.statements import statement_pdf, statement_xlsx


def _fail(request, error: CaseError):
    if error.status == 404:
        raise Http404
    if error.status == 403:
        raise PermissionDenied(str(error.message))
    messages.error(request, error.message)
    for field_errors in error.fields.values():
        for message in field_errors:
            if str(message) != str(error.message):
                messages.error(request, message)


def _require(allowed: bool) -> None:
    """403 before any form is read, for a role that may not do this at all."""
    if not allowed:
        raise PermissionDenied


@login_required
@require_GET
def fund_list(request):
    accounts = selectors.fund_list(user=request.user).order_by("mine__county__code", "mine__name")
    county = request.GET.get("county", "")
    if county.isdigit():
        accounts = accounts.filter(mine__county_id=int(county))
    query = request.GET.get("q", "").strip()
    if query:
        accounts = accounts.filter(Q(mine__name__icontains=query) | Q(mine__company__name__icontains=query))
    short_only = request.GET.get("short") == "yes"
    fmt = export_format(request)
    if fmt:
        return export_response(
            request,
            fmt=fmt,
            name=_("Restoration funds"),
            columns=FUND_COLUMNS,
            rows=fund_rows(accounts, short_only=short_only),
            count=accounts.count(),
        )
    rows = selectors.with_costs(accounts)
    if short_only:
        rows = [row for row in rows if row.shortfall > 0]
    return render(
        request,
        "restoration/funds/fund_list.html",
        {
            "export_query": export_query(request),
            "rows": rows,
            "counties": selectors.County.objects.visible_to(request.user),
            "totals": selectors.fund_totals(user=request.user),
            "pending": selectors.pending_withdrawals(user=request.user) if request.user.is_bureau else [],
        },
    )


@login_required
@require_GET
def fund_shortfalls(request):
    return render(
        request, "restoration/funds/shortfalls.html", {"groups": selectors.shortfalls_by_county(user=request.user)}
    )


@login_required
@require_GET
def fund_reconciliation(request):
    if not request.user.is_bureau:
        raise PermissionDenied
    return render(request, "restoration/funds/reconciliation.html", selectors.reconciliation(user=request.user))


def _account(request, pk) -> FundAccount:
    return get_visible_or_404(FundAccount, request.user, pk=pk)


@login_required
@require_GET
def fund_detail(request, pk):
    account = _account(request, pk)
    data = selectors.statement(account)
    row = selectors.with_costs([account])[0]
    reversed_ids = set(account.entries.filter(reverses__isnull=False).values_list("reverses_id", flat=True))
    return render(
        request,
        "restoration/funds/fund_detail.html",
        {
            "account": account,
            "statement": data,
            "estimate": row,
            "reversed_ids": reversed_ids,
            "withdrawals": account.withdrawals.select_related("requested_by", "decided_by").prefetch_related(
                "evidence"
            ),
            "can_manage": may_manage_funds(request.user),
            "can_approve": may_approve_funds(request.user),
            "record_form": FundRecordForm(),
            "refund_form": RefundForm(),
            "withdrawal_form": WithdrawalForm(),
            "decision_form": DecisionForm(),
            "threshold": services.FundPolicy.current().withdrawal_approval_threshold,
        },
    )


@login_required
@require_GET
def fund_statement(request, pk, fmt):
    account = _account(request, pk)
    data = selectors.statement(account)
    stamp = timezone.localdate().strftime("%Y%m%d")
    if fmt == "xlsx":
        body = statement_xlsx(account, data)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    elif fmt == "pdf":
        body = statement_pdf(account, data)
        content_type = "application/pdf"
    else:
        raise Http404
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="fund-{account.mine.licence_no}-{stamp}.{fmt}"'
    return response


@login_required
@require_POST
def fund_open(request):
    mine = get_visible_or_404(Mine, request.user, pk=request.POST.get("mine"))
    try:
        account = services.fund_open(user=request.user, mine=mine)
    except CaseError as error:
        _fail(request, error)
        return redirect(mine)
    return redirect("fund-detail", pk=account.pk)


def _fund_form_post(request, pk, form_class, service, done, invalid):
    """A fund page's small form: scope (404), role (403), the form, one service call."""
    account = _account(request, pk)
    _require(may_manage_funds(request.user))
    form = form_class(request.POST)
    if form.is_valid():
        try:
            service(account_id=account.pk, user=request.user, **form.cleaned_data)
            messages.success(request, done)
        except CaseError as error:
            _fail(request, error)
    else:
        messages.error(request, invalid)
    return redirect("fund-detail", pk=account.pk)


@login_required
@require_POST
def fund_record(request, pk):
    return _fund_form_post(
        request, pk, FundRecordForm, services.fund_record, _("Recorded."), _("Enter a kind and an amount.")
    )


@login_required
@require_POST
def fund_refund(request, pk):
    return _fund_form_post(
        request, pk, RefundForm, services.fund_refund, _("Refund recorded."), _("Enter the amount and the reason.")
    )


@login_required
@require_POST
def fund_withdraw(request, pk):
    account = _account(request, pk)
    _require(may_manage_funds(request.user))
    form = WithdrawalForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            withdrawal = services.fund_withdrawal_request(
                account_id=account.pk,
                user=request.user,
                amount=form.cleaned_data["amount"],
                purpose=form.cleaned_data["purpose"],
                evidence_kind=form.cleaned_data["evidence_kind"],
                files=request.FILES.getlist("files"),
            )
            if withdrawal.status == "approved":
                messages.success(request, _("The withdrawal was paid out."))
            else:
                messages.success(request, _("The withdrawal awaits a supervisor's approval."))
        except CaseError as error:
            _fail(request, error)
    else:
        messages.error(request, _("Enter the amount and the purpose."))
    return redirect("fund-detail", pk=account.pk)


@login_required
@require_POST
def fund_reverse(request, pk):
    account = _account(request, pk)
    _require(may_manage_funds(request.user))
    form = ReverseForm(request.POST)
    if form.is_valid():
        entry = account.entries.filter(pk=form.cleaned_data["entry"]).first()
        if entry is None:
            raise Http404
        try:
            services.fund_reverse(entry_id=entry.pk, user=request.user, reason=form.cleaned_data["reason"])
            messages.success(request, _("The entry was reversed by a new entry."))
        except CaseError as error:
            _fail(request, error)
    else:
        messages.error(request, _("Give the reason for the reversal."))
    return redirect("fund-detail", pk=account.pk)


@login_required
@require_POST
def withdrawal_decide(request, pk):
    withdrawal = get_visible_or_404(FundWithdrawal, request.user, pk=pk)
    _require(may_approve_funds(request.user))
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            if form.cleaned_data["approve"]:
                services.fund_withdrawal_approve(
                    withdrawal_id=withdrawal.pk, user=request.user, reason=form.cleaned_data["reason"]
                )
                messages.success(request, _("Approved and paid out."))
            else:
                services.fund_withdrawal_reject(
                    withdrawal_id=withdrawal.pk, user=request.user, reason=form.cleaned_data["reason"]
                )
                messages.success(request, _("Rejected."))
        except CaseError as error:
            _fail(request, error)
    return redirect("fund-detail", pk=withdrawal.account_id)


@login_required
@require_GET
def receivable_list(request):
    receivables = selectors.receivable_list(user=request.user)
    fmt = export_format(request)
    if fmt:
        return export_response(
            request, fmt=fmt, name=_("Receivables"), columns=RECEIVABLE_COLUMNS, queryset=receivables
        )
    return render(
        request,
        "restoration/funds/receivables.html",
        {
            "export_query": export_query(request),
            "receivables": receivables,
            "can_manage": may_manage_funds(request.user),
            "payment_form": PaymentForm(),
        },
    )


@login_required
@require_POST
def receivable_pay(request, pk):
    receivable = get_visible_or_404(Receivable, request.user, pk=pk)
    _require(may_manage_funds(request.user))
    form = PaymentForm(request.POST)
    if form.is_valid():
        try:
            services.receivable_record_payment(receivable_id=receivable.pk, user=request.user, **form.cleaned_data)
            messages.success(request, _("Payment recorded."))
        except CaseError as error:
            _fail(request, error)
    else:
        messages.error(request, _("Enter the amount and the date paid."))
    return redirect("receivable-list")


@login_required
def reporting_periods(request):
    if not request.user.is_bureau:
        raise PermissionDenied
    form = PeriodForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            period, opened = workflow.reporting_period_open(user=request.user, **form.cleaned_data)
            messages.success(
                request,
                _("%(year)d reporting period: %(count)d mine(s) asked for their report.")
                % {"year": period.year, "count": opened},
            )
            return redirect("reporting-periods")
        except CaseError as error:
            _fail(request, error)
    periods = ReportingPeriod.objects.order_by("-year")
    summary = []
    for period in periods:
        cases = (
            period.cases.filter(county__in=request.user.counties.all())
            if not request.user.sees_all_counties
            else period.cases
        )
        summary.append(
            {
                "period": period,
                "asked": cases.count(),
                "lodged": period.cases.filter(pk__in=cases.values("pk"), annual_reports__isnull=False)
                .distinct()
                .count(),
                "late": period.cases.filter(pk__in=cases.values("pk"), annual_reports__late=True).distinct().count(),
            }
        )
    return render(request, "restoration/funds/periods.html", {"form": form, "summary": summary})


# ---------------------------------------------------------------- key projects


@login_required
@require_GET
def project_finance(request):
    return render(request, "restoration/funds/projects.html", selectors.projects_overview(user=request.user))


def _project(request, pk) -> KeyProject:
    return get_visible_or_404(KeyProject, request.user, pk=pk)


@login_required
@require_POST
def project_disburse(request, pk):
    project = _project(request, pk)
    _require(may_manage_funds(request.user))
    form = DisbursementForm(request.POST, request.FILES)
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "files"}
        try:
            services.project_disburse(
                project_id=project.pk, user=request.user, files=request.FILES.getlist("files"), **data
            )
            messages.success(request, _("Disbursement recorded."))
        except CaseError as error:
            _fail(request, error)
    else:
        messages.error(request, _("Enter the source, the amount and the date paid."))
    return redirect(project)


@login_required
@require_POST
def project_disbursement_reverse(request, pk):
    disbursement = get_visible_or_404(ProjectDisbursement, request.user, pk=pk)
    _require(may_manage_funds(request.user))
    try:
        services.project_disbursement_reverse(
            disbursement_id=disbursement.pk, user=request.user, reason=request.POST.get("reason", "")
        )
        messages.success(request, _("The disbursement was reversed by a new line."))
    except CaseError as error:
        _fail(request, error)
    return redirect(reverse("project-detail", args=[disbursement.project_id]))


@login_required
@require_POST
def project_milestone_add(request, pk):
    project = _project(request, pk)
    _require(may_manage_funds(request.user))
    form = MilestoneForm(request.POST)
    if form.is_valid():
        try:
            services.project_milestone_add(project_id=project.pk, user=request.user, **form.cleaned_data)
            messages.success(request, _("Milestone added."))
        except CaseError as error:
            _fail(request, error)
    else:
        messages.error(request, _("Name the milestone and its due date."))
    return redirect(project)


@login_required
@require_POST
def project_milestone_done(request, pk):
    milestone = get_visible_or_404(ProjectMilestone, request.user, pk=pk)
    _require(may_manage_funds(request.user))
    try:
        services.project_milestone_done(milestone_id=milestone.pk, user=request.user)
        messages.success(request, _("Milestone done."))
    except CaseError as error:
        _fail(request, error)
    return redirect(reverse("project-detail", args=[milestone.project_id]))
