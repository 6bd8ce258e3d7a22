"""Filter building blocks for the API's FilterSets (django-filter).

Ids are whole numbers (a malformed one is a 400, a huge one matches nothing); choices may repeat
(`?state=a&state=b`); dates are ranges (`<name>_after`, `<name>_before`, both inclusive). No filter
adds DISTINCT or a per-value query.
"""

import django_filters
from django import forms
from django_filters.rest_framework import DjangoFilterBackend

MAX_ID = 2**63 - 1  # the largest BigAutoField


class IdFilter(django_filters.NumberFilter):
    """An object's id: a whole number from 1 to 2⁶³-1 (beyond that no row exists, and SQLite overflows)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class ChoicesFilter(django_filters.MultipleChoiceFilter):
    """One or more values of a choice field, joined with OR."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("distinct", False)
        super().__init__(*args, **kwargs)


class DateRangeFilter(django_filters.DateFromToRangeFilter):
    pass


def search_terms(value: str) -> str:
    return (value or "").strip()[:200]


class FilterBackend(DjangoFilterBackend):
    """django-filter, skipped when the request names none of the view's filters.

    Building and validating a FilterSet's form costs more than the rest of a list request; a
    plain `GET /cases/` (or one with only `cursor`, `ordering`, `page_size`) does not need it.
    """

    def filter_queryset(self, request, queryset, view):
        filterset_class = getattr(view, "filterset_class", None)
        if filterset_class is not None:
            names = set(request.query_params)
            filters = filterset_class.base_filters
            if not any(name in filters or _param_filter(name) in filters for name in names):
                return queryset
        return super().filter_queryset(request, queryset, view)


def _param_filter(name: str) -> str:
    """The filter a query parameter belongs to (`created_after` → `created`)."""
    for suffix in ("_after", "_before", "_min", "_max"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name
