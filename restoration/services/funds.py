"""Fund movements the case workflow needs. Balances are sums of the append-only ledger."""

from decimal import Decimal

from django.db.models import Sum

from restoration.choices import FundEntryKind
from restoration.models import FundAccount, FundEntry, Receivable

ZERO = Decimal("0.00")


def fund_account_for(mine) -> FundAccount:
    account, _ = FundAccount.objects.get_or_create(mine=mine)
    return account


def fund_balance(account: FundAccount) -> Decimal:
    return FundEntry.objects.filter(account=account).aggregate(total=Sum("amount", default=ZERO))["total"]


def fund_charge_delegated_treatment(*, case, cost: Decimal, actor) -> tuple[Decimal, Decimal]:
    """Charge a delegated treatment's actual cost to the mine's fund.

    Takes what the balance covers; the rest becomes a receivable against the company.
    Must run inside the caller's transaction; the account row is locked so two charges
    can never both spend the same balance. Returns (charged, receivable).
    """
    account = fund_account_for(case.mine)
    account = FundAccount.objects.select_for_update().get(pk=account.pk)
    balance = fund_balance(account)
    charged = min(max(balance, ZERO), cost)
    if charged > 0:
        FundEntry.objects.create(
            account=account,
            kind=FundEntryKind.CHARGE,
            amount=-charged,
            memo=f"{case.number} 委托治理费用",
            case=case,
            created_by=actor,
        )
    shortfall = cost - charged
    if shortfall > 0:
        Receivable.objects.create(case=case, company=case.company, amount=shortfall)
    return charged, shortfall
