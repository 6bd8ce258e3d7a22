"""The admin site, with its "view on site" shortcut scoped like everything else."""

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.views import shortcut
from django.http import Http404
from django.urls import path


class RestorationAdminSite(admin.AdminSite):
    def get_urls(self):
        urls = [u for u in super().get_urls() if getattr(u, "name", None) != "view_on_site"]
        return [
            path("r/<int:content_type_id>/<path:object_id>/", self.admin_view(self.view_on_site), name="view_on_site"),
            *urls,
        ]

    def view_on_site(self, request, content_type_id, object_id):
        """Django's shortcut answers any staff member for any object, telling them which ids exist;
        here an object outside the user's scope is 404 like everywhere else."""
        try:
            model = ContentType.objects.get_for_id(content_type_id).model_class()
        except ContentType.DoesNotExist:
            raise Http404 from None
        manager = getattr(model, "objects", None)
        if model is None or not hasattr(manager, "visible_to"):
            raise Http404
        try:
            visible = manager.visible_to(request.user).filter(pk=object_id).exists()
        except (ValueError, TypeError):
            visible = False
        if not visible:
            raise Http404
        return shortcut(request, content_type_id, object_id)
