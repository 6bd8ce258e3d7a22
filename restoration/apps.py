from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RestorationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "restoration"
    verbose_name = _("Restoration")
