"""Key-project finance: disbursements by funding source (append-only) and milestones."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mines.choices import FundingSource
from mines.models import KeyProject
from restoration.models.append_only import AppendOnlyModel, AppendOnlyQuerySet


class DisbursementQuerySet(AppendOnlyQuerySet):
    def visible_to(self, user):
        return self.filter(project__in=KeyProject.objects.visible_to(user))


class ProjectDisbursement(AppendOnlyModel):
    """拨付: money paid out for a key project from one funding source. A mistake is reversed by a
    new line with the opposite amount, never edited."""

    project = models.ForeignKey(
        KeyProject, verbose_name=_("key project"), on_delete=models.PROTECT, related_name="disbursements"
    )
    source = models.CharField(_("funding source"), max_length=16, choices=FundingSource.choices)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2)
    paid_on = models.DateField(_("paid on"))
    memo = models.CharField(_("memo"), max_length=255, blank=True)
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("reverses"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = DisbursementQuerySet.as_manager()

    class Meta:
        ordering = ["paid_on", "id"]
        verbose_name = _("project disbursement")
        verbose_name_plural = _("project disbursements")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0) | (Q(amount__lt=0) & Q(reverses__isnull=False)),
                name="disbursement_positive_unless_reversal",
                violation_error_message=_("A disbursement must be positive; only a reversal is negative."),
            )
        ]

    def __str__(self):
        return f"{self.project_id} {self.source} {self.amount}"


class MilestoneQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(project__in=KeyProject.objects.visible_to(user))


class ProjectMilestone(models.Model):
    project = models.ForeignKey(
        KeyProject, verbose_name=_("key project"), on_delete=models.PROTECT, related_name="milestones"
    )
    name = models.CharField(_("milestone"), max_length=200)
    due_on = models.DateField(_("due on"))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    weight = models.PositiveSmallIntegerField(_("share of the work (%)"), default=0)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )

    objects = MilestoneQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("project milestone")
        verbose_name_plural = _("project milestones")
        constraints = [
            models.CheckConstraint(
                condition=Q(weight__lte=100),
                name="milestone_weight_at_most_100",
                violation_error_message=_("At most 100%."),
            )
        ]

    def __str__(self):
        return self.name
