"""Reads about money: funds with their estimated restoration cost, shortfalls, statements,
reconciliation, receivables and key-project finance. Each starts from `visible_to(user)`."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, F, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from mines.choices import FundingSource, ProjectStatus
from mines.models import County, KeyProject
from restoration.models import (
    AnnualReport,
    AnnualReportLine,
    FundAccount,
    FundEntry,
    FundWithdrawal,
    ProjectDisbursement,
    Receivable,
    UnitRate,
)

ZERO = Decimal("0.00")


def current_unit_rates(today: date | None = None) -> dict[str, Decimal]:
    """The rate in force for each category: the latest that took effect on or before today."""
    today = today or timezone.localdate()
    rates: dict[str, Decimal] = {}
    for category, rate in (
        UnitRate.objects.filter(effective_from__lte=today)
        .order_by("category", "-effective_from")
        .values_list("category", "rate_per_ha")
    ):
        rates.setdefault(category, rate)
    return rates


def net_disturbed(mine_ids) -> dict[int, dict[str, Decimal]]:
    """Per mine and category: land disturbed minus land restored over every counting report."""
    rows = (
        AnnualReportLine.objects.filter(report__mine_id__in=mine_ids, report__in=AnnualReport.objects.counting())
        .values("report__mine_id", "category")
        .annotate(disturbed=Sum("disturbed_ha"), restored=Sum("restored_ha"))
        .order_by()
    )
    out: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for row in rows:
        out[row["report__mine_id"]][row["category"]] = max(row["disturbed"] - row["restored"], Decimal("0"))
    return out


def estimated_costs(mine_ids, rates=None) -> dict[int, Decimal]:
    """What it would cost to restore what each mine has disturbed and not yet restored (yuan)."""
    rates = rates if rates is not None else current_unit_rates()
    costs = {}
    for mine_id, by_category in net_disturbed(mine_ids).items():
        costs[mine_id] = sum(
            ((area * rates.get(category, ZERO)).quantize(Decimal("0.01")) for category, area in by_category.items()),
            ZERO,
        )
    return costs


def fund_list(*, user):
    return FundAccount.objects.visible_to(user).select_related("mine", "mine__county", "mine__company")


@dataclass
class FundRow:
    account: FundAccount
    estimated_cost: Decimal
    shortfall: Decimal


def with_costs(accounts) -> list[FundRow]:
    """Attach each fund's estimated restoration cost and shortfall (one query for all of them)."""
    accounts = list(accounts)
    costs = estimated_costs([a.mine_id for a in accounts])
    rows = []
    for account in accounts:
        cost = costs.get(account.mine_id, ZERO)
        rows.append(FundRow(account, cost, max(cost - account.balance, ZERO)))
    return rows


@dataclass
class CountyShortfall:
    county: County
    funds: list = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((row.shortfall for row in self.funds), ZERO)


def shortfalls_by_county(*, user) -> list[CountyShortfall]:
    """Mines whose fund balance falls short of their estimated restoration cost, by county."""
    groups: dict[int, CountyShortfall] = {}
    for row in with_costs(fund_list(user=user).order_by("mine__county__code", "mine__name")):
        if row.shortfall > 0:
            county = row.account.mine.county
            groups.setdefault(county.pk, CountyShortfall(county)).funds.append(row)
    return list(groups.values())


def statement(account: FundAccount):
    """The ledger with a running balance, and totals by kind; the totals equal the ledger."""
    entries = list(account.entries.select_related("created_by", "case", "reverses").order_by("created_at", "pk"))
    running = ZERO
    lines = []
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for entry in entries:
        running += entry.amount
        totals[entry.kind] += entry.amount
        lines.append((entry, running))
    return {
        "lines": lines,
        "totals": dict(totals),
        "ledger_sum": running,
        "balance": account.balance,
        "balanced": running == account.balance,
    }


@dataclass
class ReconciliationRow:
    county: County | None
    accounts: int
    balances: Decimal
    ledger: Decimal

    @property
    def difference(self) -> Decimal:
        return self.balances - self.ledger


def reconciliation(*, user):
    """Per county and city-wide: the sum of the funds' balances against the sum of their ledger
    lines, and every fund where the two differ (there should be none)."""
    ledger = (
        FundEntry.objects.filter(account=OuterRef("pk")).values("account").annotate(total=Sum("amount")).values("total")
    )
    accounts = (
        fund_list(user=user)
        .annotate(ledger_sum=Coalesce(Subquery(ledger), ZERO))
        .order_by("mine__county__code", "mine__name")
    )
    by_county: dict[int, ReconciliationRow] = {}
    differences = []
    for account in accounts:
        county = account.mine.county
        row = by_county.setdefault(county.pk, ReconciliationRow(county, 0, ZERO, ZERO))
        row.accounts += 1
        row.balances += account.balance
        row.ledger += account.ledger_sum
        if account.balance != account.ledger_sum:
            differences.append(account)
    rows = list(by_county.values())
    city = ReconciliationRow(
        None,
        sum(r.accounts for r in rows),
        sum((r.balances for r in rows), ZERO),
        sum((r.ledger for r in rows), ZERO),
    )
    return {"counties": rows, "city": city, "differences": differences}


def receivable_list(*, user):
    return (
        Receivable.objects.visible_to(user)
        .select_related("company", "case", "case__county")
        .with_paid()
        .order_by("settled_at", "-created_at")
    )


def pending_withdrawals(*, user):
    return (
        FundWithdrawal.objects.visible_to(user)
        .pending()
        .select_related("account__mine", "requested_by")
        .order_by("requested_at")
    )


# ---------------------------------------------------------------- key projects


@dataclass
class ProjectFinance:
    project: KeyProject
    budget: dict
    disbursed: dict
    budget_total: Decimal
    disbursed_total: Decimal
    elapsed: float
    over_budget_sources: list

    @property
    def spent_share(self) -> float:
        return float(self.disbursed_total / self.budget_total) if self.budget_total else 0.0

    @property
    def over_budget(self) -> bool:
        return self.disbursed_total > self.budget_total or bool(self.over_budget_sources)

    @property
    def slow_spend(self) -> bool:
        """Spending 25 points or more behind the time elapsed, past the first quarter of the period."""
        return (
            self.project.status != ProjectStatus.COMPLETED
            and self.elapsed >= 0.25
            and self.spent_share + 0.25 <= self.elapsed
        )

    def by_source(self):
        return [
            (FundingSource(source).label, self.budget[source], self.disbursed.get(source, ZERO))
            for source in KeyProject.BUDGET_FIELDS
        ]


def _elapsed(project: KeyProject, today: date) -> float:
    if not project.start_year or not project.end_year:
        return 0.0
    start, end = date(project.start_year, 1, 1), date(project.end_year, 12, 31)
    if today <= start:
        return 0.0
    if today >= end:
        return 1.0
    return (today - start).days / (end - start).days


def project_finance(projects, today: date | None = None) -> list[ProjectFinance]:
    """Budget against disbursement per source for each project (one query for all of them)."""
    today = today or timezone.localdate()
    projects = list(projects)
    spent: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for project_id, source, total in (
        ProjectDisbursement.objects.filter(project__in=[p.pk for p in projects])
        .values_list("project_id", "source")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        spent[project_id][source] = total
    out = []
    for project in projects:
        budget: dict[str, Decimal] = {
            source: getattr(project, field) for source, field in KeyProject.BUDGET_FIELDS.items()
        }
        disbursed = spent.get(project.pk, {})
        out.append(
            ProjectFinance(
                project=project,
                budget=budget,
                disbursed=disbursed,
                budget_total=sum(budget.values(), ZERO),
                disbursed_total=sum(disbursed.values(), ZERO),
                elapsed=_elapsed(project, today),
                over_budget_sources=[s for s, amount in disbursed.items() if amount > budget.get(s, ZERO)],
            )
        )
    return out


def projects_overview(*, user):
    projects = KeyProject.objects.visible_to(user).select_related("county", "zone").order_by("code")
    finance = project_finance(projects)
    return {
        "finance": finance,
        "budget_total": sum((f.budget_total for f in finance), ZERO),
        "disbursed_total": sum((f.disbursed_total for f in finance), ZERO),
        "over_budget": [f for f in finance if f.over_budget],
        "slow_spend": [f for f in finance if f.slow_spend],
    }


def fund_totals(*, user):
    """City or scope totals for the dashboard."""
    accounts = FundAccount.objects.visible_to(user)
    return accounts.aggregate(n=Count("id"), balance=Coalesce(Sum("balance"), ZERO)) | {
        "receivable_outstanding": Receivable.objects.visible_to(user)
        .outstanding()
        .aggregate(total=Coalesce(Sum(F("amount")), ZERO))["total"]
    }
