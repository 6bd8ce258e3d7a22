"""Pagination: numbered pages for the small lists, keyset cursors for the big ones.

A keyset page is one indexed range scan however deep it is: the cursor carries the ordering
values of the last row seen, and the next page is `WHERE (key, id) > (last key, last id)
ORDER BY key, id LIMIT n`. There is no OFFSET and no COUNT(*), so page 20,000 of a million cases
costs what page 1 costs. The cursor is opaque to clients (base64 of JSON).
"""

import base64
import binascii
import json
from collections import OrderedDict
from dataclasses import dataclass

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


class PageNumberPagination(pagination.PageNumberPagination):
    """For lists of at most a few thousand rows: counties, zones, projects, companies…"""

    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["count", "next", "previous", "results"],
            "properties": {
                "count": {"type": "integer", "description": "Rows matching the filters, on all pages."},
                "next": {"type": "string", "nullable": True, "format": "uri", "description": "The next page."},
                "previous": {"type": "string", "nullable": True, "format": "uri", "description": "The previous page."},
                "results": {**schema, "description": "The rows of this page."},
            },
        }


@dataclass(frozen=True)
class Key:
    """One column of a keyset ordering. NULL sorts after every value, in both directions' sense."""

    field: str
    nullable: bool = False


@dataclass(frozen=True)
class Ordering:
    """A named ordering: key columns (the last one unique, usually the pk) and a direction."""

    keys: tuple[Key, ...]
    descending: bool = False


def _keys(spec: tuple[str, ...]) -> tuple[Key, ...]:
    return tuple(Key(name.rstrip("?"), name.endswith("?")) for name in spec)


class KeysetPagination(pagination.BasePagination):
    """Cursor pagination over a composite key, in either direction, with `next` and `previous`.

    The view declares `keyset_orderings = {"id": ("id",), "deadline": ("deadline?", "id")}` and
    `keyset_default = "-id"`; clients choose with `?ordering=deadline` or `?ordering=-deadline`.
    """

    page_size = DEFAULT_PAGE_SIZE
    max_page_size = MAX_PAGE_SIZE
    cursor_query_param = "cursor"
    page_size_query_param = "page_size"
    ordering_param = "ordering"

    # ---------------------------------------------------------------- the request

    def _ordering(self, request, view) -> tuple[str, Ordering]:
        name = request.query_params.get(self.ordering_param) or view.keyset_default
        bare = name[1:] if name.startswith("-") else name
        if bare not in view.keyset_orderings:
            choices = ", ".join(self.ordering_choices(view))
            raise ValidationError({self.ordering_param: [_("Order by one of: %(choices)s.") % {"choices": choices}]})
        return name, Ordering(_keys(view.keyset_orderings[bare]), name.startswith("-"))

    def ordering_choices(self, view) -> list[str]:
        return [f"{sign}{name}" for name in view.keyset_orderings for sign in ("", "-")]

    def _page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isdigit() or len(raw) > 6 or int(raw) < 1:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        _("Give a whole number from 1 to %(max)d.") % {"max": self.max_page_size}
                    ]
                }
            )
        return min(int(raw), self.max_page_size)

    def _decode(self, request, name: str, ordering: Ordering, model):
        raw = request.query_params.get(self.cursor_query_param)
        if not raw:
            return None, False
        invalid = ValidationError({self.cursor_query_param: [_("This cursor is not valid for this list.")]})
        try:
            data = json.loads(base64.urlsafe_b64decode(raw.encode("ascii") + b"==="))
            if not isinstance(data, dict) or data.get("o") != name:
                raise invalid
            values, backwards = data["v"], bool(data.get("b"))
            if not isinstance(values, list) or len(values) != len(ordering.keys):
                raise invalid
            position = []
            for key, value in zip(ordering.keys, values, strict=True):
                if value is None:
                    if not key.nullable:
                        raise invalid
                    position.append(None)
                    continue
                if not isinstance(value, str | int) or len(str(value)) > 200:
                    raise invalid
                position.append(model._meta.get_field(key.field).to_python(value))
            return position, backwards
        except (ValueError, TypeError, KeyError, UnicodeError, binascii.Error, DjangoValidationError):
            raise invalid from None

    def _encode(self, name: str, row: dict, ordering: Ordering, backwards: bool) -> str:
        values = []
        for key in ordering.keys:
            value = row[key.field]
            values.append(value if value is None or isinstance(value, int) else str(value))
        data = {"o": name, "v": values}
        if backwards:
            data["b"] = 1
        return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")

    # ---------------------------------------------------------------- the SQL

    @staticmethod
    def _order_by(ordering: Ordering, reverse: bool):
        descending = ordering.descending != reverse
        out = []
        for key in ordering.keys:
            expression = F(key.field)
            # NULL is the largest value: last going up, first going down (PostgreSQL's default).
            if key.nullable:
                out.append(expression.desc(nulls_first=True) if descending else expression.asc(nulls_last=True))
            else:
                out.append(expression.desc() if descending else expression.asc())
        return out

    @staticmethod
    def _after(ordering: Ordering, position: list, reverse: bool) -> Q:
        """Rows strictly after `position` in the ordering (or before it, when `reverse`)."""
        descending = ordering.descending != reverse
        condition = Q(pk__in=[])
        equal = Q()
        for key, value in zip(ordering.keys, position, strict=True):
            field = key.field
            if value is None:
                beyond = Q(**{f"{field}__isnull": False}) if descending else Q(pk__in=[])
                same = Q(**{f"{field}__isnull": True})
            else:
                beyond = Q(**{f"{field}__lt" if descending else f"{field}__gt": value})
                if key.nullable and not descending:
                    beyond |= Q(**{f"{field}__isnull": True})
                same = Q(**{field: value})
            condition |= equal & beyond
            equal &= same
        return condition

    # ---------------------------------------------------------------- DRF's interface

    def paginate_queryset(self, queryset, request, view=None):
        name, ordering = self._ordering(request, view)
        size = self._page_size(request)
        position, backwards = self._decode(request, name, ordering, queryset.model)
        queryset = queryset.order_by(*self._order_by(ordering, reverse=backwards))
        if position is not None:
            queryset = queryset.filter(self._after(ordering, position, reverse=backwards))
        rows = list(queryset[: size + 1])
        more = len(rows) > size
        rows = rows[:size]
        if backwards:
            rows.reverse()
        self.request, self.name, self.ordering = request, name, ordering
        # Going forward, there is a next page if we fetched one row too many, and a previous one
        # if we came from a cursor; going backward, the other way round.
        self.has_next = more if not backwards else position is not None
        self.has_previous = (position is not None) if not backwards else more
        self.rows = rows
        return rows

    def _link(self, row, backwards: bool):
        url = self.request.build_absolute_uri()
        cursor = self._encode(self.name, row, self.ordering, backwards)
        return replace_query_param(url, self.cursor_query_param, cursor)

    def get_next_link(self):
        if not self.has_next or not self.rows:
            return None
        return self._link(self.rows[-1], backwards=False)

    def get_previous_link(self):
        if not self.has_previous:
            return None
        if not self.rows:
            return remove_query_param(self.request.build_absolute_uri(), self.cursor_query_param)
        return self._link(self.rows[0], backwards=True)

    def get_paginated_response(self, data):
        return Response(
            OrderedDict([("next", self.get_next_link()), ("previous", self.get_previous_link()), ("results", data)])
        )

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": "The next page, or null on the last page.",
                },
                "previous": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": "The previous page, or null on the first page.",
                },
                "results": {**schema, "description": "The rows of this page."},
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Where the page starts: the `next` or `previous` link's cursor. Opaque.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Rows per page (default {self.page_size}, at most {self.max_page_size}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": f"Sort order; `-` for descending. Default `{view.keyset_default}`.",
                "schema": {"type": "string", "enum": self.ordering_choices(view)},
            },
        ]
