from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OFFICER = "officer", _("Officer")
    SUPERVISOR = "supervisor", _("Supervisor")
    COMPANY = "company", _("Company user")
    CONTRACTOR = "contractor", _("Contractor")
    ADMIN = "admin", _("Administrator")


BUREAU_ROLES = (Role.OFFICER, Role.SUPERVISOR, Role.ADMIN)


class User(AbstractUser):
    """A person who logs in. The role decides what they may do; the scope what they may see.

    Officers and supervisors see either the whole city or the counties they are given.
    A company user belongs to exactly one company, a contractor user to one contractor.
    """

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.OFFICER)
    company = models.ForeignKey(
        "mines.Company",
        verbose_name=_("company"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    contractor = models.ForeignKey(
        "mines.Contractor",
        verbose_name=_("contractor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    city_wide = models.BooleanField(
        _("city-wide scope"),
        default=False,
        help_text=_("Officers and supervisors with city-wide scope see every county."),
    )
    counties = models.ManyToManyField(
        "mines.County",
        verbose_name=_("counties in scope"),
        blank=True,
        related_name="staff",
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role=Role.COMPANY) | Q(company__isnull=False),
                name="user_company_role_has_company",
                violation_error_message=_("A company user must belong to a company."),
            ),
            models.CheckConstraint(
                condition=~Q(role=Role.CONTRACTOR) | Q(contractor__isnull=False),
                name="user_contractor_role_has_contractor",
                violation_error_message=_("A contractor user must belong to a contractor."),
            ),
            models.CheckConstraint(
                condition=Q(company__isnull=True) | Q(role=Role.COMPANY),
                name="user_only_company_role_has_company",
                violation_error_message=_("Only a company user may belong to a company."),
            ),
            models.CheckConstraint(
                condition=Q(contractor__isnull=True) | Q(role=Role.CONTRACTOR),
                name="user_only_contractor_role_has_contractor",
                violation_error_message=_("Only a contractor user may belong to a contractor."),
            ),
        ]

    def __str__(self):
        return self.get_full_name() or self.username

    def get_full_name(self):
        """Chinese names read family name first, without a space."""
        last, first = self.last_name.strip(), self.first_name.strip()
        if any("\u4e00" <= ch <= "\u9fff" for ch in last + first):
            return f"{last}{first}"
        return f"{first} {last}".strip()

    @property
    def is_bureau(self) -> bool:
        """Bureau staff: officers, supervisors and administrators."""
        return self.is_active and (self.is_superuser or self.role in BUREAU_ROLES)

    @property
    def is_supervisor(self) -> bool:
        return self.is_active and (self.is_superuser or self.role in (Role.SUPERVISOR, Role.ADMIN))

    @property
    def sees_all_counties(self) -> bool:
        return self.is_bureau and (self.is_superuser or self.role == Role.ADMIN or self.city_wide)


class ApiTokenQuerySet(models.QuerySet):
    def active(self, now=None):
        from django.utils import timezone

        return self.filter(revoked_at__isnull=True, expires_at__gt=now or timezone.now())


class ApiToken(models.Model):
    """A personal API token: a machine acts as its user, with the user's role and scope.

    Only the SHA-256 of the token is stored; the plain token is shown once, when it is created.
    `accounts.tokens` creates, checks and revokes tokens; nothing else writes them.
    """

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, help_text=_("What the token is for, e.g. the system using it."))
    prefix = models.CharField(
        _("prefix"), max_length=16, help_text=_("The token's first characters, for recognising it.")
    )
    key_hash = models.CharField(_("SHA-256 of the token"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="api_token_expires_after_creation",
                violation_error_message=_("A token must expire after it is created."),
            ),
            models.CheckConstraint(
                condition=Q(key_hash__regex=r"^[0-9a-f]{64}$"),
                name="api_token_key_hash_is_sha256",
                violation_error_message=_("Only the token's SHA-256 is stored."),
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    def status(self, now=None) -> str:
        from django.utils import timezone

        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= (now or timezone.now()):
            return "expired"
        return "active"

    def get_status_display(self, now=None):
        return {"active": _("Active"), "expired": _("Expired"), "revoked": _("Revoked")}[self.status(now)]
