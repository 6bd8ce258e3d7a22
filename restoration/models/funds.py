"""The restoration fund (矿山地质环境治理恢复基金): one account per mine, an append-only ledger,
withdrawals that may need a supervisor, receivables and their payments, annual restoration
reports with the estimated cost of restoring what is disturbed, and key-project finance.

Money is Decimal yuan with two places. An account's balance is kept on the account row, changed
only in the same transaction as the ledger line that explains it (the row locked), never below
zero (a database constraint), and the reconciliation report proves it equals the sum of the lines.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mines.querysets import ScopedQuerySet
from restoration.choices import FundEntryKind, ProposalStatus
from restoration.models.append_only import AppendOnlyModel, AppendOnlyQuerySet

ZERO = Decimal("0.00")
POSITIVE = [MinValueValidator(Decimal("0.01"))]


def money(verbose_name, **kwargs):
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, **kwargs)


class FundPolicy(models.Model):
    """The bureau's settings for funds; one row, edited in the admin."""

    withdrawal_approval_threshold = money(
        _("withdrawals above this need a supervisor (yuan)"), default=Decimal("500000.00"), validators=POSITIVE
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("fund policy")
        verbose_name_plural = _("fund policy")

    def __str__(self):
        return str(_("Fund policy"))

    @classmethod
    def current(cls) -> "FundPolicy":
        policy, _created = cls.objects.get_or_create(pk=1)
        return policy


class FundAccountQuerySet(ScopedQuerySet):
    def in_counties(self, counties):
        return self.filter(mine__county__in=counties)

    def of_company(self, company_id):
        return self.filter(mine__company_id=company_id)

    def with_ledger_sum(self):
        return self.annotate(ledger_sum=Sum("entries__amount", default=ZERO))


class FundAccount(models.Model):
    """矿山地质环境治理恢复基金: one per mine."""

    mine = models.OneToOneField(
        "mines.Mine", verbose_name=_("mine"), on_delete=models.PROTECT, related_name="fund_account"
    )
    balance = money(_("balance (yuan)"), default=ZERO)
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = FundAccountQuerySet.as_manager()

    class Meta:
        verbose_name = _("restoration fund")
        verbose_name_plural = _("restoration funds")
        constraints = [
            models.CheckConstraint(
                condition=Q(balance__gte=0),
                name="fund_account_never_overdrawn",
                violation_error_message=_("A restoration fund cannot be overdrawn."),
            )
        ]

    def __str__(self):
        return str(self.mine)

    def ledger_sum(self) -> Decimal:
        return self.entries.aggregate(total=Sum("amount", default=ZERO))["total"]


class FundEntryQuerySet(AppendOnlyQuerySet):
    def visible_to(self, user):
        return self.filter(account__in=FundAccount.objects.visible_to(user))


class FundEntry(AppendOnlyModel):
    """A ledger line. Positive amounts add to the fund, negative ones take from it."""

    account = models.ForeignKey(FundAccount, verbose_name=_("fund"), on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("kind"), max_length=16, choices=FundEntryKind.choices)
    amount = money(_("amount (yuan)"))
    balance_after = money(_("balance after (yuan)"), null=True, blank=True)
    memo = models.CharField(_("memo"), max_length=255, blank=True)
    case = models.ForeignKey(
        "restoration.Case",
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fund_entries",
    )
    withdrawal = models.OneToOneField(
        "restoration.FundWithdrawal",
        verbose_name=_("withdrawal"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entry",
    )
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("reverses"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now, db_index=True)

    objects = FundEntryQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("fund entry")
        verbose_name_plural = _("fund entries")
        constraints = [
            models.CheckConstraint(
                condition=~Q(amount=0),
                name="fund_entry_not_zero",
                violation_error_message=_("An entry cannot be zero."),
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind__in=[FundEntryKind.ACCRUAL, FundEntryKind.DEPOSIT], amount__gt=0)
                    | Q(kind__in=[FundEntryKind.WITHDRAWAL, FundEntryKind.CHARGE, FundEntryKind.REFUND], amount__lt=0)
                    | Q(kind=FundEntryKind.REVERSAL, reverses__isnull=False)
                ),
                name="fund_entry_sign_matches_kind",
                violation_error_message=_("The amount's sign does not match the kind of entry."),
            ),
        ]

    def __str__(self):
        return f"{self.account_id} {self.kind} {self.amount}"


class FundWithdrawalQuerySet(ScopedQuerySet):
    def in_counties(self, counties):
        return self.filter(account__mine__county__in=counties)

    def of_company(self, company_id):
        return self.filter(account__mine__company_id=company_id)

    def pending(self):
        return self.filter(status=ProposalStatus.PROPOSED)


class FundWithdrawal(models.Model):
    """支取: money for the mine's own approved restoration works, backed by invoices or acceptance records."""

    account = models.ForeignKey(
        FundAccount, verbose_name=_("fund"), on_delete=models.PROTECT, related_name="withdrawals"
    )
    amount = money(_("amount (yuan)"), validators=POSITIVE)
    purpose = models.CharField(_("purpose"), max_length=255)
    status = models.CharField(
        _("status"), max_length=16, choices=ProposalStatus.choices, default=ProposalStatus.PROPOSED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)

    objects = FundWithdrawalQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("fund withdrawal")
        verbose_name_plural = _("fund withdrawals")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="fund_withdrawal_positive",
                violation_error_message=_("A withdrawal must be greater than zero."),
            )
        ]

    def __str__(self):
        return f"{self.account} {self.amount}"


class ReceivableQuerySet(ScopedQuerySet):
    def in_counties(self, counties):
        return self.filter(case__county__in=counties)

    def of_company(self, company_id):
        return self.filter(company_id=company_id)

    def outstanding(self):
        return self.filter(settled_at__isnull=True)

    def with_paid(self):
        return self.annotate(paid_sum=Sum("payments__amount", default=ZERO))


class Receivable(models.Model):
    """应收款 / 追缴: what a delegated treatment cost beyond the fund's balance."""

    case = models.ForeignKey(
        "restoration.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="receivables"
    )
    company = models.ForeignKey(
        "mines.Company", verbose_name=_("mining-rights holder"), on_delete=models.PROTECT, related_name="receivables"
    )
    amount = money(_("amount (yuan)"))
    created_at = models.DateTimeField(_("raised at"), default=timezone.now)
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)

    objects = ReceivableQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("receivable")
        verbose_name_plural = _("receivables")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="receivable_positive",
                violation_error_message=_("A receivable must be greater than zero."),
            )
        ]

    def __str__(self):
        return f"{self.company_id} {self.amount}"

    def paid(self) -> Decimal:
        return self.payments.aggregate(total=Sum("amount", default=ZERO))["total"]


class ReceivablePayment(AppendOnlyModel):
    """A payment the company made against a receivable. Append-only like the ledger."""

    receivable = models.ForeignKey(
        Receivable, verbose_name=_("receivable"), on_delete=models.PROTECT, related_name="payments"
    )
    amount = money(_("amount (yuan)"), validators=POSITIVE)
    paid_on = models.DateField(_("paid on"))
    memo = models.CharField(_("memo"), max_length=255, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["paid_on", "id"]
        verbose_name = _("receivable payment")
        verbose_name_plural = _("receivable payments")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="receivable_payment_positive",
                violation_error_message=_("A payment must be greater than zero."),
            )
        ]

    def __str__(self):
        return f"{self.receivable_id} {self.amount}"
