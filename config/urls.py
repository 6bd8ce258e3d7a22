from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from accounts.views import ThrottledLoginView

admin.site.site_header = _("Shuozhou Mine Ecological Restoration")
admin.site.site_title = _("Shuozhou Mine Ecological Restoration")
admin.site.index_title = _("Bureau administration")

urlpatterns = [
    path("accounts/login/", ThrottledLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    path("", include("accounts.urls")),
    path("", include("restoration.urls")),
    path("", include("notifications.urls")),
    path("", include("targets.urls")),
    path("", include("mines.urls")),
]

# Under /api/ these answer JSON in the error shape; elsewhere Django's pages.
handler400 = "api.views.bad_request"
handler403 = "api.views.permission_denied"
handler404 = "api.views.page_not_found"
handler500 = "api.views.server_error"
