"""List filters for the pages (and, later, the API). Choices come from what the user may see."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mines.choices import (
    DamageType,
    GreenMineLevel,
    GreenMineStatus,
    LicensingLevel,
    Mineral,
    MineralCategory,
    MiningMethod,
    ProductionStatus,
    ProjectStatus,
    Scale,
    SiteStatus,
    TreatmentMode,
    ZoneKind,
)
from mines.models import Company, County, GovernanceZone, GreenMineListing, HistoricalSite, KeyProject, Mine


def _visible(model):
    def queryset(request):
        return model.objects.visible_to(request.user if request else None)

    return queryset


class MineFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    county = django_filters.ModelChoiceFilter(label=_("county"), queryset=_visible(County))
    category = django_filters.ChoiceFilter(
        label=_("coal or non-coal"), choices=MineralCategory.choices, method="by_category"
    )
    mineral = django_filters.ChoiceFilter(label=_("mineral"), choices=Mineral.choices)
    production_status = django_filters.ChoiceFilter(label=_("production status"), choices=ProductionStatus.choices)
    scale = django_filters.ChoiceFilter(label=_("scale"), choices=Scale.choices)
    licensing_level = django_filters.ChoiceFilter(label=_("licensing level"), choices=LicensingLevel.choices)
    mining_method = django_filters.ChoiceFilter(label=_("mining method"), choices=MiningMethod.choices)
    green = django_filters.ChoiceFilter(
        label=_("green mine"), choices=[("yes", _("Yes")), ("no", _("No"))], method="by_green"
    )
    company = django_filters.ModelChoiceFilter(
        label=_("mining-rights holder"), queryset=_visible(Company), widget=forms.HiddenInput
    )

    class Meta:
        model = Mine
        fields = []

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value)
            | Q(licence_no__icontains=value)
            | Q(company__name__icontains=value)
            | Q(company__credit_code__iexact=value)
        )

    def by_category(self, queryset, name, value):
        return queryset.coal() if value == MineralCategory.COAL else queryset.non_coal()

    def by_green(self, queryset, name, value):
        return queryset.filter(is_green=value == "yes")


class HistoricalSiteFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    county = django_filters.ModelChoiceFilter(label=_("county"), queryset=_visible(County))
    status = django_filters.ChoiceFilter(label=_("status"), choices=SiteStatus.choices)
    treatment_mode = django_filters.ChoiceFilter(label=_("treatment mode"), choices=TreatmentMode.choices)
    former_mineral = django_filters.ChoiceFilter(label=_("former mineral"), choices=Mineral.choices)
    damage_type = django_filters.ChoiceFilter(label=_("damage type"), choices=DamageType.choices, method="by_damage")
    zone = django_filters.ModelChoiceFilter(label=_("governance zone"), queryset=_visible(GovernanceZone))
    key_project = django_filters.ModelChoiceFilter(label=_("key project"), queryset=_visible(KeyProject))

    class Meta:
        model = HistoricalSite
        fields = []

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value))

    def by_damage(self, queryset, name, value):
        # JSON list of codes; the quoted code matches one whole element on SQLite and PostgreSQL.
        return queryset.filter(damage_types__icontains=f'"{value}"')


class KeyProjectFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    county = django_filters.ModelChoiceFilter(label=_("county"), queryset=_visible(County))
    zone = django_filters.ModelChoiceFilter(label=_("governance zone"), queryset=_visible(GovernanceZone))
    zone_kind = django_filters.ChoiceFilter(label=_("zone kind"), choices=ZoneKind.choices, field_name="zone__kind")
    status = django_filters.ChoiceFilter(label=_("status"), choices=ProjectStatus.choices)

    class Meta:
        model = KeyProject
        fields = []

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value))


class CompanyFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")

    class Meta:
        model = Company
        fields = []

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(credit_code__iexact=value))


class GreenMineListingFilter(django_filters.FilterSet):
    county = django_filters.ModelChoiceFilter(label=_("county"), queryset=_visible(County), field_name="mine__county")
    level = django_filters.ChoiceFilter(label=_("level"), choices=GreenMineLevel.choices)
    status = django_filters.ChoiceFilter(label=_("status"), choices=GreenMineStatus.choices)

    class Meta:
        model = GreenMineListing
        fields = []
