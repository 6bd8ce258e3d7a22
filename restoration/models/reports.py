"""Annual restoration reports (边开采、边治理、边恢复) and the unit rates that price what is disturbed."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from restoration.models.cases import Case

NON_NEGATIVE = [MinValueValidator(Decimal("0"))]


class DisturbanceCategory(models.TextChoices):
    SUBSIDENCE = "subsidence", _("Coal-mining subsidence")
    OPEN_PIT = "open_pit", pgettext_lazy("disturbance", "Open pit")
    WASTE_DUMP = "waste_dump", _("Waste dump")
    EXPOSED_SLOPE = "exposed_slope", _("Exposed slope")
    INDUSTRIAL_SITE = "industrial_site", _("Industrial site")
    TAILINGS = "tailings", _("Tailings and gangue heap")
    ROADS = "roads", _("Roads and other occupied land")


class UnitRate(models.Model):
    """What restoring one hectare of a category costs, as the bureau prices it (yuan per ha)."""

    category = models.CharField(_("category"), max_length=24, choices=DisturbanceCategory.choices)
    rate_per_ha = models.DecimalField(
        _("rate (yuan per ha)"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    effective_from = models.DateField(_("effective from"))
    notes = models.CharField(_("notes"), max_length=255, blank=True)

    class Meta:
        ordering = ["category", "-effective_from"]
        verbose_name = _("unit rate")
        verbose_name_plural = _("unit rates")
        constraints = [
            models.UniqueConstraint(fields=["category", "effective_from"], name="unit_rate_once_per_day"),
            models.CheckConstraint(
                condition=Q(rate_per_ha__gt=0),
                name="unit_rate_positive",
                violation_error_message=_("A rate must be positive."),
            ),
        ]

    def __str__(self):
        return f"{self.get_category_display()} {self.rate_per_ha}"


class ReportingPeriod(models.Model):
    """The bureau sets, per year, the date by which producing mines lodge their annual report."""

    year = models.PositiveSmallIntegerField(_("report year"), unique=True)
    due_date = models.DateField(_("due date"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("opened by"), on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("reporting period")
        verbose_name_plural = _("reporting periods")

    def __str__(self):
        return str(self.year)


class ReportStatus(models.TextChoices):
    LODGED = "lodged", _("Lodged")
    ACCEPTED = "accepted", pgettext_lazy("report status", "Accepted")
    RETURNED = "returned", _("Returned for correction")


class AnnualReportQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(case__in=Case.objects.visible_to(user))

    def counting(self):
        """Reports whose figures count: lodged or accepted, not returned."""
        return self.exclude(status=ReportStatus.RETURNED)


class AnnualReport(models.Model):
    """One lodging of a mine's annual restoration report; a returned report is kept, and relodged."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="annual_reports")
    mine = models.ForeignKey(
        "mines.Mine", verbose_name=_("mine"), on_delete=models.PROTECT, related_name="annual_reports"
    )
    year = models.PositiveSmallIntegerField(_("report year"))
    status = models.CharField(_("status"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.LODGED)
    late = models.BooleanField(_("lodged late"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    lodged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("lodged by"), on_delete=models.PROTECT, related_name="+"
    )
    lodged_at = models.DateTimeField(_("lodged at"), default=timezone.now)

    objects = AnnualReportQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "-lodged_at"]
        verbose_name = _("annual restoration report")
        verbose_name_plural = _("annual restoration reports")
        constraints = [
            models.UniqueConstraint(
                fields=["mine", "year"],
                condition=~Q(status="returned"),
                name="annual_report_one_counting_per_mine_year",
                violation_error_message=_("This mine has already lodged its report for that year."),
            )
        ]

    def __str__(self):
        return f"{self.mine} {self.year}"


class AnnualReportLine(models.Model):
    report = models.ForeignKey(AnnualReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="lines")
    category = models.CharField(_("category"), max_length=24, choices=DisturbanceCategory.choices)
    disturbed_ha = models.DecimalField(
        _("land disturbed this year (ha)"), max_digits=10, decimal_places=2, default=0, validators=NON_NEGATIVE
    )
    restored_ha = models.DecimalField(
        _("land restored this year (ha)"), max_digits=10, decimal_places=2, default=0, validators=NON_NEGATIVE
    )

    class Meta:
        ordering = ["category"]
        verbose_name = _("report line")
        verbose_name_plural = _("report lines")
        constraints = [
            models.UniqueConstraint(fields=["report", "category"], name="report_line_once_per_category"),
            models.CheckConstraint(
                condition=Q(disturbed_ha__gte=0) & Q(restored_ha__gte=0),
                name="report_line_not_negative",
                violation_error_message=_("Areas cannot be negative."),
            ),
        ]

    def __str__(self):
        return f"{self.report_id} {self.category}"
