"""/api/v1/: every resource, the schema and the docs. Anything else under /api/ is a JSON 404."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from accounts.api import MeView, TokenViewSet
from api.views import not_found
from api.viewsets import ID_PATTERN
from mines.api import views as inventory
from notifications.api import NoticeViewSet
from restoration.api import views as restoration

router = DefaultRouter()
router.include_format_suffixes = False
router.register("counties", inventory.CountyViewSet, basename="county")
router.register("planning-areas", inventory.PlanningAreaViewSet, basename="planning-area")
router.register("zones", inventory.ZoneViewSet, basename="zone")
router.register("key-projects", inventory.KeyProjectViewSet, basename="key-project")
router.register("green-mine-listings", inventory.GreenMineListingViewSet, basename="green-mine-listing")
router.register("companies", inventory.CompanyViewSet, basename="company")
router.register("contractors", inventory.ContractorViewSet, basename="contractor")
router.register("mines", inventory.MineViewSet, basename="mine")
router.register("historical-sites", inventory.HistoricalSiteViewSet, basename="historical-site")
router.register("cases", restoration.CaseViewSet, basename="case")
router.register(rf"cases/(?P<case_pk>{ID_PATTERN})/events", restoration.EventViewSet, basename="case-event")
router.register(rf"cases/(?P<case_pk>{ID_PATTERN})/evidence", restoration.EvidenceViewSet, basename="case-evidence")
router.register(
    rf"cases/(?P<case_pk>{ID_PATTERN})/inspections", restoration.InspectionViewSet, basename="case-inspection"
)
router.register("funds", restoration.FundViewSet, basename="fund")
router.register(rf"funds/(?P<fund_pk>{ID_PATTERN})/entries", restoration.FundEntryViewSet, basename="fund-entry")
router.register("notifications", NoticeViewSet, basename="notification")
router.register("tokens", TokenViewSet, basename="token")

app_name = "api"

urlpatterns = [
    path("v1/me/", MeView.as_view(), name="me"),
    path("v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script under the CSP.
    path("v1/docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("v1/", include(router.urls)),
    re_path(r"^.*$", not_found),
]
