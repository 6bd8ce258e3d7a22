from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import BUREAU_ROLES, Role, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "last_name", "first_name", "role", "company", "contractor", "city_wide", "is_active"]
    list_filter = ["role", "city_wide", "is_active", "counties"]
    search_fields = ["username", "first_name", "last_name", "email", "company__name"]
    filter_horizontal = ["counties", "groups", "user_permissions"]
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
