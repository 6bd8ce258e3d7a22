"""Cases, their history, inspections, rectification orders and delegations."""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mines.querysets import ScopedQuerySet
from restoration.choices import (
    APPROVAL_STATES,
    DEADLINE_STATES,
    FINAL_STATES,
    CaseKind,
    CaseState,
    EventKind,
    ProposalStatus,
)
from restoration.models.append_only import AppendOnlyModel, AppendOnlyQuerySet

KIND_PREFIX: dict[str, str] = {
    CaseKind.CLOSURE: "BK",
    CaseKind.RECTIFICATION: "ZG",
    CaseKind.HISTORICAL_SITE: "LS",
    CaseKind.GREEN_VERIFICATION: "LK",
    CaseKind.ANNUAL_INSPECTION: "NJ",
    CaseKind.ANNUAL_REPORT: "NB",
}


class CaseQuerySet(ScopedQuerySet):
    def in_counties(self, counties):
        return self.filter(county__in=counties)

    def of_company(self, company_id):
        return self.filter(company_id=company_id)

    def of_contractor(self, contractor_id):
        return self.filter(contractor_id=contractor_id)

    def open(self):
        return self.exclude(state__in=FINAL_STATES)

    def with_deadline(self):
        return self.filter(state__in=DEADLINE_STATES, deadline__isnull=False)

    def overdue(self, today=None):
        today = today or timezone.localdate()
        return self.filter(Q(state=CaseState.OVERDUE) | Q(state__in=DEADLINE_STATES, deadline__lt=today))

    def due_within(self, days: int, today=None):
        """Running deadlines that fall in the next `days` days (an overdue case is not "due")."""
        today = today or timezone.localdate()
        return (
            self.with_deadline()
            .exclude(state=CaseState.OVERDUE)
            .filter(deadline__gte=today, deadline__lte=today + timedelta(days=days))
        )

    def awaiting_decision(self):
        return self.filter(state__in=APPROVAL_STATES)


class Case(models.Model):
    """The unit of work: one restoration matter about a mine or a historical site."""

    number = models.CharField(_("case number"), max_length=32, unique=True, blank=True)
    kind = models.CharField(_("kind"), max_length=24, choices=CaseKind.choices, db_index=True)
    state = models.CharField(_("state"), max_length=24, choices=CaseState.choices, db_index=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    mine = models.ForeignKey(
        "mines.Mine", verbose_name=_("mine"), on_delete=models.PROTECT, null=True, blank=True, related_name="cases"
    )
    site = models.ForeignKey(
        "mines.HistoricalSite",
        verbose_name=_("historical mine site"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
    )
    # Copied from the subject when the case opens, so scoping is one indexed column.
    county = models.ForeignKey("mines.County", verbose_name=_("county"), on_delete=models.PROTECT, related_name="cases")
    company = models.ForeignKey(
        "mines.Company",
        verbose_name=_("mining-rights holder"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
    )
    contractor = models.ForeignKey(
        "mines.Contractor",
        verbose_name=_("contractor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
    )
    assigned_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("officer in charge"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_cases",
    )
    deadline = models.DateField(_("deadline"), null=True, blank=True, db_index=True)
    deadline_version = models.PositiveIntegerField(_("deadline version"), default=0)
    # Who proposed what the supervisor is now asked to decide (the four-eyes rule compares against it).
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    period = models.ForeignKey(
        "restoration.ReportingPeriod",
        verbose_name=_("reporting period"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        help_text=_("For an annual report: the year it reports on."),
    )
    # Where a rejected proposal sends the case back to.
    return_state = models.CharField(_("state to return to"), max_length=24, choices=CaseState.choices, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("opened by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("opened at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["county", "state"]),
            models.Index(fields=["company", "state"]),
            models.Index(fields=["state", "deadline"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(mine__isnull=False) & Q(site__isnull=True))
                | (Q(mine__isnull=True) & Q(site__isnull=False)),
                name="case_has_one_subject",
                violation_error_message=_("A case is about exactly one mine or one historical site."),
            ),
            models.CheckConstraint(
                condition=~Q(kind=CaseKind.HISTORICAL_SITE) | Q(site__isnull=False),
                name="case_site_kind_has_site",
                violation_error_message=_("A historical-site case needs its site."),
            ),
            models.CheckConstraint(
                condition=Q(kind=CaseKind.HISTORICAL_SITE) | Q(mine__isnull=False),
                name="case_mine_kinds_have_mine",
                violation_error_message=_("This kind of case needs a mine."),
            ),
            models.CheckConstraint(
                condition=~Q(state__in=[CaseState.RECTIFICATION_ORDERED, CaseState.OVERDUE])
                | Q(deadline__isnull=False),
                name="case_ordered_has_deadline",
                violation_error_message=_("A rectification order needs a deadline."),
            ),
            models.UniqueConstraint(
                fields=["mine", "kind"],
                condition=Q(kind=CaseKind.CLOSURE) & ~Q(state__in=sorted(FINAL_STATES)),
                name="case_one_open_closure_per_mine",
                violation_error_message=_("This mine already has an open closure case."),
            ),
            models.UniqueConstraint(
                fields=["mine", "period"],
                condition=Q(kind=CaseKind.ANNUAL_REPORT),
                name="case_one_annual_report_per_mine_and_year",
                violation_error_message=_("This mine already has a report case for that year."),
            ),
            models.CheckConstraint(
                condition=~Q(kind=CaseKind.ANNUAL_REPORT) | Q(period__isnull=False),
                name="case_annual_report_has_period",
                violation_error_message=_("An annual report case needs its reporting period."),
            ),
            models.UniqueConstraint(
                fields=["site"],
                condition=Q(kind=CaseKind.HISTORICAL_SITE) & ~Q(state__in=sorted(FINAL_STATES)),
                name="case_one_open_treatment_per_site",
                violation_error_message=_("This site already has an open treatment case."),
            ),
            models.CheckConstraint(
                condition=Q(state__in=list(CaseState.values)),
                name="case_state_known",
                violation_error_message=_("Unknown case state."),
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    def get_absolute_url(self):
        return reverse("case-detail", args=[self.pk])

    @property
    def subject(self):
        return self.mine if self.mine_id else self.site

    def the_mine(self):
        """The mine of a mine case (every kind but historical-site treatment has one)."""
        if self.mine is None:
            raise ValueError(f"case {self.pk} is about a site, not a mine")
        return self.mine

    def the_site(self):
        """The site of a historical-site case."""
        if self.site is None:
            raise ValueError(f"case {self.pk} is about a mine, not a site")
        return self.site

    @property
    def is_open(self) -> bool:
        return self.state not in FINAL_STATES

    @property
    def awaits_decision(self) -> bool:
        return self.state in APPROVAL_STATES

    @property
    def has_running_deadline(self) -> bool:
        return self.state in DEADLINE_STATES and self.deadline is not None

    def days_left(self, today=None) -> int | None:
        if self.deadline is None or self.state not in DEADLINE_STATES:
            return None
        return (self.deadline - (today or timezone.localdate())).days

    def days_overdue(self, today=None) -> int:
        left = self.days_left(today)
        return -left if left is not None and left < 0 else 0

    def make_number(self) -> str:
        year = timezone.localtime(self.created_at).year
        return f"{KIND_PREFIX[self.kind]}-{year}-{self.pk:06d}"


class CaseEventQuerySet(AppendOnlyQuerySet):
    def visible_to(self, user):
        return self.filter(case__in=Case.objects.visible_to(user))


class CaseEvent(AppendOnlyModel):
    """One line of a case's history: who did what, when, from what to what, and why."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("event"), max_length=24, choices=EventKind.choices)
    action = models.CharField(_("action"), max_length=32, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty for the system (scheduled tasks)."),
    )
    from_state = models.CharField(_("from"), max_length=24, choices=CaseState.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=24, choices=CaseState.choices, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    objects = CaseEventQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")

    def __str__(self):
        return f"{self.case_id} {self.kind} {self.created_at:%Y-%m-%d %H:%M}"


class InspectionQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(case__in=Case.objects.visible_to(user))


class Inspection(models.Model):
    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="inspections")
    inspected_on = models.DateField(_("inspection date"))
    inspectors = models.CharField(_("inspectors"), max_length=255)
    departments = models.CharField(_("departments consulted"), max_length=255, blank=True)
    findings = models.TextField(_("findings"))
    area_restored_ha = models.DecimalField(
        _("area found restored (ha)"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    passed = models.BooleanField(_("passed"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = InspectionQuerySet.as_manager()

    class Meta:
        ordering = ["-inspected_on", "-id"]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        constraints = [
            models.CheckConstraint(
                condition=Q(area_restored_ha__gte=0),
                name="inspection_area_not_negative",
                violation_error_message=_("The restored area cannot be negative."),
            )
        ]

    def __str__(self):
        return f"{self.case.number} {self.inspected_on}"


class RectificationOrder(models.Model):
    """责令限期治理: what must be done by when; in force once a supervisor approves it."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="orders")
    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requirements = models.TextField(_("requirements"))
    deadline = models.DateField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=16, choices=ProposalStatus.choices, default=ProposalStatus.PROPOSED
    )
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("drafted by"), on_delete=models.PROTECT, related_name="+"
    )
    drafted_at = models.DateTimeField(_("drafted at"), default=timezone.now)
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

    class Meta:
        ordering = ["-drafted_at"]
        verbose_name = _("rectification order")
        verbose_name_plural = _("rectification orders")

    def __str__(self):
        return f"{self.case_id} {self.deadline}"


class Delegation(models.Model):
    """委托治理: a qualified contractor restores at the holder's cost."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="delegations")
    contractor = models.ForeignKey(
        "mines.Contractor", verbose_name=_("contractor"), on_delete=models.PROTECT, related_name="delegations"
    )
    cost_estimate = models.DecimalField(
        _("cost estimate (yuan)"), max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    actual_cost = models.DecimalField(
        _("actual cost (yuan)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    scope = models.TextField(_("scope of works"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ProposalStatus.choices, default=ProposalStatus.PROPOSED
    )
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("drafted by"), on_delete=models.PROTECT, related_name="+"
    )
    drafted_at = models.DateTimeField(_("drafted at"), default=timezone.now)
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
    cost_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cost recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    cost_recorded_at = models.DateTimeField(_("cost recorded at"), null=True, blank=True)
    reported_done_at = models.DateTimeField(_("reported done at"), null=True, blank=True)

    class Meta:
        ordering = ["-drafted_at"]
        verbose_name = _("delegated treatment")
        verbose_name_plural = _("delegated treatments")
        constraints = [
            models.CheckConstraint(
                condition=Q(cost_estimate__gt=0) & (Q(actual_cost__isnull=True) | Q(actual_cost__gt=0)),
                name="delegation_costs_positive",
                violation_error_message=_("Costs must be greater than zero."),
            )
        ]

    def __str__(self):
        return f"{self.case_id} {self.contractor_id}"
