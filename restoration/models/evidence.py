from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from restoration.choices import EvidenceKind, ReviewStatus
from restoration.models.cases import Case, Inspection
from restoration.storage import evidence_path, evidence_storage


class EvidenceQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Files of the cases, funds and key projects the user may see."""
        from mines.models import KeyProject
        from restoration.models.funds import FundAccount

        return self.filter(
            Q(case__in=Case.objects.visible_to(user))
            | Q(withdrawal__account__in=FundAccount.objects.visible_to(user))
            | Q(disbursement__project__in=KeyProject.objects.visible_to(user))
        )

    def current(self):
        """The latest version of each document."""
        return self.filter(superseded_by__isnull=True)


class Evidence(models.Model):
    """佐证材料: one version of one file attached to a case, a fund withdrawal or a key-project
    disbursement. A new version keeps the old one."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, null=True, blank=True, related_name="evidence"
    )
    withdrawal = models.ForeignKey(
        "restoration.FundWithdrawal",
        verbose_name=_("fund withdrawal"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evidence",
    )
    disbursement = models.ForeignKey(
        "restoration.ProjectDisbursement",
        verbose_name=_("project disbursement"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evidence",
    )
    kind = models.CharField(_("kind"), max_length=32, choices=EvidenceKind.choices)
    description = models.CharField(_("description"), max_length=255, blank=True)
    file = models.FileField(_("file"), storage=evidence_storage, upload_to=evidence_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    content_type = models.CharField(_("detected content type"), max_length=128)
    width = models.PositiveIntegerField(_("width (px)"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height (px)"), null=True, blank=True)
    captured_at = models.DateTimeField(_("captured at"), null=True, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    distance_km = models.DecimalField(
        _("distance from the site (km)"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    inspection = models.ForeignKey(
        Inspection,
        verbose_name=_("inspection"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="photos",
    )
    previous = models.OneToOneField(
        "self",
        verbose_name=_("previous version"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("same file as"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    review_status = models.CharField(
        _("review"), max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.PENDING, db_index=True
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_reason = models.TextField(_("reason"), blank=True)

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        constraints = [
            models.CheckConstraint(
                condition=~Q(review_status=ReviewStatus.REJECTED) | ~Q(review_reason=""),
                name="evidence_rejection_has_reason",
                violation_error_message=_("A rejection needs a reason."),
            ),
            models.CheckConstraint(
                condition=Q(size__gt=0), name="evidence_not_empty", violation_error_message=_("The file is empty.")
            ),
            models.CheckConstraint(
                condition=(
                    Q(case__isnull=False, withdrawal__isnull=True, disbursement__isnull=True)
                    | Q(case__isnull=True, withdrawal__isnull=False, disbursement__isnull=True)
                    | Q(case__isnull=True, withdrawal__isnull=True, disbursement__isnull=False)
                ),
                name="evidence_has_one_owner",
                violation_error_message=_("A file belongs to exactly one case, withdrawal or disbursement."),
            ),
        ]

    def __str__(self):
        return self.original_name

    def get_download_url(self):
        return reverse("evidence-download", args=[self.pk])

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    @property
    def far_from_site(self) -> bool:
        return self.distance_km is not None and self.distance_km > settings.EVIDENCE_MAX_DISTANCE_KM
