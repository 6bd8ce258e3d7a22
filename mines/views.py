from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Sum
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from mines import exports as x
from mines import selectors
from mines.choices import (
    DamageType,
    LicensingLevel,
    Mineral,
    MiningMethod,
    ProductionStatus,
    ProjectStatus,
    Scale,
    SiteStatus,
    TreatmentMode,
)
from mines.filters import CompanyFilter, HistoricalSiteFilter, KeyProjectFilter, MineFilter
from mines.forms import CompanyForm, HistoricalSiteForm, MineForm
from mines.models import Company, HistoricalSite, KeyProject, Mine
from mines.viewmixins import FilteredListView, get_visible_or_404, require_perm


def _field(model, name):
    """A model field's label (lazy), the header an export and an import share."""
    return model._meta.get_field(name).verbose_name


@login_required
def home(request):
    return render(request, "mines/home.html", selectors.scope_summary(user=request.user))


class MineListView(FilteredListView):
    template_name = "mines/mine_list.html"
    filterset_class = MineFilter
    ordering_fields = {
        "name": "name",
        "licence": "licence_no",
        "county": "county__code",
        "capacity": "design_capacity",
        "status": "production_status",
    }
    default_ordering = "county__code"
    export_name = gettext_lazy("Mines")
    export_columns = [
        x.text(_field(Mine, "licence_no"), "licence_no"),
        x.text(_field(Mine, "name"), "name"),
        x.text(_field(Mine, "company"), "company__name"),
        x.text(_field(Company, "credit_code"), "company__credit_code"),
        x.bilingual(_field(Mine, "county"), "county"),
        x.choice(_field(Mine, "mineral"), "mineral", Mineral),
        x.choice(_field(Mine, "mining_method"), "mining_method", MiningMethod),
        x.choice(_field(Mine, "licensing_level"), "licensing_level", LicensingLevel),
        x.choice(_field(Mine, "scale"), "scale", Scale),
        x.decimal(_field(Mine, "design_capacity"), "design_capacity"),
        x.choice(_field(Mine, "production_status"), "production_status", ProductionStatus),
        x.day(_field(Mine, "licence_valid_from"), "licence_valid_from"),
        x.day(_field(Mine, "licence_valid_to"), "licence_valid_to"),
        x.decimal(_field(Mine, "longitude"), "longitude", 6, grouped=False),
        x.decimal(_field(Mine, "latitude"), "latitude", 6, grouped=False),
        x.decimal(_field(Mine, "area_km2"), "area_km2", 4),
        x.bilingual(_field(Mine, "planning_area"), "planning_area"),
        x.yes_no(_field(Mine, "land_reclamation_plan_filed"), "land_reclamation_plan_filed"),
        x.yes_no(gettext_lazy("green mine"), "is_green"),
    ]

    def base_queryset(self):
        return selectors.mine_list(user=self.request.user)


class HistoricalSiteListView(FilteredListView):
    template_name = "mines/site_list.html"
    filterset_class = HistoricalSiteFilter
    ordering_fields = {
        "code": "code",
        "county": "county__code",
        "damaged": "damaged_area_ha",
        "restored": "area_restored_ha",
        "status": "status",
    }
    default_ordering = "code"
    export_name = gettext_lazy("Historical mine sites")
    export_columns = [
        x.text(_field(HistoricalSite, "code"), "code"),
        x.text(_field(HistoricalSite, "name"), "name"),
        x.bilingual(_field(HistoricalSite, "county"), "county"),
        x.choice(_field(HistoricalSite, "former_mineral"), "former_mineral", Mineral),
        x.decimal(_field(HistoricalSite, "longitude"), "longitude", 6, grouped=False),
        x.decimal(_field(HistoricalSite, "latitude"), "latitude", 6, grouped=False),
        x.decimal(_field(HistoricalSite, "damaged_area_ha"), "damaged_area_ha"),
        x.choice_list(_field(HistoricalSite, "damage_types"), "damage_types", DamageType),
        x.choice(_field(HistoricalSite, "treatment_mode"), "treatment_mode", TreatmentMode),
        x.text(_field(HistoricalSite, "key_project"), "key_project__code"),
        x.text(_field(HistoricalSite, "zone"), "zone__name"),
        x.choice(_field(HistoricalSite, "status"), "status", SiteStatus),
        x.decimal(_field(HistoricalSite, "area_restored_ha"), "area_restored_ha"),
    ]

    def base_queryset(self):
        return selectors.historical_site_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["totals"] = context["paginator"].object_list.aggregate(
            damaged=Sum("damaged_area_ha"), restored=Sum("area_restored_ha")
        )
        return context


class KeyProjectListView(FilteredListView):
    template_name = "mines/project_list.html"
    filterset_class = KeyProjectFilter
    ordering_fields = {"code": "code", "budget": "budget_total_sum", "progress": "progress_percent"}
    default_ordering = "code"
    export_name = gettext_lazy("Key projects")
    export_columns = [
        x.text(_field(KeyProject, "code"), "code"),
        x.text(_field(KeyProject, "name"), "name"),
        x.bilingual(_field(KeyProject, "county"), "county"),
        x.text(_field(KeyProject, "zone"), "zone__name"),
        x.text(_field(KeyProject, "contractor"), "contractor__name"),
        x.integer(gettext_lazy("Sites"), "site_count"),
        *(x.money(_field(KeyProject, name), name) for name in KeyProject.BUDGET_FIELDS.values()),
        x.money(gettext_lazy("total budget (yuan)"), "budget_total_sum"),
        x.choice(_field(KeyProject, "status"), "status", ProjectStatus),
        x.integer(_field(KeyProject, "start_year"), "start_year"),
        x.integer(_field(KeyProject, "end_year"), "end_year"),
        x.integer(_field(KeyProject, "progress_percent"), "progress_percent"),
    ]

    def base_queryset(self):
        return selectors.key_project_list(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["budget_sum"] = context["paginator"].object_list.aggregate(total=Sum("budget_total_sum"))["total"]
        return context


class CompanyListView(FilteredListView):
    template_name = "mines/company_list.html"
    filterset_class = CompanyFilter
    ordering_fields = {"name": "name"}
    default_ordering = "name"
    export_name = gettext_lazy("Mining-rights holders")
    export_columns = [
        x.text(_field(Company, "name"), "name"),
        x.text(_field(Company, "credit_code"), "credit_code"),
        x.text(_field(Company, "legal_representative"), "legal_representative"),
        x.text(_field(Company, "contact_person"), "contact_person"),
        x.text(_field(Company, "contact_phone"), "contact_phone"),
        x.text(_field(Company, "address"), "address"),
        x.integer(gettext_lazy("Mines"), "mine_count"),
    ]

    def base_queryset(self):
        return selectors.company_list(user=self.request.user)


@login_required
def mine_detail(request, pk):
    from restoration.models import FundAccount
    from restoration.selectors import case_list

    mine = get_visible_or_404(Mine, request.user, pk=pk)
    listings = mine.green_listings.all()
    cases = case_list(user=request.user).filter(mine=mine)
    fund = FundAccount.objects.visible_to(request.user).filter(mine=mine).first()
    return render(request, "mines/mine_detail.html", {"mine": mine, "listings": listings, "cases": cases, "fund": fund})


@login_required
def site_detail(request, pk):
    from restoration.selectors import case_list

    site = get_visible_or_404(HistoricalSite, request.user, pk=pk)
    cases = case_list(user=request.user).filter(site=site)
    return render(request, "mines/site_detail.html", {"site": site, "cases": cases})


@login_required
def project_detail(request, pk):
    from restoration.fund_forms import DisbursementForm, MilestoneForm
    from restoration.fund_selectors import project_finance
    from restoration.permissions import may_manage_funds

    project = get_visible_or_404(KeyProject, request.user, pk=pk)
    sites = selectors.historical_site_list(user=request.user).filter(key_project=project)
    reversed_ids = set(project.disbursements.filter(reverses__isnull=False).values_list("reverses_id", flat=True))
    return render(
        request,
        "mines/project_detail.html",
        {
            "project": project,
            "sites": sites,
            "finance": project_finance([project])[0],
            "disbursements": project.disbursements.select_related("recorded_by").prefetch_related("evidence"),
            "reversed_ids": reversed_ids,
            "milestones": project.milestones.all(),
            "can_manage": may_manage_funds(request.user),
            "disbursement_form": DisbursementForm(),
            "milestone_form": MilestoneForm(),
        },
    )


@login_required
def company_detail(request, pk):
    from restoration.selectors import company_bar_reasons

    company = get_visible_or_404(Company, request.user, pk=pk)
    mines = selectors.mine_list(user=request.user).filter(company=company)
    return render(
        request,
        "mines/company_detail.html",
        {"company": company, "mines": mines, "bar_reasons": company_bar_reasons(company)},
    )


def _edit(
    request, *, form_class, instance, perm, template, list_url, created_message, updated_message, form_kwargs=None
):
    require_perm(request.user, perm)
    form_kwargs = form_kwargs or {}
    form = form_class(request.POST or None, instance=instance, **form_kwargs)
    if request.method == "POST" and form.is_valid():
        obj = form.save()
        messages.success(request, updated_message if instance else created_message)
        return redirect(obj)
    cancel_url = instance.get_absolute_url() if instance else reverse(list_url)
    return render(request, template, {"form": form, "object": instance, "cancel_url": cancel_url})


@login_required
@require_http_methods(["GET", "POST"])
def mine_edit(request, pk=None):
    mine = get_visible_or_404(Mine, request.user, pk=pk) if pk else None
    return _edit(
        request,
        form_class=MineForm,
        instance=mine,
        perm="mines.change_mine" if mine else "mines.add_mine",
        template="mines/mine_form.html",
        list_url="mine-list",
        created_message=_("The mine was registered."),
        updated_message=_("The mine was updated."),
        form_kwargs={"user": request.user},
    )


@login_required
@require_http_methods(["GET", "POST"])
def site_edit(request, pk=None):
    site = get_visible_or_404(HistoricalSite, request.user, pk=pk) if pk else None
    return _edit(
        request,
        form_class=HistoricalSiteForm,
        instance=site,
        perm="mines.change_historicalsite" if site else "mines.add_historicalsite",
        template="mines/site_form.html",
        list_url="site-list",
        created_message=_("The historical site was registered."),
        updated_message=_("The historical site was updated."),
        form_kwargs={"user": request.user},
    )


@login_required
@require_http_methods(["GET", "POST"])
def company_edit(request, pk=None):
    company = get_visible_or_404(Company, request.user, pk=pk) if pk else None
    return _edit(
        request,
        form_class=CompanyForm,
        instance=company,
        perm="mines.change_company" if company else "mines.add_company",
        template="mines/company_form.html",
        list_url="company-list",
        created_message=_("The mining-rights holder was registered."),
        updated_message=_("The mining-rights holder was updated."),
    )
