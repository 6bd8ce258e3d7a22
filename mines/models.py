"""The inventory: counties, companies, mines, historical sites, zones, key projects, green mines."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from mines.choices import (
    LATITUDE_MAX,
    LATITUDE_MIN,
    LONGITUDE_MAX,
    LONGITUDE_MIN,
    MINIMUM_SCALE,
    DamageType,
    FundingSource,
    GreenMineLevel,
    GreenMineStatus,
    LicensingLevel,
    Mineral,
    MineralCategory,
    MiningMethod,
    PlanningAreaKind,
    ProductionStatus,
    ProjectStatus,
    Scale,
    SiteStatus,
    TreatmentMode,
    ZoneKind,
    capacity_unit,
    minimum_scale,
)
from mines.querysets import ScopedQuerySet
from mines.validators import validate_boundary, validate_credit_code, validate_latitude, validate_longitude

NON_NEGATIVE = [MinValueValidator(Decimal("0"))]


def plain_number(value: Decimal) -> str:
    """120.00 → '120', 2.50 → '2.5' (never '1.2E+2')."""
    return format(value.normalize(), "f")


def _coordinates_inside_shuozhou(prefix: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=(
            (Q(longitude__isnull=True) & Q(latitude__isnull=True))
            | Q(
                longitude__gte=LONGITUDE_MIN,
                longitude__lte=LONGITUDE_MAX,
                latitude__gte=LATITUDE_MIN,
                latitude__lte=LATITUDE_MAX,
            )
        ),
        name=f"{prefix}_location_inside_shuozhou",
        violation_error_message=_("The location lies outside Shuozhou."),
    )


class BilingualNameMixin:
    """Proper names kept in Chinese, with a romanised name for the English interface."""

    name: str
    name_en: str

    @property
    def display_name(self) -> str:
        if (get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name

    def __str__(self):
        return self.display_name


class PublicQuerySet(ScopedQuerySet):
    """Planning facts the plan publishes: every signed-in user sees them."""

    def visible_to(self, user):
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        return self.all()


class County(BilingualNameMixin, models.Model):
    code = models.CharField(_("administrative code"), max_length=6, unique=True)
    name = models.CharField(_("name"), max_length=32, unique=True)
    name_en = models.CharField(_("English name"), max_length=64, blank=True)

    objects = PublicQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("county")
        verbose_name_plural = _("counties")


class CompanyQuerySet(ScopedQuerySet):
    def in_counties(self, counties):
        # A company with no mine yet is visible to all bureau staff, so the officer who
        # registers it can go on to register its first mine.
        return self.filter(
            Exists(Mine.objects.filter(company=OuterRef("pk"), county__in=counties))
            | ~Exists(Mine.objects.filter(company=OuterRef("pk")))
        )

    def of_company(self, company_id):
        return self.filter(pk=company_id)


class Company(models.Model):
    name = models.CharField(_("name"), max_length=128)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        validators=[validate_credit_code],
        help_text=_("18 characters, GB 32100-2015, including the check character."),
    )
    legal_representative = models.CharField(_("legal representative"), max_length=64, blank=True)
    contact_person = models.CharField(_("contact person"), max_length=64, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = CompanyQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("mining-rights holder")
        verbose_name_plural = _("mining-rights holders")
        constraints = [
            models.CheckConstraint(
                condition=Q(credit_code__regex=r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$"),
                name="company_credit_code_format",
                violation_error_message=_("The unified social credit code is malformed."),
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("company-detail", args=[self.pk])

    def clean(self):
        if self.credit_code:
            self.credit_code = self.credit_code.strip().upper()


class ContractorQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        # Bureau staff of any scope pick contractors from the whole city's register.
        if user is not None and user.is_authenticated and user.is_active and user.is_bureau:
            return self.all()
        return super().visible_to(user)

    def of_contractor(self, contractor_id):
        return self.filter(pk=contractor_id)


class Contractor(models.Model):
    """A unit qualified to carry out restoration works (受托治理单位)."""

    name = models.CharField(_("name"), max_length=128)
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, validators=[validate_credit_code]
    )
    qualification = models.CharField(_("qualification"), max_length=128, blank=True)
    contact_person = models.CharField(_("contact person"), max_length=64, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    objects = ContractorQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("contractor")
        verbose_name_plural = _("contractors")

    def __str__(self):
        return self.name

    def clean(self):
        if self.credit_code:
            self.credit_code = self.credit_code.strip().upper()


class PlanningArea(BilingualNameMixin, models.Model):
    """A national planning mining area (大同/平朔/朔南) or one of the 38 concentrated mining zones."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=64)
    name_en = models.CharField(_("English name"), max_length=128, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=PlanningAreaKind.choices)
    is_demo = models.BooleanField(_("demo data"), default=False)

    objects = PublicQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = _("planning area")
        verbose_name_plural = _("planning areas")


def _minimum_scale_condition() -> Q:
    """Database form of the plan's minimum scale: a mine under construction must reach it."""
    condition = ~Q(production_status=ProductionStatus.UNDER_CONSTRUCTION) | Q(design_capacity__isnull=True)
    governed = [key for key in MINIMUM_SCALE if not isinstance(key, tuple)]
    governed_pairs = [key for key in MINIMUM_SCALE if isinstance(key, tuple)]
    condition |= ~Q(mineral__in=governed + sorted({m for m, _ in governed_pairs}))
    for key, floor in MINIMUM_SCALE.items():
        if isinstance(key, tuple):
            mineral, method = key
            condition |= Q(mineral=mineral, mining_method=method, design_capacity__gte=floor)
        else:
            condition |= Q(mineral=key, design_capacity__gte=floor)
    return condition


class MineQuerySet(ScopedQuerySet):
    def in_counties(self, counties):
        return self.filter(county__in=counties)

    def of_company(self, company_id):
        return self.filter(company_id=company_id)

    def coal(self):
        return self.filter(mineral=Mineral.COAL)

    def non_coal(self):
        return self.exclude(mineral=Mineral.COAL)

    def with_green_listing(self):
        """Annotate `is_green`: the mine is on the green-mine list and not removed."""
        return self.annotate(
            is_green=Exists(
                GreenMineListing.objects.filter(mine=OuterRef("pk")).exclude(status=GreenMineStatus.REMOVED)
            )
        )


class Mine(models.Model):
    licence_no = models.CharField(_("licence number"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=128)
    company = models.ForeignKey(
        Company, verbose_name=_("mining-rights holder"), on_delete=models.PROTECT, related_name="mines"
    )
    county = models.ForeignKey(County, verbose_name=_("county"), on_delete=models.PROTECT, related_name="mines")
    mineral = models.CharField(_("mineral"), max_length=32, choices=Mineral.choices, db_index=True)
    mining_method = models.CharField(_("mining method"), max_length=16, choices=MiningMethod.choices)
    licensing_level = models.CharField(_("licensing level"), max_length=16, choices=LicensingLevel.choices)
    scale = models.CharField(_("scale"), max_length=8, choices=Scale.choices)
    design_capacity = models.DecimalField(
        _("design capacity"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("10⁴ t/year; for granite 10⁴ m³/year."),
    )
    production_status = models.CharField(
        _("production status"), max_length=20, choices=ProductionStatus.choices, db_index=True
    )
    licence_valid_from = models.DateField(_("licence valid from"), null=True, blank=True)
    licence_valid_to = models.DateField(_("licence valid to"), null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, validators=[validate_longitude])
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, validators=[validate_latitude])
    area_km2 = models.DecimalField(
        _("mining area (km²)"), max_digits=10, decimal_places=4, null=True, blank=True, validators=NON_NEGATIVE
    )
    planning_area = models.ForeignKey(
        PlanningArea,
        verbose_name=_("planning area"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mines",
    )
    land_reclamation_plan_filed = models.BooleanField(_("land reclamation plan filed"), default=False)
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = MineQuerySet.as_manager()

    class Meta:
        ordering = ["county__code", "name"]
        verbose_name = _("mine")
        verbose_name_plural = _("mines")
        indexes = [models.Index(fields=["county", "mineral", "production_status"])]
        constraints = [
            _coordinates_inside_shuozhou("mine"),
            models.CheckConstraint(
                condition=Q(design_capacity__gt=0),
                name="mine_design_capacity_positive",
                violation_error_message=_("The design capacity must be greater than zero."),
            ),
            models.CheckConstraint(
                condition=Q(area_km2__isnull=True) | Q(area_km2__gte=0),
                name="mine_area_not_negative",
                violation_error_message=_("The mining area cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(licence_valid_to__isnull=True)
                | Q(licence_valid_from__isnull=True)
                | Q(licence_valid_to__gte=F("licence_valid_from")),
                name="mine_licence_period_ordered",
                violation_error_message=_("The licence cannot expire before it starts."),
            ),
            models.CheckConstraint(
                condition=_minimum_scale_condition(),
                name="mine_under_construction_meets_minimum_scale",
                violation_error_message=_("A new mine must reach the plan's minimum scale for its mineral."),
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("mine-detail", args=[self.pk])

    @property
    def category(self) -> str:
        return MineralCategory.COAL if self.mineral == Mineral.COAL else MineralCategory.NON_COAL

    def get_category_display(self):
        return MineralCategory(self.category).label

    @property
    def capacity_unit(self):
        return capacity_unit(self.mineral)

    @property
    def minimum_scale(self):
        return minimum_scale(self.mineral, self.mining_method)

    def clean(self):
        super().clean()
        floor = self.minimum_scale
        if (
            self.production_status == ProductionStatus.UNDER_CONSTRUCTION
            and floor is not None
            and self.design_capacity is not None
            and self.design_capacity < floor
        ):
            raise ValidationError(
                {
                    "design_capacity": ValidationError(
                        _(
                            "A new %(mineral)s mine (%(method)s) must have a design capacity of at least "
                            "%(minimum)s %(unit)s (plan ch.4 三(五)); %(capacity)s is below it."
                        ),
                        code="below_minimum_scale",
                        params={
                            "mineral": self.get_mineral_display(),
                            "method": self.get_mining_method_display(),
                            "minimum": plain_number(floor),
                            "unit": self.capacity_unit,
                            "capacity": plain_number(self.design_capacity),
                        },
                    )
                }
            )


class GovernanceZone(models.Model):
    """One of the 8 key and 6 general governance zones (治理区)."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=128)
    kind = models.CharField(_("kind"), max_length=8, choices=ZoneKind.choices)
    counties = models.ManyToManyField(County, verbose_name=_("counties"), related_name="zones", blank=True)
    area_km2 = models.DecimalField(
        _("area (km²)"), max_digits=10, decimal_places=2, null=True, blank=True, validators=NON_NEGATIVE
    )
    description = models.TextField(_("description"), blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    objects = PublicQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = _("governance zone")
        verbose_name_plural = _("governance zones")
        constraints = [
            models.CheckConstraint(
                condition=Q(area_km2__isnull=True) | Q(area_km2__gte=0),
                name="zone_area_not_negative",
                violation_error_message=_("The area cannot be negative."),
            ),
        ]

    def __str__(self):
        return self.name


class KeyProtectionArea(BilingualNameMixin, models.Model):
    """矿山生态重点保护修复区: 大同煤矿矿区 and 平朔煤矿矿区."""

    name = models.CharField(_("name"), max_length=64, unique=True)
    name_en = models.CharField(_("English name"), max_length=128, blank=True)
    counties = models.ManyToManyField(County, verbose_name=_("counties"), related_name="protection_areas")
    description = models.TextField(_("description"), blank=True)

    objects = PublicQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("key protection and restoration area")
        verbose_name_plural = _("key protection and restoration areas")


class KeyProjectQuerySet(ScopedQuerySet):
    def in_counties(self, counties):
        return self.filter(county__in=counties)

    def of_contractor(self, contractor_id):
        return self.filter(contractor_id=contractor_id)

    def with_budget_total(self):
        return self.annotate(
            budget_total_sum=F("budget_central")
            + F("budget_provincial")
            + F("budget_municipal")
            + F("budget_enterprise")
            + F("budget_social")
        )


def _money(verbose_name):
    return models.DecimalField(
        verbose_name, max_digits=14, decimal_places=2, default=Decimal("0.00"), validators=NON_NEGATIVE
    )


class KeyProject(models.Model):
    """One of the 34 government-led restoration projects (重点工程), 13.6 亿元 together."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=128)
    zone = models.ForeignKey(
        GovernanceZone, verbose_name=_("governance zone"), on_delete=models.PROTECT, related_name="projects"
    )
    county = models.ForeignKey(County, verbose_name=_("county"), on_delete=models.PROTECT, related_name="projects")
    budget_central = _money(_("central budget (yuan)"))
    budget_provincial = _money(_("provincial budget (yuan)"))
    budget_municipal = _money(_("municipal budget (yuan)"))
    budget_enterprise = _money(_("enterprise budget (yuan)"))
    budget_social = _money(_("social capital budget (yuan)"))
    contractor = models.ForeignKey(
        Contractor,
        verbose_name=_("contractor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
    )
    start_year = models.PositiveSmallIntegerField(_("start year"), null=True, blank=True)
    end_year = models.PositiveSmallIntegerField(_("end year"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=ProjectStatus.choices, default=ProjectStatus.PLANNED)
    progress_percent = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    description = models.TextField(_("description"), blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False)

    objects = KeyProjectQuerySet.as_manager()

    BUDGET_FIELDS = {
        FundingSource.CENTRAL: "budget_central",
        FundingSource.PROVINCIAL: "budget_provincial",
        FundingSource.MUNICIPAL: "budget_municipal",
        FundingSource.ENTERPRISE: "budget_enterprise",
        FundingSource.SOCIAL: "budget_social",
    }

    class Meta:
        ordering = ["code"]
        verbose_name = _("key project")
        verbose_name_plural = _("key projects")
        constraints = [
            models.CheckConstraint(
                condition=Q(budget_central__gte=0)
                & Q(budget_provincial__gte=0)
                & Q(budget_municipal__gte=0)
                & Q(budget_enterprise__gte=0)
                & Q(budget_social__gte=0),
                name="key_project_budget_not_negative",
                violation_error_message=_("A budget cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(progress_percent__lte=100),
                name="key_project_progress_at_most_100",
                violation_error_message=_("Progress cannot exceed 100%."),
            ),
            models.CheckConstraint(
                condition=Q(end_year__isnull=True) | Q(start_year__isnull=True) | Q(end_year__gte=F("start_year")),
                name="key_project_years_ordered",
                violation_error_message=_("A project cannot end before it starts."),
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def get_absolute_url(self):
        return reverse("project-detail", args=[self.pk])

    @property
    def budget_total(self) -> Decimal:
        return sum((getattr(self, f) for f in self.BUDGET_FIELDS.values()), Decimal("0.00"))

    def budget_by_source(self):
        return [(FundingSource(source).label, getattr(self, field)) for source, field in self.BUDGET_FIELDS.items()]


class HistoricalSiteQuerySet(ScopedQuerySet):
    def in_counties(self, counties):
        return self.filter(county__in=counties)

    def of_contractor(self, contractor_id):
        return self.filter(key_project__contractor_id=contractor_id)


class HistoricalSite(models.Model):
    """历史遗留矿山 / 矿业权灭失地: an abandoned mine whose rights holder is gone or unknown."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=128)
    county = models.ForeignKey(
        County, verbose_name=_("county"), on_delete=models.PROTECT, related_name="historical_sites"
    )
    former_mineral = models.CharField(_("former mineral"), max_length=32, choices=Mineral.choices)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, validators=[validate_longitude])
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, validators=[validate_latitude])
    boundary = models.JSONField(
        _("boundary (GeoJSON)"),
        null=True,
        blank=True,
        validators=[validate_boundary],
        help_text=_("A GeoJSON Polygon or MultiPolygon in WGS 84 longitude/latitude, or empty."),
    )
    damaged_area_ha = models.DecimalField(
        _("damaged area (ha)"), max_digits=10, decimal_places=2, validators=NON_NEGATIVE
    )
    damage_types = models.JSONField(_("damage types"), default=list, blank=True)
    treatment_mode = models.CharField(_("treatment mode"), max_length=20, choices=TreatmentMode.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=SiteStatus.choices, default=SiteStatus.IDENTIFIED, db_index=True
    )
    area_restored_ha = models.DecimalField(
        _("area restored and accepted (ha)"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=NON_NEGATIVE,
    )
    accepted_on = models.DateField(
        _("accepted on"),
        null=True,
        blank=True,
        help_text=_("Set when the treatment is accepted; the targets count the area from this date."),
    )
    key_project = models.ForeignKey(
        KeyProject,
        verbose_name=_("key project"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sites",
    )
    zone = models.ForeignKey(
        GovernanceZone,
        verbose_name=_("governance zone"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sites",
    )
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = HistoricalSiteQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("historical mine site")
        verbose_name_plural = _("historical mine sites")
        constraints = [
            _coordinates_inside_shuozhou("historical_site"),
            models.CheckConstraint(
                condition=Q(damaged_area_ha__gte=0),
                name="historical_site_damaged_area_not_negative",
                violation_error_message=_("The damaged area cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(area_restored_ha__gte=0),
                name="historical_site_restored_area_not_negative",
                violation_error_message=_("The restored area cannot be negative."),
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def get_absolute_url(self):
        return reverse("site-detail", args=[self.pk])

    def get_damage_types_display(self) -> list[str]:
        labels = dict(DamageType.choices)
        return [str(labels.get(code, code)) for code in self.damage_types or []]

    def clean(self):
        super().clean()
        codes = self.damage_types or []
        if not isinstance(codes, list) or any(code not in DamageType.values for code in codes):
            raise ValidationError({"damage_types": _("Unknown damage type.")}, code="damage_type")


class GreenMineListingQuerySet(ScopedQuerySet):
    def in_counties(self, counties):
        return self.filter(mine__county__in=counties)

    def of_company(self, company_id):
        return self.filter(mine__company_id=company_id)

    def current(self):
        return self.exclude(status=GreenMineStatus.REMOVED)


class GreenMineListing(models.Model):
    mine = models.ForeignKey(Mine, verbose_name=_("mine"), on_delete=models.PROTECT, related_name="green_listings")
    level = models.CharField(_("level"), max_length=16, choices=GreenMineLevel.choices)
    listed_on = models.DateField(_("listed on"))
    last_verified_on = models.DateField(_("last verified on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=24, choices=GreenMineStatus.choices, default=GreenMineStatus.LISTED
    )
    removed_on = models.DateField(_("removed on"), null=True, blank=True)

    objects = GreenMineListingQuerySet.as_manager()

    class Meta:
        ordering = ["-listed_on"]
        verbose_name = _("green-mine listing")
        verbose_name_plural = _("green-mine listings")
        constraints = [
            models.UniqueConstraint(
                fields=["mine"],
                condition=~Q(status=GreenMineStatus.REMOVED),
                name="green_listing_one_current_per_mine",
                violation_error_message=_("This mine already has a current green-mine listing."),
            ),
            models.CheckConstraint(
                condition=~Q(status=GreenMineStatus.REMOVED) | Q(removed_on__isnull=False),
                name="green_listing_removed_has_date",
                violation_error_message=_("A removed listing needs its removal date."),
            ),
        ]

    def __str__(self):
        return f"{self.mine} ({self.get_level_display()})"
