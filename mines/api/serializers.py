"""API representations of the inventory.

Big lists (mines, historical sites) use light row serializers over `.values()` (api.rows); small
ones (counties, zones, projects, listings, companies, contractors) plain DRF serializers. Writes go
through `InventoryWriteSerializer`: DRF only parses the input, the model's `full_clean()` decides,
so the API refuses exactly what the pages refuse, with the same messages.
"""

import json

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers
from rest_framework.fields import ProhibitSurrogateCharactersValidator

from api.exceptions import django_validation_fields
from api.rows import Computed, Display, Ref, RowSerializer
from mines.choices import (
    DamageType,
    LicensingLevel,
    Mineral,
    MineralCategory,
    MiningMethod,
    ProductionStatus,
    Scale,
    SiteStatus,
    TreatmentMode,
    capacity_unit,
)
from mines.models import (
    Company,
    Contractor,
    County,
    GovernanceZone,
    GreenMineListing,
    HistoricalSite,
    KeyProject,
    Mine,
    PlanningArea,
)

# ---------------------------------------------------------------- small, read-only


class CountySerializer(serializers.ModelSerializer):
    """One of the six counties (区县) of Shuozhou."""

    class Meta:
        model = County
        fields = ["id", "code", "name", "name_en"]
        extra_kwargs = {
            "id": {"help_text": "The county's id."},
            "code": {"help_text": "The six-digit administrative division code."},
            "name": {"help_text": "The official (Chinese) name, e.g. 朔城区."},
            "name_en": {"help_text": "The romanised name for the English interface."},
        }


class PlanningAreaSerializer(serializers.ModelSerializer):
    """A national planning mining area or a concentrated mining zone."""

    kind_display = serializers.CharField(source="get_kind_display", read_only=True, help_text="The kind's label.")

    class Meta:
        model = PlanningArea
        fields = ["id", "code", "name", "name_en", "kind", "kind_display", "is_demo"]
        extra_kwargs = {
            "id": {"help_text": "The area's id."},
            "code": {"help_text": "The area's code."},
            "name": {"help_text": "The official (Chinese) name."},
            "name_en": {"help_text": "The romanised name for the English interface."},
            "kind": {"help_text": "A national planning mining area or one of the 38 concentrated mining zones."},
            "is_demo": {"help_text": "Invented for the demo (names and coordinates the plan does not give)."},
        }


class ZoneSerializer(serializers.ModelSerializer):
    """A governance zone (治理区): key or general."""

    kind_display = serializers.CharField(source="get_kind_display", read_only=True, help_text="The kind's label.")
    counties = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text="Ids of the counties the zone lies in."
    )

    class Meta:
        model = GovernanceZone
        fields = ["id", "code", "name", "kind", "kind_display", "counties", "area_km2", "description", "is_demo"]
        extra_kwargs = {
            "id": {"help_text": "The zone's id."},
            "code": {"help_text": "The zone's code."},
            "name": {"help_text": "The zone's name."},
            "description": {"help_text": "What the zone covers."},
            "kind": {"help_text": "Key (8) or general (6) governance zone."},
            "area_km2": {"help_text": "Area in km²."},
            "is_demo": {"help_text": "Invented for the demo."},
        }


class KeyProjectSerializer(serializers.ModelSerializer):
    """A government-led key restoration project (重点工程), with its budget by source."""

    zone = Ref(read_only=True, help_text="The governance zone.")
    county = Ref(read_only=True, help_text="The county.")
    contractor = Ref(read_only=True, allow_null=True, help_text="The contractor doing the works.")
    status_display = serializers.CharField(source="get_status_display", read_only=True, help_text="The label.")
    budget_total = serializers.DecimalField(
        max_digits=16, decimal_places=2, read_only=True, help_text="All funding sources together (yuan)."
    )
    site_count = serializers.IntegerField(read_only=True, help_text="Historical sites the project covers.")
    # Declared, so the schema does not take its integer range from the database backend.
    start_year = serializers.IntegerField(read_only=True, allow_null=True, help_text="Year the works start.")
    end_year = serializers.IntegerField(read_only=True, allow_null=True, help_text="Year the works end.")

    class Meta:
        model = KeyProject
        fields = [
            "id",
            "code",
            "name",
            "zone",
            "county",
            "contractor",
            "budget_central",
            "budget_provincial",
            "budget_municipal",
            "budget_enterprise",
            "budget_social",
            "budget_total",
            "start_year",
            "end_year",
            "status",
            "status_display",
            "progress_percent",
            "description",
            "site_count",
            "is_demo",
        ]
        extra_kwargs = {
            "id": {"help_text": "The project's id."},
            "code": {"help_text": "The project's code."},
            "name": {"help_text": "The project's name."},
            "start_year": {"help_text": "Year the works start."},
            "end_year": {"help_text": "Year the works end."},
            "description": {"help_text": "What the project restores."},
            "budget_central": {"help_text": "Central government budget (yuan)."},
            "budget_provincial": {"help_text": "Provincial budget (yuan)."},
            "budget_municipal": {"help_text": "Municipal budget (yuan)."},
            "budget_enterprise": {"help_text": "Enterprise budget (yuan)."},
            "budget_social": {"help_text": "Social capital budget (yuan)."},
            "progress_percent": {"help_text": "Progress, 0 to 100."},
            "is_demo": {"help_text": "Invented for the demo."},
        }


class GreenMineListingSerializer(serializers.ModelSerializer):
    """A mine on the green-mine list (绿色矿山名录) at one level."""

    mine = Ref(read_only=True, help_text="The listed mine.")
    county = Ref(source="mine.county", read_only=True, help_text="The mine's county.")
    company = Ref(source="mine.company", read_only=True, help_text="The mine's holder.")
    level_display = serializers.CharField(source="get_level_display", read_only=True, help_text="The label.")
    status_display = serializers.CharField(source="get_status_display", read_only=True, help_text="The label.")

    class Meta:
        model = GreenMineListing
        fields = [
            "id",
            "mine",
            "county",
            "company",
            "level",
            "level_display",
            "listed_on",
            "last_verified_on",
            "status",
            "status_display",
            "removed_on",
        ]
        extra_kwargs = {
            "id": {"help_text": "The listing's id."},
            "listed_on": {"help_text": "Listed on."},
            "last_verified_on": {"help_text": "Last verified on (a passed green-mine verification renews it)."},
            "removed_on": {"help_text": "Removed from the list on."},
            "level": {"help_text": "National, provincial, city or county list."},
            "status": {"help_text": "Listed, under rectification, or removed."},
        }


class ContractorSerializer(serializers.ModelSerializer):
    """A unit qualified to carry out restoration works (受托治理单位)."""

    class Meta:
        model = Contractor
        fields = ["id", "name", "credit_code", "qualification", "contact_person", "contact_phone", "is_demo"]
        extra_kwargs = {
            "id": {"help_text": "The contractor's id."},
            "name": {"help_text": "The contractor's name."},
            "contact_person": {"help_text": "Contact person."},
            "contact_phone": {"help_text": "Contact phone."},
            "credit_code": {"help_text": "Unified social credit code."},
            "qualification": {"help_text": "The qualification for restoration works."},
            "is_demo": {"help_text": "Invented for the demo."},
        }


# ---------------------------------------------------------------- writes through full_clean


TEXT_GUARDS = (ProhibitNullCharactersValidator, ProhibitSurrogateCharactersValidator)


def _no_nul_anywhere(value):
    """JSON strings may carry \u0000, which PostgreSQL's jsonb refuses: refuse it here instead."""
    if "\\u0000" in json.dumps(value):
        raise serializers.ValidationError(_("Text may not contain NUL characters."))


class InventoryWriteSerializer(serializers.ModelSerializer):
    # Parses input into a model instance and lets `full_clean()` validate it.
    #
    # DRF's own validators (lengths, ranges, uniqueness, the credit-code check) are removed from
    # the fields; the model's run in `full_clean()`, with the messages the pages show. Related
    # objects are looked up in the caller's `visible_to` scope: another scope's id is "not found".

    scoped_fields: dict[str, type] = {}

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        user = getattr(request, "user", None)
        for name, field in fields.items():
            if field.read_only or name in self._declared_fields:
                continue
            if isinstance(field, serializers.ManyRelatedField):
                field.child_relation.validators = []
            # Keep only the guards against NUL and surrogate characters, which no database stores.
            field.validators = [v for v in field.validators if isinstance(v, TEXT_GUARDS)]
            model = self.scoped_fields.get(name)
            if model is not None:
                field.queryset = model.objects.visible_to(user)
        if "county" in fields and getattr(user, "is_bureau", False) and not user.sees_all_counties:
            fields["county"].queryset = user.counties.all()
        return fields

    def get_validators(self):
        return []

    def validate(self, attrs):
        instance = self.instance or self.Meta.model()
        for name, value in attrs.items():
            setattr(instance, name, value)
        try:
            instance.full_clean()
        except DjangoValidationError as error:
            raise serializers.ValidationError(django_validation_fields(error)) from None
        self._clean_instance = instance
        return attrs

    def create(self, validated_data):
        instance = self._clean_instance
        instance.save()
        return instance

    def update(self, instance, validated_data):
        clean = self._clean_instance
        clean.save()
        return clean


class CompanySerializer(InventoryWriteSerializer):
    """A mining-rights holder (矿业权人)."""

    mine_count = serializers.IntegerField(read_only=True, help_text="Mines the holder holds (in your scope or not).")

    class Meta:
        model = Company
        fields = [
            "id",
            "name",
            "credit_code",
            "legal_representative",
            "contact_person",
            "contact_phone",
            "contact_email",
            "address",
            "mine_count",
            "is_demo",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["is_demo", "created_at", "updated_at"]
        extra_kwargs = {
            "id": {"help_text": "The holder's id."},
            "name": {"help_text": "The holder's name."},
            "legal_representative": {"help_text": "Legal representative."},
            "contact_person": {"help_text": "Contact person."},
            "contact_phone": {"help_text": "Contact phone."},
            "contact_email": {"help_text": "Contact e-mail."},
            "address": {"help_text": "Address."},
            "created_at": {"help_text": "Registered at."},
            "updated_at": {"help_text": "Last changed at."},
            "credit_code": {"help_text": "Unified social credit code: 18 characters with its check character."},
            "is_demo": {"help_text": "Invented for the demo."},
        }


class CompanyDetailSerializer(CompanySerializer):
    """A mining-rights holder, with the bar on new mining rights."""

    barred = serializers.SerializerMethodField(help_text="Barred from new mining rights (plan ch.5 三(三)).")
    bar_reasons = serializers.SerializerMethodField(help_text="Why, in the request's language; empty if not barred.")

    class Meta(CompanySerializer.Meta):
        fields = [*CompanySerializer.Meta.fields, "barred", "bar_reasons"]

    def _reasons(self, company):
        from restoration.selectors import company_bar_reasons

        if not hasattr(self, "_bar_reasons"):
            self._bar_reasons = [str(reason) for reason in company_bar_reasons(company)]
        return self._bar_reasons

    def get_barred(self, company) -> bool:
        return bool(self._reasons(company))

    def get_bar_reasons(self, company) -> list[str]:
        return self._reasons(company)


@extend_schema_serializer(component_name="Mine")
class MineWriteSerializer(InventoryWriteSerializer):
    """A mine as it is registered or changed."""

    scoped_fields = {"company": Company, "planning_area": PlanningArea}

    class Meta:
        model = Mine
        fields = [
            "licence_no",
            "name",
            "company",
            "county",
            "mineral",
            "mining_method",
            "licensing_level",
            "scale",
            "design_capacity",
            "production_status",
            "licence_valid_from",
            "licence_valid_to",
            "longitude",
            "latitude",
            "area_km2",
            "planning_area",
            "land_reclamation_plan_filed",
        ]
        extra_kwargs = {
            "name": {"help_text": "The mine's name."},
            "licence_valid_from": {"help_text": "Licence valid from."},
            "licence_valid_to": {"help_text": "Licence valid to (not before it starts)."},
            "land_reclamation_plan_filed": {"help_text": "Whether a land reclamation plan is filed."},
            "licence_no": {"help_text": "Mining licence number (采矿许可证号); unique."},
            "company": {"help_text": "Id of the mining-rights holder."},
            "county": {"help_text": "Id of the county (in your scope)."},
            "design_capacity": {"help_text": "10⁴ t/year (granite: 10⁴ m³/year)."},
            "longitude": {"help_text": "WGS 84, inside Shuozhou (111°53′ to 113°34′ E)."},
            "latitude": {"help_text": "WGS 84, inside Shuozhou (39°05′ to 40°17′ N)."},
            "area_km2": {"help_text": "Mining area in km²."},
            "planning_area": {"help_text": "Id of the planning area, or null."},
        }


@extend_schema_serializer(component_name="HistoricalSite")
class HistoricalSiteWriteSerializer(InventoryWriteSerializer):
    """A historical mine site as it is registered or changed."""

    scoped_fields = {"key_project": KeyProject, "zone": GovernanceZone}
    damage_types = serializers.ListField(
        child=serializers.ChoiceField(choices=DamageType.choices),
        required=False,
        help_text="Kinds of damage found at the site.",
    )
    boundary = serializers.JSONField(
        required=False,
        allow_null=True,
        validators=[_no_nul_anywhere],
        help_text="A GeoJSON Polygon or MultiPolygon in WGS 84, or null.",
    )

    class Meta:
        model = HistoricalSite
        fields = [
            "code",
            "name",
            "county",
            "former_mineral",
            "longitude",
            "latitude",
            "boundary",
            "damaged_area_ha",
            "damage_types",
            "treatment_mode",
            "key_project",
            "zone",
        ]
        extra_kwargs = {
            "name": {"help_text": "The site's name."},
            "longitude": {"help_text": "WGS 84, inside Shuozhou (111°53′ to 113°34′ E)."},
            "latitude": {"help_text": "WGS 84, inside Shuozhou (39°05′ to 40°17′ N)."},
            "code": {"help_text": "The site's code; unique."},
            "county": {"help_text": "Id of the county (in your scope)."},
            "damaged_area_ha": {"help_text": "Damaged area in hectares."},
            "key_project": {"help_text": "Id of the key project it belongs to, or null."},
            "zone": {"help_text": "Id of the governance zone, or null."},
        }


# ---------------------------------------------------------------- big lists, light rows


class MineSerializer(RowSerializer):
    """A mine (矿山) holding a mining licence."""

    id = serializers.IntegerField(help_text="The mine's id.")
    licence_no = serializers.CharField(help_text="Mining licence number (采矿许可证号).")
    name = serializers.CharField(help_text="The mine's name.")
    company = Ref(help_text="The mining-rights holder.")
    county = Ref(help_text="The county.")
    mineral = serializers.ChoiceField(choices=Mineral.choices, help_text="The mineral mined.")
    mineral_display = Display(Mineral, "mineral")
    category = Computed(
        serializers.ChoiceField(choices=MineralCategory.choices, help_text="Coal or non-coal."), "mineral"
    )
    mining_method = serializers.ChoiceField(choices=MiningMethod.choices, help_text="Open pit or underground.")
    mining_method_display = Display(MiningMethod, "mining_method")
    licensing_level = serializers.ChoiceField(choices=LicensingLevel.choices, help_text="Who issued the licence.")
    licensing_level_display = Display(LicensingLevel, "licensing_level")
    scale = serializers.ChoiceField(choices=Scale.choices, help_text="Large, medium or small.")
    scale_display = Display(Scale, "scale")
    design_capacity = serializers.DecimalField(
        max_digits=10, decimal_places=2, help_text="Design capacity, in `capacity_unit`."
    )
    capacity_unit = Computed(
        serializers.CharField(help_text="10⁴ t/year, or 10⁴ m³/year for granite, in the request's language."),
        "mineral",
    )
    production_status = serializers.ChoiceField(choices=ProductionStatus.choices, help_text="Production status.")
    production_status_display = Display(ProductionStatus, "production_status")
    licence_valid_from = serializers.DateField(allow_null=True, help_text="Licence valid from.")
    licence_valid_to = serializers.DateField(allow_null=True, help_text="Licence valid to.")
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, help_text="WGS 84 longitude.")
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, help_text="WGS 84 latitude.")
    area_km2 = serializers.DecimalField(
        max_digits=10, decimal_places=4, allow_null=True, help_text="Mining area in km²."
    )
    planning_area = Ref(allow_null=True, help_text="The planning area, if any.")
    land_reclamation_plan_filed = serializers.BooleanField(help_text="Whether a land reclamation plan is filed.")
    green_listed = serializers.BooleanField(help_text="On the green-mine list now (listed or under rectification).")
    is_demo = serializers.BooleanField(help_text="Invented for the demo.")
    created_at = serializers.DateTimeField(help_text="Registered at.")
    updated_at = serializers.DateTimeField(help_text="Last changed at.")

    def compute_category(self, row):
        return MineralCategory.COAL.value if row["mineral"] == Mineral.COAL else MineralCategory.NON_COAL.value

    def compute_capacity_unit(self, row):
        return str(capacity_unit(row["mineral"]))


class HistoricalSiteSerializer(RowSerializer):
    """A historical (abandoned) mine site (历史遗留矿山)."""

    id = serializers.IntegerField(help_text="The site's id.")
    code = serializers.CharField(help_text="The site's code.")
    name = serializers.CharField(help_text="The site's name.")
    county = Ref(help_text="The county.")
    former_mineral = serializers.ChoiceField(choices=Mineral.choices, help_text="What was mined there.")
    former_mineral_display = Display(Mineral, "former_mineral")
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, help_text="WGS 84 longitude.")
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, help_text="WGS 84 latitude.")
    damaged_area_ha = serializers.DecimalField(max_digits=10, decimal_places=2, help_text="Damaged area (ha).")
    damage_types = serializers.ListField(
        child=serializers.ChoiceField(choices=DamageType.choices), help_text="Kinds of damage."
    )
    treatment_mode = serializers.ChoiceField(choices=TreatmentMode.choices, help_text="How it is being restored.")
    treatment_mode_display = Display(TreatmentMode, "treatment_mode")
    status = serializers.ChoiceField(choices=SiteStatus.choices, help_text="Where its treatment stands.")
    status_display = Display(SiteStatus, "status")
    area_restored_ha = serializers.DecimalField(
        max_digits=10, decimal_places=2, help_text="Area restored and accepted (ha); counts toward the targets."
    )
    key_project = Ref(allow_null=True, help_text="The key project it belongs to, if any.")
    zone = Ref(allow_null=True, help_text="The governance zone, if any.")
    is_demo = serializers.BooleanField(help_text="Invented for the demo.")
    created_at = serializers.DateTimeField(help_text="Registered at.")
    updated_at = serializers.DateTimeField(help_text="Last changed at.")


class HistoricalSiteDetailSerializer(HistoricalSiteSerializer):
    """A historical mine site with its boundary."""

    boundary = serializers.JSONField(allow_null=True, help_text="GeoJSON Polygon or MultiPolygon, or null.")
