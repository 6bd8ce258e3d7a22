"""The inventory lists' filters for the API."""

import django_filters
from django.db.models import Exists, OuterRef, Q

from api.filters import ChoicesFilter, DateRangeFilter, IdFilter, search_terms
from mines.choices import (
    DamageType,
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
)
from mines.models import (
    Company,
    Contractor,
    GovernanceZone,
    GreenMineListing,
    HistoricalSite,
    KeyProject,
    Mine,
    PlanningArea,
)


class MineFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(
        method="by_search", help_text="Part of the name, licence number or holder's name, or a credit code."
    )
    county = IdFilter(field_name="county", help_text="County id.")
    company = IdFilter(field_name="company", help_text="Holder id.")
    mineral = ChoicesFilter(choices=Mineral.choices, help_text="One or more minerals.")
    category = django_filters.ChoiceFilter(
        choices=MineralCategory.choices, method="by_category", help_text="Coal or non-coal."
    )
    production_status = ChoicesFilter(choices=ProductionStatus.choices, help_text="One or more production statuses.")
    scale = ChoicesFilter(choices=Scale.choices, help_text="One or more scales.")
    licensing_level = ChoicesFilter(choices=LicensingLevel.choices, help_text="One or more licensing levels.")
    mining_method = django_filters.ChoiceFilter(choices=MiningMethod.choices, help_text="Open pit or underground.")
    planning_area = IdFilter(field_name="planning_area", help_text="Planning area id.")
    green = django_filters.BooleanFilter(method="by_green", help_text="On the green-mine list now, or not.")
    land_reclamation_plan_filed = django_filters.BooleanFilter(help_text="Land reclamation plan filed, or not.")
    licence_valid_to = DateRangeFilter(help_text="Licence expiry between two dates (inclusive).")

    class Meta:
        model = Mine
        fields = []

    def by_search(self, queryset, name, value):
        value = search_terms(value)
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value)
            | Q(licence_no__icontains=value)
            | Q(company__name__icontains=value)
            | Q(company__credit_code=value.upper())
        )

    def by_category(self, queryset, name, value):
        return (
            queryset.filter(mineral=Mineral.COAL)
            if value == MineralCategory.COAL
            else queryset.exclude(mineral=Mineral.COAL)
        )

    def by_green(self, queryset, name, value):
        listed = Exists(GreenMineListing.objects.filter(mine=OuterRef("pk")).exclude(status=GreenMineStatus.REMOVED))
        return queryset.filter(listed) if value else queryset.exclude(listed)


class HistoricalSiteFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="by_search", help_text="Part of the name or code.")
    county = IdFilter(field_name="county", help_text="County id.")
    status = ChoicesFilter(choices=SiteStatus.choices, help_text="One or more treatment statuses.")
    treatment_mode = ChoicesFilter(choices=TreatmentMode.choices, help_text="One or more treatment modes.")
    former_mineral = ChoicesFilter(choices=Mineral.choices, help_text="One or more former minerals.")
    damage_type = django_filters.ChoiceFilter(
        choices=DamageType.choices, method="by_damage", help_text="Sites with this kind of damage."
    )
    zone = IdFilter(field_name="zone", help_text="Governance zone id.")
    key_project = IdFilter(field_name="key_project", help_text="Key project id.")

    class Meta:
        model = HistoricalSite
        fields = []

    def by_search(self, queryset, name, value):
        value = search_terms(value)
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value))

    def by_damage(self, queryset, name, value):
        # A JSON list of codes; the quoted code matches one whole element on SQLite and PostgreSQL.
        return queryset.filter(damage_types__icontains=f'"{value}"')


class CompanyFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="by_search", help_text="Part of the name, or a whole credit code.")

    class Meta:
        model = Company
        fields = []

    def by_search(self, queryset, name, value):
        value = search_terms(value)
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(credit_code=value.upper()))


class ContractorFilter(CompanyFilter):
    class Meta:
        model = Contractor
        fields = []


class PlanningAreaFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=PlanningAreaKind.choices, help_text="National area or mining zone.")

    class Meta:
        model = PlanningArea
        fields = []


class ZoneFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=ZoneKind.choices, help_text="Key or general zones.")
    county = IdFilter(field_name="counties", help_text="Zones lying (partly) in this county.")

    class Meta:
        model = GovernanceZone
        fields = []


class KeyProjectFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="by_search", help_text="Part of the name or code.")
    county = IdFilter(field_name="county", help_text="County id.")
    zone = IdFilter(field_name="zone", help_text="Governance zone id.")
    zone_kind = django_filters.ChoiceFilter(
        field_name="zone__kind", choices=ZoneKind.choices, help_text="Projects in key or general zones."
    )
    status = ChoicesFilter(choices=ProjectStatus.choices, help_text="One or more project statuses.")
    contractor = IdFilter(field_name="contractor", help_text="Contractor id.")

    class Meta:
        model = KeyProject
        fields = []

    def by_search(self, queryset, name, value):
        value = search_terms(value)
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value))


class GreenMineListingFilter(django_filters.FilterSet):
    county = IdFilter(field_name="mine__county", help_text="County id of the mine.")
    company = IdFilter(field_name="mine__company", help_text="Holder id of the mine.")
    mine = IdFilter(field_name="mine", help_text="Mine id.")
    level = ChoicesFilter(choices=GreenMineLevel.choices, help_text="One or more list levels.")
    status = ChoicesFilter(choices=GreenMineStatus.choices, help_text="One or more listing statuses.")
    listed_on = DateRangeFilter(help_text="Listed between two dates (inclusive).")

    class Meta:
        model = GreenMineListing
        fields = []
