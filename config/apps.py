from django.contrib.admin.apps import AdminConfig


class RestorationAdminConfig(AdminConfig):
    default_site = "config.admin.RestorationAdminSite"
