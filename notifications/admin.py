from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from notifications.models import Digest, Notice, Reminder, ReminderPolicy


@admin.register(ReminderPolicy)
class ReminderPolicyAdmin(admin.ModelAdmin):
    """Supervisors and administrators set the offsets without a deploy; the sweep's timing is
    the "notifications.sweep" periodic task under Periodic tasks."""

    list_display = ["__str__", "offsets_days", "notify_when_passed", "escalate_after_days", "digest_hour"]

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_supervisor

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return self.has_module_permission(request) and not ReminderPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)


@admin.register(Reminder)
class ReminderAdmin(_ReadOnly):
    list_display = ["case", "deadline", "deadline_version", "kind", "offset_days", "recipient", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["case", "recipient"]
    search_fields = ["case__number"]


@admin.register(Digest)
class DigestAdmin(_ReadOnly):
    list_display = ["recipient", "digest_date", "channel", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["status", "channel"]
    list_select_related = ["recipient"]
    actions = ["retry_now"]

    @admin.action(description=_("Retry now"))
    def retry_now(self, request, queryset):
        from django.utils import timezone

        from notifications.models import DigestStatus

        queryset.filter(status=DigestStatus.FAILED).update(
            status=DigestStatus.PENDING, next_attempt_at=timezone.now(), attempts=0
        )


@admin.register(Notice)
class NoticeAdmin(_ReadOnly):
    list_display = ["recipient", "title", "kind", "created_at", "read_at"]
    list_filter = ["kind"]
    list_select_related = ["recipient"]
