"""Choice sets for the mine inventory, with the plan's own figures that depend on them."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Mineral(models.TextChoices):
    COAL = "coal", _("Coal")
    IRON = "iron", _("Iron ore")
    CEMENT_LIMESTONE = "cement_limestone", _("Limestone for cement")
    CONSTRUCTION_LIMESTONE = "construction_limestone", _("Limestone for construction stone")
    DOLOMITE = "dolomite", _("Dolomite")
    BASALT = "basalt", _("Basalt")
    GRANITE = "granite", _("Granite")
    CERAMIC_CLAY = "ceramic_clay", _("Ceramic clay")
    REFRACTORY_CLAY = "refractory_clay", _("Refractory clay")
    KAOLIN = "kaolin", _("Kaolin")
    CONSTRUCTION_SAND = "construction_sand", _("Construction sand")
    BRICK_CLAY = "brick_clay", _("Brick and tile clay")
    BAUXITE = "bauxite", _("Bauxite")
    QUARTZ_SANDSTONE = "quartz_sandstone", _("Quartz sandstone")
    GOLD = "gold", _("Gold")
    OTHER = "other", _("Other")


LIMESTONES = (Mineral.CEMENT_LIMESTONE, Mineral.CONSTRUCTION_LIMESTONE)
CLAYS = (Mineral.CERAMIC_CLAY, Mineral.REFRACTORY_CLAY, Mineral.KAOLIN)


class MineralCategory(models.TextChoices):
    COAL = "coal", _("Coal")
    NON_COAL = "non_coal", _("Non-coal")


class MiningMethod(models.TextChoices):
    OPEN_PIT = "open_pit", _("Open pit")
    UNDERGROUND = "underground", _("Underground")


class LicensingLevel(models.TextChoices):
    MINISTRY = "ministry", pgettext_lazy("level", "Ministry")
    PROVINCE = "province", pgettext_lazy("level", "Province")
    CITY = "city", pgettext_lazy("level", "City")
    COUNTY = "county", pgettext_lazy("level", "County")


class Scale(models.TextChoices):
    LARGE = "large", _("Large")
    MEDIUM = "medium", _("Medium")
    SMALL = "small", _("Small")


class ProductionStatus(models.TextChoices):
    PRODUCING = "producing", _("Producing")
    SUSPENDED = "suspended", _("Suspended")
    UNDER_CONSTRUCTION = "under_construction", _("Under construction")
    CLOSING = "closing", _("Closing")
    CLOSED = "closed", _("Closed")


class PlanningAreaKind(models.TextChoices):
    NATIONAL = "national", _("National planning mining area")
    CONCENTRATED = "concentrated", _("Concentrated mining zone")


class DamageType(models.TextChoices):
    SUBSIDENCE = "subsidence", _("Ground subsidence")
    FISSURE = "fissure", _("Ground fissures")
    LANDSCAPE = "landscape", _("Landform and landscape damage")
    COLLAPSE_HAZARD = "collapse_hazard", _("Collapse hazard")
    LAND_OCCUPATION = "land_occupation", _("Land occupied by waste")
    WATER = "water", _("Aquifer damage")


class TreatmentMode(models.TextChoices):
    GOVERNMENT_LED = "government_led", _("Government-led")
    SOCIAL_CAPITAL = "social_capital", _("Social capital (whoever restores benefits)")
    RESPONSIBLE_PARTY = "responsible_party", _("Responsible party found")


class SiteStatus(models.TextChoices):
    IDENTIFIED = "identified", _("Identified")
    SURVEYED = "surveyed", _("Surveyed")
    DESIGNED = "designed", _("Designed")
    UNDER_TREATMENT = "under_treatment", _("Under treatment")
    AWAITING_ACCEPTANCE = "awaiting_acceptance", _("Awaiting acceptance")
    ACCEPTED = "accepted", _("Accepted")


class ZoneKind(models.TextChoices):
    KEY = "key", _("Key governance zone")
    GENERAL = "general", _("General governance zone")


class FundingSource(models.TextChoices):
    CENTRAL = "central", _("Central government")
    PROVINCIAL = "provincial", _("Provincial government")
    MUNICIPAL = "municipal", _("Municipal government")
    ENTERPRISE = "enterprise", _("Enterprise")
    SOCIAL = "social", _("Social capital")


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    UNDER_WAY = "under_way", _("Under way")
    COMPLETED = "completed", _("Completed")


class GreenMineLevel(models.TextChoices):
    NATIONAL = "national", pgettext_lazy("level", "National")
    PROVINCIAL = "provincial", pgettext_lazy("level", "Provincial")
    CITY = "city", pgettext_lazy("level", "City")
    COUNTY = "county", pgettext_lazy("level", "County")


class GreenMineStatus(models.TextChoices):
    LISTED = "listed", _("Listed")
    UNDER_RECTIFICATION = "under_rectification", _("Under rectification")
    REMOVED = "removed", _("Removed")


# Shuozhou's extent (plan, chapter 1): east 111°53′-113°34′, north 39°05′-40°17′.
LONGITUDE_MIN = Decimal("111.883333")
LONGITUDE_MAX = Decimal("113.566667")
LATITUDE_MIN = Decimal("39.083333")
LATITUDE_MAX = Decimal("40.283333")

# Minimum design capacity of a new mine (plan ch.4 三(五)), in 万吨/年 (granite: 万立方米/年).
# Keyed by mineral, or by (mineral, mining method) where the method matters.
MINIMUM_SCALE = {
    (Mineral.COAL, MiningMethod.OPEN_PIT): Decimal("400"),
    (Mineral.COAL, MiningMethod.UNDERGROUND): Decimal("120"),
    Mineral.CEMENT_LIMESTONE: Decimal("50"),
    Mineral.CONSTRUCTION_LIMESTONE: Decimal("50"),
    Mineral.DOLOMITE: Decimal("10"),
    Mineral.BASALT: Decimal("50"),
    Mineral.GRANITE: Decimal("5"),
    Mineral.CERAMIC_CLAY: Decimal("3"),
}


def capacity_unit(mineral: str):
    """The unit the plan uses for a mineral's design capacity."""
    if mineral == Mineral.GRANITE:
        return _("10⁴ m³/year")
    return _("10⁴ t/year")


def minimum_scale(mineral: str, mining_method: str):
    """The plan's minimum design capacity for a new mine, or None where it sets none."""
    return MINIMUM_SCALE.get((mineral, mining_method), MINIMUM_SCALE.get(mineral))
