"""The restoration fund: one account per mine, an append-only ledger, and receivables.

This is the minimum the cases need (a delegated treatment is charged to the fund); the funds
issue builds the rest on it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mines.querysets import ScopedQuerySet
from restoration.choices import FundEntryKind
from restoration.models.append_only import AppendOnlyModel, AppendOnlyQuerySet


class FundAccountQuerySet(ScopedQuerySet):
    def in_counties(self, counties):
        return self.filter(mine__county__in=counties)

    def of_company(self, company_id):
        return self.filter(mine__company_id=company_id)

    def with_balance(self):
        return self.annotate(balance_sum=Sum("entries__amount", default=0))


class FundAccount(models.Model):
    """矿山地质环境治理恢复基金: one per mine."""

    mine = models.OneToOneField(
        "mines.Mine", verbose_name=_("mine"), on_delete=models.PROTECT, related_name="fund_account"
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)

    objects = FundAccountQuerySet.as_manager()

    class Meta:
        verbose_name = _("restoration fund")
        verbose_name_plural = _("restoration funds")

    def __str__(self):
        return str(self.mine)

    def balance(self):
        return self.entries.aggregate(total=Sum("amount", default=0))["total"]


class FundEntryQuerySet(AppendOnlyQuerySet):
    def visible_to(self, user):
        return self.filter(account__in=FundAccount.objects.visible_to(user))


class FundEntry(AppendOnlyModel):
    """A ledger line. Positive amounts add to the fund, negative ones take from it."""

    account = models.ForeignKey(FundAccount, verbose_name=_("fund"), on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("kind"), max_length=16, choices=FundEntryKind.choices)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2)
    memo = models.CharField(_("memo"), max_length=255, blank=True)
    case = models.ForeignKey(
        "restoration.Case",
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fund_entries",
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
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

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
                    Q(kind__in=[FundEntryKind.ACCRUAL, FundEntryKind.DEPOSIT, FundEntryKind.REFUND], amount__gt=0)
                    | Q(kind__in=[FundEntryKind.WITHDRAWAL, FundEntryKind.CHARGE], amount__lt=0)
                    | Q(kind=FundEntryKind.REVERSAL, reverses__isnull=False)
                ),
                name="fund_entry_sign_matches_kind",
                violation_error_message=_("The amount's sign does not match the kind of entry."),
            ),
        ]


class ReceivableQuerySet(ScopedQuerySet):
    def in_counties(self, counties):
        return self.filter(case__county__in=counties)

    def of_company(self, company_id):
        return self.filter(company_id=company_id)

    def outstanding(self):
        return self.filter(settled_at__isnull=True)


class Receivable(models.Model):
    """应收款 / 追缴: what a delegated treatment cost beyond the fund's balance."""

    case = models.ForeignKey(
        "restoration.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="receivables"
    )
    company = models.ForeignKey(
        "mines.Company", verbose_name=_("mining-rights holder"), on_delete=models.PROTECT, related_name="receivables"
    )
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2)
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
