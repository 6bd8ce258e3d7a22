"""Shared view plumbing: filtered, paginated lists that start from the user's visible queryset."""

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404
from django.views.generic import TemplateView

from mines import exports


class FilteredListView(LoginRequiredMixin, TemplateView):
    """A list page: `base_queryset(user)` → filterset → ordering → page.

    With `?export=xlsx` or `?export=csv` the same filtered and ordered queryset (every page of it)
    is downloaded instead, with `export_columns` (see mines/exports.py) under `export_name`.
    """

    filterset_class = None
    ordering_fields: dict[str, str] = {}
    default_ordering = ""
    paginate_by = settings.LIST_PAGE_SIZE
    export_columns: list[exports.Column] = []
    export_name = ""

    def base_queryset(self):
        raise NotImplementedError

    def filtered(self):
        """(filterset, queryset, current ordering): what the list shows, all pages."""
        filterset = self.filterset_class(self.request.GET or None, queryset=self.base_queryset(), request=self.request)
        queryset = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
        order_by, current = self.ordering()
        if order_by:
            queryset = queryset.order_by(order_by, "pk")
        return filterset, queryset, current

    def get(self, request, *args, **kwargs):
        fmt = exports.export_format(request)
        if fmt and self.export_columns:
            _filterset, queryset, _current = self.filtered()
            return exports.export_response(
                request, fmt=fmt, name=self.export_name, columns=self.export_columns, queryset=queryset
            )
        return super().get(request, *args, **kwargs)

    def ordering(self):
        requested = self.request.GET.get("o", "")
        key = requested.lstrip("-")
        if key in self.ordering_fields:
            field = self.ordering_fields[key]
            return ("-" if requested.startswith("-") else "") + field, requested
        return self.default_ordering, ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filterset, queryset, current = self.filtered()
        paginator = Paginator(queryset, self.paginate_by)
        page = paginator.get_page(self.request.GET.get("page"))
        query = self.request.GET.copy()
        query.pop("page", None)
        query.pop("export", None)
        sort_query = query.copy()
        sort_query.pop("o", None)
        context.update(
            filter=filterset,
            page_obj=page,
            object_list=page.object_list,
            paginator=paginator,
            querystring=query.urlencode(),
            sort_querystring=sort_query.urlencode(),
            current_ordering=current,
            export_query=exports.export_query(self.request) if self.export_columns else None,
        )
        return context


def get_visible_or_404(model, user, **lookup):
    """The object if the user may see it; 404 whether it is missing or outside their scope."""
    return get_object_or_404(model.objects.visible_to(user), **lookup)


def require_perm(user, perm: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied
