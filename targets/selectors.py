"""The targets, counted from accepted work only, by county and over time; and what the dashboard
and the evaluation report show beside them. Every figure starts from `visible_to(user)`, except
`public_progress`, which is the city-wide figure the disclosure page publishes."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractYear
from django.utils import timezone

from mines.choices import GreenMineStatus, LicensingLevel, ProductionStatus, Scale, SiteStatus
from mines.models import County, GreenMineListing, HistoricalSite, Mine
from restoration.models import AnnualReportLine, ReportStatus
from targets.plan import BY_CODE, PLAN_END, PLAN_START, THREE_ZONE_CATEGORIES

ZERO = Decimal("0")
HA_PER_KM2 = Decimal("100")


@dataclass
class Progress:
    code: str
    value: Decimal
    by_county: dict = field(default_factory=dict)  # County → value
    by_year: dict = field(default_factory=dict)  # year → value in that year (for the burn-up)
    list_url: str = ""

    @property
    def target(self):
        return BY_CODE[self.code]

    @property
    def percent(self) -> Decimal:
        """How far toward the goal, in percent of it."""
        goal = self.target.goal
        return (self.value / goal * 100).quantize(Decimal("0.1")) if goal else ZERO

    @property
    def met(self) -> bool:
        return self.value >= self.target.goal

    def burn_up(self, until: date):
        """Cumulative value at the end of each year of the plan (and up to `until`)."""
        total, points = ZERO, []
        for year in range(PLAN_START.year, max(PLAN_END.year, until.year) + 1):
            total += self.by_year.get(year, ZERO)
            points.append((year, total))
        return points


def _counties():
    return {c.pk: c for c in County.objects.all()}


def historical_area(sites, *, since=PLAN_START, until=None) -> Progress:
    """km² of historical sites accepted (status accepted, dated) in the period."""
    until = until or timezone.localdate()
    accepted = sites.filter(status=SiteStatus.ACCEPTED, accepted_on__gte=since, accepted_on__lte=until)
    counties = _counties()
    by_county = {
        counties[row["county"]]: row["ha"] / HA_PER_KM2
        for row in accepted.values("county").annotate(ha=Sum("area_restored_ha")).order_by()
    }
    by_year = {
        row["year"]: row["ha"] / HA_PER_KM2
        for row in accepted.annotate(year=ExtractYear("accepted_on"))
        .values("year")
        .annotate(ha=Sum("area_restored_ha"))
        .order_by()
    }
    total = sum(by_county.values(), ZERO)
    return Progress("historical_area", total.quantize(Decimal("0.01")), by_county, by_year, "/sites/?status=accepted")


def historical_sites(sites, *, since=PLAN_START, until=None) -> Progress:
    until = until or timezone.localdate()
    accepted = sites.filter(status=SiteStatus.ACCEPTED, accepted_on__gte=since, accepted_on__lte=until)
    counties = _counties()
    by_county = {
        counties[row["county"]]: Decimal(row["n"])
        for row in accepted.values("county").annotate(n=Count("id")).order_by()
    }
    by_year = {
        row["year"]: Decimal(row["n"])
        for row in accepted.annotate(year=ExtractYear("accepted_on")).values("year").annotate(n=Count("id")).order_by()
    }
    return Progress("historical_sites", sum(by_county.values(), ZERO), by_county, by_year, "/sites/?status=accepted")


def three_zones(sites, mines, *, since=PLAN_START, until=None) -> Progress:
    """km²: accepted historical-site area plus land restored in the three zones' categories of
    accepted annual reports on the user's mines."""
    until = until or timezone.localdate()
    area = historical_area(sites, since=since, until=until)
    lines = AnnualReportLine.objects.filter(
        category__in=THREE_ZONE_CATEGORIES,
        report__status=ReportStatus.ACCEPTED,
        report__mine__in=mines,
        report__year__gte=since.year,
        report__year__lte=until.year,
    )
    counties = _counties()
    by_county = defaultdict(lambda: ZERO, area.by_county)
    for row in lines.values("report__mine__county").annotate(ha=Sum("restored_ha")).order_by():
        by_county[counties[row["report__mine__county"]]] += row["ha"] / HA_PER_KM2
    by_year = defaultdict(lambda: ZERO, area.by_year)
    for row in lines.values("report__year").annotate(ha=Sum("restored_ha")).order_by():
        by_year[row["report__year"]] += row["ha"] / HA_PER_KM2
    total = sum(by_county.values(), ZERO)
    return Progress(
        "three_zones", total.quantize(Decimal("0.01")), dict(by_county), dict(by_year), "/sites/?status=accepted"
    )


def _share(mines, condition) -> tuple[Decimal, dict]:
    counties = _counties()
    rows = mines.values("county").annotate(n=Count("id"), hit=Count("id", filter=condition)).order_by()
    by_county = {
        counties[row["county"]]: (Decimal(row["hit"]) * 100 / row["n"]).quantize(Decimal("0.1"))
        for row in rows
        if row["n"]
    }
    n = sum(row["n"] for row in rows)
    hit = sum(row["hit"] for row in rows)
    return ((Decimal(hit) * 100 / n).quantize(Decimal("0.1")) if n else ZERO), by_county


def green_share(mines) -> Progress:
    eligible = mines.exclude(production_status=ProductionStatus.CLOSED).filter(
        licensing_level__in=[LicensingLevel.PROVINCE, LicensingLevel.MINISTRY]
    )
    green = Q(
        pk__in=GreenMineListing.objects.exclude(status=GreenMineStatus.REMOVED).values("mine_id"),
    )
    value, by_county = _share(eligible, green)
    return Progress("green_share", value, by_county, {}, "/mines/?green=yes")


def large_medium_share(mines) -> Progress:
    eligible = mines.exclude(production_status=ProductionStatus.CLOSED)
    value, by_county = _share(eligible, Q(scale__in=[Scale.LARGE, Scale.MEDIUM]))
    return Progress("large_medium_share", value, by_county, {}, "/mines/?scale=large")


def progress(*, user=None, since=PLAN_START, until=None) -> list[Progress]:
    """Every target; for a user, within their scope; without one, city-wide (public)."""
    if user is None:
        sites, mines = HistoricalSite.objects.all(), Mine.objects.all()
    else:
        sites, mines = HistoricalSite.objects.visible_to(user), Mine.objects.visible_to(user)
    return [
        historical_area(sites, since=since, until=until),
        historical_sites(sites, since=since, until=until),
        three_zones(sites, mines, since=since, until=until),
        green_share(mines),
        large_medium_share(mines),
    ]


def public_progress() -> list[Progress]:
    return progress(user=None)


# ---------------------------------------------------------------- the rest of the dashboard


def case_counts(*, user, today=None):
    from restoration.models import Case

    today = today or timezone.localdate()
    cases = Case.objects.visible_to(user)
    return {
        "open": cases.open().count(),
        "due_soon": cases.due_within(7, today).count(),
        "overdue": cases.open().overdue(today).count(),
        "awaiting_decision": cases.awaiting_decision().count(),
    }


def activity(*, user, since: date, until: date):
    """What happened in a period: for the evaluation report."""
    from restoration.models import Case, CaseEvent, FundEntry, Inspection, ProjectDisbursement, RectificationOrder

    cases = Case.objects.visible_to(user)
    in_period = {"created_at__date__gte": since, "created_at__date__lte": until}
    opened = dict(cases.filter(**in_period).values_list("kind").annotate(n=Count("id")).order_by())
    closed = dict(
        cases.filter(closed_at__date__gte=since, closed_at__date__lte=until)
        .values_list("kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    inspections = Inspection.objects.visible_to(user).filter(inspected_on__gte=since, inspected_on__lte=until)
    orders = RectificationOrder.objects.filter(
        case__in=cases, status="approved", decided_at__date__gte=since, decided_at__date__lte=until
    )
    overdue_events = CaseEvent.objects.filter(
        case__in=cases, action="mark_overdue", created_at__date__gte=since, created_at__date__lte=until
    )
    entries = FundEntry.objects.visible_to(user).filter(**in_period)
    disbursed = ProjectDisbursement.objects.visible_to(user).filter(paid_on__gte=since, paid_on__lte=until)
    return {
        "opened": opened,
        "closed": closed,
        "inspections": inspections.aggregate(n=Count("id"), passed=Count("id", filter=Q(passed=True))),
        "orders": orders.count(),
        "overdue": overdue_events.count(),
        "fund_by_kind": dict(entries.values_list("kind").annotate(total=Sum("amount")).order_by()),
        "disbursed_by_source": dict(disbursed.values_list("source").annotate(total=Sum("amount")).order_by()),
        "disbursed_total": disbursed.aggregate(total=Sum("amount"))["total"] or ZERO,
    }


def public_inspections(*, limit=200):
    """Inspection results for the disclosure page: mine, date, result, a short summary. No names
    of people, no files, no company contacts."""
    from restoration.models import Inspection

    return (
        Inspection.objects.filter(case__mine__isnull=False)
        .select_related("case__mine", "case__county")
        .only(
            "inspected_on",
            "passed",
            "findings",
            "case__kind",
            "case__mine__name",
            "case__mine__licence_no",
            "case__county__name",
            "case__county__name_en",
        )
        .order_by("-inspected_on", "-pk")[:limit]
    )


def public_green_list():
    return (
        GreenMineListing.objects.current()
        .select_related("mine", "mine__county")
        .only(
            "level",
            "listed_on",
            "last_verified_on",
            "status",
            "mine__name",
            "mine__county__name",
            "mine__county__name_en",
        )
        .order_by("mine__county__code", "mine__name")
    )
