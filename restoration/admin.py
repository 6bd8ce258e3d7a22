"""The admin shows cases and their records read-only; every change goes through the services."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from restoration.models import (
    AnnualReport,
    Case,
    CaseEvent,
    Delegation,
    Evidence,
    FundAccount,
    FundEntry,
    FundPolicy,
    FundWithdrawal,
    Inspection,
    ProjectDisbursement,
    ProjectMilestone,
    Receivable,
    ReceivablePayment,
    ReportingPeriod,
    UnitRate,
)
from restoration.services.workflow import cases_mark_overdue


class ReadOnlyAdmin(admin.ModelAdmin):
    """Lists and details start from visible_to; nothing is added, changed or deleted here."""

    def get_queryset(self, request):
        return self.model.objects.visible_to(request.user)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_bureau

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_bureau


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    fields = ["created_at", "kind", "action", "from_state", "to_state", "actor", "reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ["number", "title", "kind", "state", "county", "company", "deadline", "assigned_officer"]
    list_filter = ["kind", "state", "county"]
    search_fields = ["number", "title", "mine__name", "mine__licence_no", "site__name", "company__name"]
    list_select_related = ["county", "company", "assigned_officer"]
    date_hierarchy = "created_at"
    inlines = [CaseEventInline]
    actions = ["mark_passed_deadlines_overdue"]

    @admin.action(description=_("Mark every rectification past its deadline overdue"))
    def mark_passed_deadlines_overdue(self, request, queryset):
        moved = cases_mark_overdue()
        self.message_user(request, _("%(count)d case(s) marked overdue.") % {"count": moved}, messages.SUCCESS)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "case", "kind", "action", "from_state", "to_state", "actor"]
    list_filter = ["kind"]
    search_fields = ["case__number", "reason"]
    list_select_related = ["case", "actor"]


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "case", "kind", "content_type", "size", "review_status", "uploaded_by"]
    list_filter = ["kind", "review_status", "content_type"]
    search_fields = ["original_name", "sha256", "case__number"]
    list_select_related = ["case", "uploaded_by"]
    exclude = ["file"]


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdmin):
    list_display = ["case", "inspected_on", "passed", "inspectors", "recorded_by"]
    list_filter = ["passed"]
    list_select_related = ["case", "recorded_by"]


@admin.register(Delegation)
class DelegationAdmin(ReadOnlyAdmin):
    list_display = ["case", "contractor", "cost_estimate", "actual_cost", "status"]
    list_select_related = ["case", "contractor"]

    def get_queryset(self, request):
        return Delegation.objects.filter(case__in=Case.objects.visible_to(request.user))


@admin.register(FundAccount)
class FundAccountAdmin(ReadOnlyAdmin):
    list_display = ["mine", "opened_at"]
    search_fields = ["mine__name", "mine__licence_no"]
    list_select_related = ["mine"]


@admin.register(FundEntry)
class FundEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "account", "kind", "amount", "case", "created_by"]
    list_filter = ["kind"]
    list_select_related = ["account__mine", "case", "created_by"]


@admin.register(Receivable)
class ReceivableAdmin(ReadOnlyAdmin):
    list_display = ["case", "company", "amount", "created_at", "settled_at"]
    list_select_related = ["case", "company"]


class SupervisorEditableAdmin(admin.ModelAdmin):
    """Settings the bureau maintains: supervisors edit, officers read, nobody deletes."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_bureau

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_supervisor

    def has_add_permission(self, request):
        return self.has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FundPolicy)
class FundPolicyAdmin(SupervisorEditableAdmin):
    list_display = ["__str__", "withdrawal_approval_threshold", "updated_at"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not FundPolicy.objects.exists()


@admin.register(UnitRate)
class UnitRateAdmin(SupervisorEditableAdmin):
    """Rates change by adding a row with a new effective date; the old ones stay for the record."""

    list_display = ["category", "rate_per_ha", "effective_from", "notes"]
    list_filter = ["category"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(ReadOnlyAdmin):
    list_display = ["year", "due_date", "opened_by", "opened_at"]

    def get_queryset(self, request):
        return ReportingPeriod.objects.all()


@admin.register(AnnualReport)
class AnnualReportAdmin(ReadOnlyAdmin):
    list_display = ["mine", "year", "status", "late", "lodged_by", "lodged_at"]
    list_filter = ["year", "status", "late"]
    list_select_related = ["mine", "lodged_by"]


@admin.register(FundWithdrawal)
class FundWithdrawalAdmin(ReadOnlyAdmin):
    list_display = ["account", "amount", "purpose", "status", "requested_by", "decided_by"]
    list_filter = ["status"]
    list_select_related = ["account__mine", "requested_by", "decided_by"]


@admin.register(ReceivablePayment)
class ReceivablePaymentAdmin(ReadOnlyAdmin):
    list_display = ["receivable", "amount", "paid_on", "recorded_by"]

    def get_queryset(self, request):
        return ReceivablePayment.objects.filter(receivable__in=Receivable.objects.visible_to(request.user))


@admin.register(ProjectDisbursement)
class ProjectDisbursementAdmin(ReadOnlyAdmin):
    list_display = ["project", "source", "amount", "paid_on", "recorded_by"]
    list_filter = ["source"]
    list_select_related = ["project", "recorded_by"]


@admin.register(ProjectMilestone)
class ProjectMilestoneAdmin(ReadOnlyAdmin):
    list_display = ["project", "name", "due_on", "done_on", "weight"]
    list_select_related = ["project"]
