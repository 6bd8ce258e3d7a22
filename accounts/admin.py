from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import BUREAU_ROLES, ApiToken, Role, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "last_name", "first_name", "role", "company", "contractor", "city_wide", "is_active"]
    list_filter = ["role", "city_wide", "is_active", "counties"]
    search_fields = ["username", "first_name", "last_name", "email", "company__name"]
    filter_horizontal = ["counties", "groups", "user_permissions"]
    list_select_related = ["company", "contractor"]
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("Role and scope"), {"fields": ("role", "company", "contractor", "city_wide", "counties", "phone")}),
    )
    add_fieldsets = BaseUserAdmin.add_fieldsets + (
        (_("Role and scope"), {"fields": ("role", "company", "contractor", "city_wide", "counties")}),
    )

    def has_module_permission(self, request):
        return request.user.is_superuser

    def save_model(self, request, obj, form, change):
        # Bureau roles use this admin; company and contractor users never do.
        obj.is_staff = obj.role in BUREAU_ROLES
        obj.is_superuser = obj.role == Role.ADMIN
        super().save_model(request, obj, form, change)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Read-only: users create and revoke their own tokens on their profile page or in the API."""

    list_display = ["name", "user", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at", "expires_at"]
    search_fields = ["name", "prefix", "user__username"]
    readonly_fields = ["user", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at"]
    exclude = ["key_hash"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        from accounts.tokens import token_revoke

        count = 0
        for token in queryset.filter(revoked_at__isnull=True).select_related("user"):
            token_revoke(user=token.user, token_id=token.pk)
            count += 1
        self.message_user(request, _("%(count)d token(s) revoked.") % {"count": count})
