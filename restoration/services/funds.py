"""Every movement of money: the fund ledger, withdrawals and their approval, reversals, the
delegated-treatment charge, receivable payments and key-project disbursements.

Each function locks the row whose balance it changes (`SELECT … FOR UPDATE`), checks role and
scope, writes one append-only line and the balance in the same transaction. Two withdrawals at
once queue on the lock; the second sees the first's balance. The database refuses a negative
balance too (`fund_account_never_overdrawn`).
"""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from mines.money import group
from restoration.choices import EvidenceKind, FundEntryKind, ProposalStatus
from restoration.errors import Forbidden, Invalid, NotFound, WrongState
from restoration.models import (
    FundAccount,
    FundEntry,
    FundPolicy,
    FundWithdrawal,
    ProjectDisbursement,
    ProjectMilestone,
    Receivable,
    ReceivablePayment,
)
from restoration.permissions import may_approve_funds, may_manage_funds
from restoration.services.evidence import atomic_with_files, evidence_store

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999999.99")
WITHDRAWAL_EVIDENCE = (EvidenceKind.INVOICE, EvidenceKind.ACCEPTANCE_CERTIFICATE)


def _amount(value, field="amount") -> Decimal:
    """A positive yuan amount with at most two decimals, or a clear error."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        amount = None
    if amount is None or not amount.is_finite():
        message = _("Enter an amount in yuan, e.g. 12500.00.")
        raise Invalid(message, code="amount", fields={field: [message]})
    if amount <= 0:
        message = _("The amount must be greater than zero.")
        raise Invalid(message, code="amount", fields={field: [message]})
    if amount != amount.quantize(CENT, rounding=ROUND_HALF_UP):
        message = _("Amounts are in yuan with at most two decimals.")
        raise Invalid(message, code="amount", fields={field: [message]})
    if amount > MAX_AMOUNT:
        message = _("The amount is too large.")
        raise Invalid(message, code="amount", fields={field: [message]})
    return amount.quantize(CENT)


def _require_manager(user):
    if not may_manage_funds(user):
        raise Forbidden(_("Only bureau officers and supervisors record fund movements."), code="role")


def _lock_account(account_id, user) -> FundAccount:
    queryset = FundAccount.objects.all() if user is None else FundAccount.objects.visible_to(user)
    account = queryset.select_for_update(of=("self",)).select_related("mine").filter(pk=account_id).first()
    if account is None:
        raise NotFound(_("No such fund."))
    return account


def _post(account: FundAccount, *, kind, amount: Decimal, actor, memo="", case=None, withdrawal=None, reverses=None):
    """Write one ledger line and the new balance. `account` must be locked by the caller."""
    new_balance = account.balance + amount
    if new_balance < 0:
        raise Invalid(
            _("This would overdraw the fund: the balance is %(balance)s yuan, the amount %(amount)s yuan.")
            % {"balance": group(account.balance), "amount": group(-amount)},
            code="overdraw",
            fields={"amount": [_("More than the fund's balance.")]},
        )
    entry = FundEntry.objects.create(
        account=account,
        kind=kind,
        amount=amount,
        balance_after=new_balance,
        memo=(memo or "")[:255],
        case=case,
        withdrawal=withdrawal,
        reverses=reverses,
        created_by=actor,
    )
    account.balance = new_balance
    account.save(update_fields=["balance", "updated_at"])
    return entry


def fund_account_for(mine) -> FundAccount:
    account, _created = FundAccount.objects.get_or_create(mine=mine)
    return account


@transaction.atomic
def fund_open(*, user, mine) -> FundAccount:
    """Open the fund of a mine the user may see (idempotent)."""
    from mines.models import Mine

    _require_manager(user)
    if not Mine.objects.visible_to(user).filter(pk=mine.pk).exists():
        raise NotFound(_("No such mine."))
    return fund_account_for(mine)


@transaction.atomic
def fund_record(*, account_id, user, kind: str, amount, memo: str = "") -> FundEntry:
    """An accrual (计提) or a deposit (存入)."""
    _require_manager(user)
    if kind not in (FundEntryKind.ACCRUAL, FundEntryKind.DEPOSIT):
        raise Invalid(_("Only accruals and deposits are recorded this way."), code="kind")
    amount = _amount(amount)
    account = _lock_account(account_id, user)
    return _post(account, kind=kind, amount=amount, actor=user, memo=memo)


@transaction.atomic
def fund_refund(*, account_id, user, amount, memo: str) -> FundEntry:
    """返还: the fund's money returned to the company (after its restoration is done)."""
    _require_manager(user)
    amount = _amount(amount)
    if not (memo or "").strip():
        raise Invalid(_("Give the reason for the refund."), code="reason_required")
    account = _lock_account(account_id, user)
    return _post(account, kind=FundEntryKind.REFUND, amount=-amount, actor=user, memo=memo)


def fund_withdrawal_request(*, account_id, user, amount, purpose: str, files=(), evidence_kind=None) -> FundWithdrawal:
    """Request money for approved works, with the invoice or acceptance record.

    Up to the policy's threshold it is paid out at once; above it a supervisor must approve.
    """
    _require_manager(user)
    amount = _amount(amount)
    purpose = (purpose or "").strip()
    if not purpose:
        message = _("Say what the money is for.")
        raise Invalid(message, code="purpose", fields={"purpose": [message]})
    evidence_kind = evidence_kind or EvidenceKind.INVOICE
    if evidence_kind not in WITHDRAWAL_EVIDENCE:
        message = _("A withdrawal is backed by an invoice or an acceptance certificate.")
        raise Invalid(message, code="evidence_kind", fields={"files": [message]})
    if not list(files):
        message = _("Attach the invoice or acceptance record for the works.")
        raise Invalid(message, code="evidence_missing", fields={"files": [message]})
    with atomic_with_files() as written:
        account = _lock_account(account_id, user)
        if amount > account.balance:
            raise Invalid(
                _("This would overdraw the fund: the balance is %(balance)s yuan, the amount %(amount)s yuan.")
                % {"balance": group(account.balance), "amount": group(amount)},
                code="overdraw",
                fields={"amount": [_("More than the fund's balance.")]},
            )
        withdrawal = FundWithdrawal.objects.create(account=account, amount=amount, purpose=purpose, requested_by=user)
        written.extend(
            evidence_store(
                user=user, files=files, kind=evidence_kind, owner={"withdrawal": withdrawal}, subject=account.mine
            )
        )
        if amount <= FundPolicy.current().withdrawal_approval_threshold:
            with override(settings.LANGUAGE_CODE):  # a record, in the bureau's language
                reason = str(_("Within the amount officers may pay out."))
            _pay_out(withdrawal, account, actor=user, reason=reason)
    return withdrawal


def _pay_out(withdrawal: FundWithdrawal, account: FundAccount, *, actor, reason: str, decided_by=None):
    _post(
        account,
        kind=FundEntryKind.WITHDRAWAL,
        amount=-withdrawal.amount,
        actor=actor,
        memo=withdrawal.purpose,
        withdrawal=withdrawal,
    )
    withdrawal.status = ProposalStatus.APPROVED
    withdrawal.decided_by = decided_by
    withdrawal.decided_at = timezone.now()
    withdrawal.decision_reason = reason
    withdrawal.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])


def _lock_withdrawal(withdrawal_id, user) -> FundWithdrawal:
    withdrawal = (
        FundWithdrawal.objects.visible_to(user).select_for_update(of=("self",)).filter(pk=withdrawal_id).first()
    )
    if withdrawal is None:
        raise NotFound(_("No such withdrawal."))
    return withdrawal


def _decidable_withdrawal(withdrawal_id, user) -> FundWithdrawal:
    """The withdrawal, locked, if this user may decide it now (role, state, four eyes)."""
    if not may_approve_funds(user):
        raise Forbidden(_("Only supervisors approve withdrawals above the threshold."), code="role")
    withdrawal = _lock_withdrawal(withdrawal_id, user)
    if withdrawal.status != ProposalStatus.PROPOSED:
        raise WrongState(
            _("This withdrawal has already been decided (%(status)s).") % {"status": withdrawal.get_status_display()},
            code="already_decided",
        )
    if withdrawal.requested_by_id == user.pk:
        raise Forbidden(
            _("You requested this withdrawal yourself; another supervisor must decide it (four-eyes rule)."),
            code="four_eyes",
        )
    return withdrawal


@transaction.atomic
def fund_withdrawal_approve(*, withdrawal_id, user, reason: str = "") -> FundWithdrawal:
    withdrawal = _decidable_withdrawal(withdrawal_id, user)
    account = _lock_account(withdrawal.account_id, user)
    _pay_out(withdrawal, account, actor=user, reason=reason, decided_by=user)
    return withdrawal


@transaction.atomic
def fund_withdrawal_reject(*, withdrawal_id, user, reason: str) -> FundWithdrawal:
    withdrawal = _decidable_withdrawal(withdrawal_id, user)
    if not (reason or "").strip():
        message = _("Give the reason for rejecting.")
        raise Invalid(message, code="reason_required", fields={"reason": [message]})
    withdrawal.status = ProposalStatus.REJECTED
    withdrawal.decided_by = user
    withdrawal.decided_at = timezone.now()
    withdrawal.decision_reason = reason.strip()
    withdrawal.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    return withdrawal


@transaction.atomic
def fund_reverse(*, entry_id, user, reason: str) -> FundEntry:
    """冲正: undo a mistaken line with a new line of the opposite amount; the original stays."""
    _require_manager(user)
    original = FundEntry.objects.visible_to(user).filter(pk=entry_id).first()
    if original is None:
        raise NotFound(_("No such fund entry."))
    reason = (reason or "").strip()
    if not reason:
        message = _("Give the reason for the reversal.")
        raise Invalid(message, code="reason_required", fields={"reason": [message]})
    account = _lock_account(original.account_id, user)
    if original.kind == FundEntryKind.REVERSAL:
        raise WrongState(_("A reversal cannot itself be reversed; record a new entry instead."), code="reversal")
    if FundEntry.objects.filter(reverses=original).exists():
        raise WrongState(_("This entry has already been reversed."), code="already_reversed")
    return _post(
        account,
        kind=FundEntryKind.REVERSAL,
        amount=-original.amount,
        actor=user,
        memo=reason,
        case=original.case,
        reverses=original,
    )


def fund_charge_delegated_treatment(*, case, cost: Decimal, actor) -> tuple[Decimal, Decimal]:
    """Charge a delegated treatment's actual cost to the mine's fund.

    Takes what the balance covers; the rest becomes a receivable against the company. Runs inside
    the caller's transaction with the account row locked. Returns (charged, receivable).
    """
    fund_account_for(case.mine)
    account = FundAccount.objects.select_for_update().get(mine=case.mine)
    charged = min(max(account.balance, ZERO), cost)
    if charged > 0:
        _post(
            account,
            kind=FundEntryKind.CHARGE,
            amount=-charged,
            actor=actor,
            memo=f"{case.number} 委托治理费用",
            case=case,
        )
    shortfall = cost - charged
    if shortfall > 0:
        Receivable.objects.create(case=case, company=case.company, amount=shortfall)
    return charged, shortfall


@transaction.atomic
def receivable_record_payment(*, receivable_id, user, amount, paid_on: date, memo: str = "") -> ReceivablePayment:
    """A payment against a receivable; the receivable is settled when fully paid."""
    _require_manager(user)
    receivable = Receivable.objects.visible_to(user).select_for_update(of=("self",)).filter(pk=receivable_id).first()
    if receivable is None:
        raise NotFound(_("No such receivable."))
    if receivable.settled_at is not None:
        raise WrongState(_("This receivable is already settled."), code="settled")
    amount = _amount(amount)
    if paid_on is None or paid_on > timezone.localdate():
        message = _("The payment date cannot be in the future.")
        raise Invalid(message, code="paid_on", fields={"paid_on": [message]})
    outstanding = receivable.amount - receivable.paid()
    if amount > outstanding:
        raise Invalid(
            _("Only %(outstanding)s yuan is outstanding.") % {"outstanding": group(outstanding)},
            code="overpayment",
            fields={"amount": [_("More than is outstanding.")]},
        )
    payment = ReceivablePayment.objects.create(
        receivable=receivable, amount=amount, paid_on=paid_on, memo=(memo or "")[:255], recorded_by=user
    )
    if amount == outstanding:
        receivable.settled_at = timezone.now()
        receivable.save(update_fields=["settled_at"])
    return payment


# ---------------------------------------------------------------- key projects


def _visible_project(project_id, user):
    from mines.models import KeyProject

    project = KeyProject.objects.visible_to(user).select_for_update(of=("self",)).filter(pk=project_id).first()
    if project is None:
        raise NotFound(_("No such key project."))
    return project


def project_disburse(*, project_id, user, source: str, amount, paid_on: date, memo: str = "", files=()):
    """Record money paid out for a key project from one funding source, with its evidence."""
    from mines.choices import FundingSource

    _require_manager(user)
    if source not in FundingSource.values:
        message = _("Choose the funding source.")
        raise Invalid(message, code="source", fields={"source": [message]})
    amount = _amount(amount)
    if paid_on is None or paid_on > timezone.localdate():
        message = _("The payment date cannot be in the future.")
        raise Invalid(message, code="paid_on", fields={"paid_on": [message]})
    if not list(files):
        message = _("Attach the payment voucher or invoice.")
        raise Invalid(message, code="evidence_missing", fields={"files": [message]})
    with atomic_with_files() as written:
        project = _visible_project(project_id, user)
        disbursement = ProjectDisbursement.objects.create(
            project=project, source=source, amount=amount, paid_on=paid_on, memo=(memo or "")[:255], recorded_by=user
        )
        written.extend(
            evidence_store(user=user, files=files, kind=EvidenceKind.INVOICE, owner={"disbursement": disbursement})
        )
    return disbursement


@transaction.atomic
def project_disbursement_reverse(*, disbursement_id, user, reason: str) -> ProjectDisbursement:
    _require_manager(user)
    original = ProjectDisbursement.objects.visible_to(user).filter(pk=disbursement_id).first()
    if original is None:
        raise NotFound(_("No such disbursement."))
    if not (reason or "").strip():
        message = _("Give the reason for the reversal.")
        raise Invalid(message, code="reason_required", fields={"reason": [message]})
    _visible_project(original.project_id, user)
    if original.reverses_id or ProjectDisbursement.objects.filter(reverses=original).exists():
        raise WrongState(_("This disbursement has already been reversed, or is a reversal."), code="already_reversed")
    return ProjectDisbursement.objects.create(
        project_id=original.project_id,
        source=original.source,
        amount=-original.amount,
        paid_on=timezone.localdate(),
        memo=reason.strip()[:255],
        reverses=original,
        recorded_by=user,
    )


@transaction.atomic
def project_milestone_add(*, project_id, user, name: str, due_on: date, weight: int = 0) -> ProjectMilestone:
    _require_manager(user)
    project = _visible_project(project_id, user)
    if not (name or "").strip() or due_on is None:
        raise Invalid(_("Name the milestone and its due date."), code="milestone")
    total = project.milestones.aggregate(total=Sum("weight", default=0))["total"]
    if weight < 0 or total + weight > 100:
        raise Invalid(
            _("Milestone shares add up to at most 100%% (%(left)d%% left).") % {"left": 100 - total}, code="weight"
        )
    return ProjectMilestone.objects.create(
        project=project, name=name.strip(), due_on=due_on, weight=weight, recorded_by=user
    )


@transaction.atomic
def project_milestone_done(*, milestone_id, user, done_on: date | None = None) -> ProjectMilestone:
    """Mark a milestone done; the project's progress is the share of its milestones done."""
    _require_manager(user)
    milestone = ProjectMilestone.objects.visible_to(user).filter(pk=milestone_id).first()
    if milestone is None:
        raise NotFound(_("No such milestone."))
    project = _visible_project(milestone.project_id, user)
    if milestone.done_on is not None:
        raise WrongState(_("This milestone is already done."), code="done")
    done_on = done_on or timezone.localdate()
    if done_on > timezone.localdate():
        raise Invalid(_("A milestone cannot be done in the future."), code="done_on")
    milestone.done_on = done_on
    milestone.save(update_fields=["done_on"])
    progress = project.milestones.filter(done_on__isnull=False).aggregate(total=Sum("weight", default=0))["total"]
    project.progress_percent = min(progress, 100)
    project.save(update_fields=["progress_percent"])
    return milestone
