from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MinesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "mines"
    verbose_name = _("Mine inventory")
