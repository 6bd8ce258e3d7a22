from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Operations: backup, restore and the application database role (docs/operations.md)."""

    name = "ops"
    verbose_name = "Operations"
    default_auto_field = "django.db.models.BigAutoField"
