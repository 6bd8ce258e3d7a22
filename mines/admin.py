from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from mines.choices import Mineral, MineralCategory
from mines.forms import BoundaryField
from mines.models import (
    Company,
    Contractor,
    County,
    GovernanceZone,
    GreenMineListing,
    HistoricalSite,
    KeyProject,
    KeyProtectionArea,
    Mine,
    PlanningArea,
)


class ScopedAdmin(admin.ModelAdmin):
    """Admin lists, forms and choices start from `visible_to(request.user)`; nothing is deleted here."""

    def get_queryset(self, request):
        return super().get_queryset(request).model.objects.visible_to(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if hasattr(related.objects, "visible_to"):
            kwargs["queryset"] = related.objects.visible_to(request.user)
        if db_field.name == "county" and not request.user.sees_all_counties:
            kwargs["queryset"] = request.user.counties.all()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None):
        # Inventory records are referenced by cases and the ledger; they are closed, not deleted.
        return request.user.is_superuser and super().has_delete_permission(request, obj)


class CategoryFilter(admin.SimpleListFilter):
    title = _("coal or non-coal")
    parameter_name = "category"

    def lookups(self, request, model_admin):
        return MineralCategory.choices

    def queryset(self, request, queryset):
        if self.value() == MineralCategory.COAL:
            return queryset.filter(mineral=Mineral.COAL)
        if self.value() == MineralCategory.NON_COAL:
            return queryset.exclude(mineral=Mineral.COAL)
        return queryset


@admin.register(County)
class CountyAdmin(ScopedAdmin):
    list_display = ["code", "name", "name_en"]
    search_fields = ["name", "code"]


@admin.register(Company)
class CompanyAdmin(ScopedAdmin):
    list_display = ["name", "credit_code", "legal_representative", "contact_person", "contact_phone", "is_demo"]
    search_fields = ["name", "credit_code"]
    list_filter = ["is_demo"]


@admin.register(Contractor)
class ContractorAdmin(ScopedAdmin):
    list_display = ["name", "credit_code", "qualification", "contact_person"]
    search_fields = ["name", "credit_code"]


@admin.register(PlanningArea)
class PlanningAreaAdmin(ScopedAdmin):
    list_display = ["code", "name", "kind"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]


class GreenMineListingInline(admin.TabularInline):
    model = GreenMineListing
    extra = 0
    fields = ["level", "listed_on", "last_verified_on", "status", "removed_on"]


@admin.register(Mine)
class MineAdmin(ScopedAdmin):
    list_display = [
        "licence_no",
        "name",
        "company",
        "county",
        "mineral",
        "mining_method",
        "scale",
        "design_capacity",
        "production_status",
        "licensing_level",
    ]
    list_filter = [
        "county",
        CategoryFilter,
        "mineral",
        "production_status",
        "scale",
        "licensing_level",
        "mining_method",
        "land_reclamation_plan_filed",
    ]
    search_fields = ["name", "licence_no", "company__name", "company__credit_code"]
    list_select_related = ["company", "county"]
    autocomplete_fields = ["company"]
    inlines = [GreenMineListingInline]
    list_per_page = 50


@admin.register(HistoricalSite)
class HistoricalSiteAdmin(ScopedAdmin):
    list_display = ["code", "name", "county", "former_mineral", "damaged_area_ha", "area_restored_ha", "status"]
    list_filter = ["county", "status", "treatment_mode", "former_mineral", "zone"]
    search_fields = ["code", "name"]
    list_select_related = ["county"]
    formfield_overrides = {}

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "boundary":
            return BoundaryField(label=db_field.verbose_name, required=False, help_text=db_field.help_text)
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(GovernanceZone)
class GovernanceZoneAdmin(ScopedAdmin):
    list_display = ["code", "name", "kind", "area_km2"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    filter_horizontal = ["counties"]


@admin.register(KeyProtectionArea)
class KeyProtectionAreaAdmin(ScopedAdmin):
    list_display = ["name", "name_en"]
    filter_horizontal = ["counties"]


@admin.register(KeyProject)
class KeyProjectAdmin(ScopedAdmin):
    list_display = ["code", "name", "county", "zone", "budget_total", "status", "progress_percent"]
    list_filter = ["county", "zone__kind", "status"]
    search_fields = ["code", "name"]
    list_select_related = ["county", "zone"]

    @admin.display(description=_("total budget (yuan)"))
    def budget_total(self, obj):
        return obj.budget_total


@admin.register(GreenMineListing)
class GreenMineListingAdmin(ScopedAdmin):
    list_display = ["mine", "level", "listed_on", "last_verified_on", "status"]
    list_filter = ["level", "status", "mine__county"]
    search_fields = ["mine__name", "mine__licence_no"]
    list_select_related = ["mine"]
    autocomplete_fields = ["mine"]
