"""Filters for the case, history, evidence, inspection and fund lists of the API."""

import django_filters
from django.db.models import Q
from django.utils import timezone

from api.filters import ChoicesFilter, DateRangeFilter, IdFilter, search_terms
from restoration.choices import (
    APPROVAL_STATES,
    DEADLINE_STATES,
    FINAL_STATES,
    CaseKind,
    CaseState,
    EventKind,
    EvidenceKind,
    FundEntryKind,
    ReviewStatus,
)
from restoration.models import Case, CaseEvent, Evidence, FundAccount, FundEntry, Inspection


class CaseFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(
        method="by_search", help_text="Part of the number, title, mine, site or holder's name."
    )
    state = ChoicesFilter(choices=CaseState.choices, help_text="One or more states.")
    kind = ChoicesFilter(choices=CaseKind.choices, help_text="One or more kinds.")
    county = IdFilter(field_name="county", help_text="County id.")
    mine = IdFilter(field_name="mine", help_text="Mine id.")
    site = IdFilter(field_name="site", help_text="Historical site id.")
    company = IdFilter(field_name="company", help_text="Holder id.")
    contractor = IdFilter(field_name="contractor", help_text="Contractor id.")
    assigned_officer = IdFilter(field_name="assigned_officer", help_text="Id of the officer in charge.")
    assigned_to_me = django_filters.BooleanFilter(method="by_assigned_to_me", help_text="Cases you are in charge of.")
    open = django_filters.BooleanFilter(method="by_open", help_text="Open (true) or finished (false) cases.")
    overdue = django_filters.BooleanFilter(
        method="by_overdue", help_text="Overdue now (in the overdue state, or past a running deadline), or not."
    )
    awaiting_decision = django_filters.BooleanFilter(
        method="by_awaiting_decision", help_text="Waiting for a supervisor's approval, or not."
    )
    due_before = django_filters.DateFilter(
        field_name="deadline", lookup_expr="lt", help_text="Deadline before this date (exclusive)."
    )
    deadline = DateRangeFilter(help_text="Deadline between two dates (inclusive).")
    created = DateRangeFilter(field_name="created_at", help_text="Opened between two dates (inclusive).")
    updated = DateRangeFilter(field_name="updated_at", help_text="Last changed between two dates (inclusive).")

    class Meta:
        model = Case
        fields = []

    def by_search(self, queryset, name, value):
        value = search_terms(value)
        if not value:
            return queryset
        return queryset.filter(
            Q(number__icontains=value)
            | Q(title__icontains=value)
            | Q(mine__name__icontains=value)
            | Q(site__name__icontains=value)
            | Q(company__name__icontains=value)
        )

    def by_assigned_to_me(self, queryset, name, value):
        user = self.request.user
        return queryset.filter(assigned_officer=user.pk) if value else queryset.exclude(assigned_officer=user.pk)

    def by_open(self, queryset, name, value):
        final = sorted(FINAL_STATES)
        return queryset.exclude(state__in=final) if value else queryset.filter(state__in=final)

    def by_overdue(self, queryset, name, value):
        today = timezone.localdate()
        overdue = Q(state=CaseState.OVERDUE) | Q(state__in=sorted(DEADLINE_STATES), deadline__lt=today)
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def by_awaiting_decision(self, queryset, name, value):
        states = sorted(APPROVAL_STATES)
        return queryset.filter(state__in=states) if value else queryset.exclude(state__in=states)


class EventFilter(django_filters.FilterSet):
    kind = ChoicesFilter(choices=EventKind.choices, help_text="One or more kinds of event.")
    created = DateRangeFilter(field_name="created_at", help_text="Between two dates (inclusive).")

    class Meta:
        model = CaseEvent
        fields = []


class EvidenceFilter(django_filters.FilterSet):
    kind = ChoicesFilter(choices=EvidenceKind.choices, help_text="One or more kinds of evidence.")
    review_status = ChoicesFilter(choices=ReviewStatus.choices, help_text="Pending, accepted or rejected.")
    current = django_filters.BooleanFilter(
        field_name="superseded_by", lookup_expr="isnull", help_text="Only the latest versions (true) or older ones."
    )
    uploaded = DateRangeFilter(field_name="uploaded_at", help_text="Uploaded between two dates (inclusive).")

    class Meta:
        model = Evidence
        fields = []


class InspectionFilter(django_filters.FilterSet):
    passed = django_filters.BooleanFilter(help_text="Passed (true) or failed (false).")
    inspected_on = DateRangeFilter(help_text="Inspected between two dates (inclusive).")

    class Meta:
        model = Inspection
        fields = []


class FundFilter(django_filters.FilterSet):
    county = IdFilter(field_name="mine__county", help_text="County id of the mine.")
    company = IdFilter(field_name="mine__company", help_text="Holder id of the mine.")
    mine = IdFilter(field_name="mine", help_text="Mine id.")

    class Meta:
        model = FundAccount
        fields = []


class FundEntryFilter(django_filters.FilterSet):
    kind = ChoicesFilter(choices=FundEntryKind.choices, help_text="One or more kinds of entry.")
    case = IdFilter(field_name="case", help_text="Case id.")
    created = DateRangeFilter(field_name="created_at", help_text="Recorded between two dates (inclusive).")

    class Meta:
        model = FundEntry
        fields = []
