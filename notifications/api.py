"""The caller's own inbox in the API: list, mark one read, mark all read."""

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from api.pagination import KeysetPagination
from api.rows import CaseRef, Computed, Display, RowSerializer
from api.viewsets import RowReadMixin, ScopedViewSet
from notifications.models import Notice, ReminderKind
from restoration.errors import NotFound


class NoticeSerializer(RowSerializer):
    id = serializers.IntegerField(help_text="The notice's id.")
    kind = serializers.ChoiceField(choices=ReminderKind.choices, help_text="Reminder, deadline passed, escalation.")
    kind_display = Display(ReminderKind, "kind")
    title = serializers.CharField(help_text="Title.")
    body = serializers.CharField(allow_blank=True, help_text="Text.")
    case = CaseRef(allow_null=True, help_text="The case it is about, if any.")
    deadline = serializers.DateField(allow_null=True, help_text="The deadline it is about, if any.")
    created_at = serializers.DateTimeField(help_text="Received at.")
    read_at = serializers.DateTimeField(allow_null=True, help_text="Read at (null: unread).")
    read = Computed(serializers.BooleanField(help_text="Read already."), "read_at")

    def compute_read(self, row):
        return row["read_at"] is not None


class ReadAllSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="How many notices were marked read.")


class NoticeFilter(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(field_name="read_at", lookup_expr="isnull", help_text="Only unread (true).")
    kind = django_filters.MultipleChoiceFilter(
        choices=ReminderKind.choices, distinct=False, help_text="One or more kinds."
    )

    class Meta:
        model = Notice
        fields = []


@extend_schema_view(
    list=extend_schema(summary="My notices", description="Your own inbox (deadline reminders), newest first."),
    retrieve=extend_schema(summary="One of my notices"),
)
class NoticeViewSet(RowReadMixin, ScopedViewSet):
    model = Notice
    row_serializer_class = NoticeSerializer
    filterset_class = NoticeFilter
    pagination_class = KeysetPagination
    keyset_orderings = {"id": ("id",)}
    keyset_default = "-id"

    def scoped(self):
        # A notice is only ever its recipient's.
        return Notice.objects.for_user(self.request.user)

    @extend_schema(summary="Mark a notice read", request=None, responses={200: NoticeSerializer})
    @action(detail=True, methods=["post"], url_path="read", filter_backends=[], pagination_class=None)
    def mark_read(self, request, pk=None):
        if not self.scoped().filter(pk=pk).exists():
            raise NotFound(_("No such notice."))
        self.scoped().filter(pk=pk, read_at__isnull=True).update(read_at=timezone.now())
        return Response(self.read_row(pk))

    @extend_schema(summary="Mark all my notices read", request=None, responses={200: ReadAllSerializer})
    @action(detail=False, methods=["post"], url_path="read-all", filter_backends=[], pagination_class=None)
    def read_all(self, request):
        count = self.scoped().unread().update(read_at=timezone.now())
        return Response({"count": count})
