import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mines.models import County
from restoration.choices import CaseKind, CaseState
from restoration.models import Case


def _counties(request):
    return County.objects.visible_to(request.user if request else None)


class CaseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    state = django_filters.ChoiceFilter(label=_("state"), choices=CaseState.choices)
    kind = django_filters.ChoiceFilter(label=_("kind"), choices=CaseKind.choices)
    county = django_filters.ModelChoiceFilter(label=_("county"), queryset=_counties)
    overdue = django_filters.ChoiceFilter(
        label=_("overdue"), choices=[("yes", _("Yes")), ("no", _("No"))], method="by_overdue"
    )
    mine = django_filters.ChoiceFilter(label=_("assigned to me"), choices=[("yes", _("Yes"))], method="by_assignee")
    due_before = django_filters.DateFilter(
        label=_("due before"),
        field_name="deadline",
        lookup_expr="lt",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    class Meta:
        model = Case
        fields = []

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__icontains=value)
            | Q(title__icontains=value)
            | Q(mine__name__icontains=value)
            | Q(site__name__icontains=value)
            | Q(company__name__icontains=value)
        )

    def by_overdue(self, queryset, name, value):
        overdue = Case.objects.overdue(timezone.localdate())
        return (
            queryset.filter(pk__in=overdue.values("pk"))
            if value == "yes"
            else queryset.exclude(pk__in=overdue.values("pk"))
        )

    def by_assignee(self, queryset, name, value):
        return queryset.filter(assigned_officer=self.request.user) if value == "yes" else queryset
