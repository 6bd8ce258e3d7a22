"""Base viewsets: every queryset starts from `visible_to(request.user)`; big lists read `.values()` rows.

- `ScopedViewSet.scoped()` is the only way a view reaches rows. An id outside it is 404, for reads
  and actions alike; ids in URLs are 1-18 digits, anything else never reaches a view.
- `RowReadMixin` lists and retrieves through a light `api.rows.RowSerializer`: one query per page,
  with the columns the serializer declares.
- `ScopedWriteMixin` creates and updates inside one transaction and re-reads the object through
  `scoped()` before committing: a write that would move it out of the caller's scope is undone.
"""

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from restoration.errors import Forbidden

ID_PATTERN = r"[0-9]{1,18}"


class ScopedViewSet(viewsets.GenericViewSet):
    model = None
    lookup_value_regex = ID_PATTERN

    def scoped(self):
        return self.model.objects.visible_to(self.request.user)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular only wants the model
            return self.model.objects.none()
        return self.scoped()


class RowReadMixin(mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """`list` and `retrieve` from `.values()` rows; `detail_serializer_class` may add columns."""

    row_serializer_class = None
    detail_serializer_class = None

    def base_queryset(self):
        """`scoped()` plus any annotations the serializer reads."""
        return self.scoped()

    def get_serializer_class(self):
        if self.action == "retrieve" and self.detail_serializer_class is not None:
            return self.detail_serializer_class
        if self.action in ("list", "retrieve"):
            return self.row_serializer_class
        return super().get_serializer_class()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        if self.action in ("list", "retrieve"):
            return self.base_queryset().values(*self.get_serializer_class().columns())
        return self.base_queryset()

    def read_row(self, pk):
        """The object as `retrieve` shows it, if the caller still sees it; else None."""
        serializer_class = self.detail_serializer_class or self.row_serializer_class
        row = self.base_queryset().filter(pk=pk).values(*serializer_class.columns()).first()
        if row is None:
            return None
        return serializer_class(row, context=self.get_serializer_context()).data


OUT_OF_SCOPE = _("After this change you could no longer see the object, so nothing was changed.")


class ScopedWriteMixin:
    """`create`, `update`, `partial_update` with `write_serializer_class`, answered with the
    `retrieve` representation. No deletes anywhere in the API."""

    write_serializer_class = None

    def written(self, obj):
        """The saved object's representation, read again through `scoped()`; None if out of scope."""
        return self.read_row(obj.pk)

    def _answer(self, saved, status_code):
        data = self.written(saved)
        if data is None:
            raise Forbidden(OUT_OF_SCOPE, code="out_of_scope")  # inside the transaction: rolls it back
        return Response(data, status=status_code)

    def create(self, request, *args, **kwargs):
        serializer = self.write_serializer_class(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            return self._answer(serializer.save(), status.HTTP_201_CREATED)

    def update(self, request, *args, partial=False, **kwargs):
        instance = self.get_object()
        serializer = self.write_serializer_class(
            instance, data=request.data, partial=partial, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            return self._answer(serializer.save(), status.HTTP_200_OK)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)
