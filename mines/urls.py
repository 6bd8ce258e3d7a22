from django.urls import path

from mines import import_views, map_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("mines/", views.MineListView.as_view(), name="mine-list"),
    path("mines/new/", views.mine_edit, name="mine-create"),
    path("mines/import/", import_views.import_upload, {"kind": "mines"}, name="mine-import"),
    path("mines/<int:pk>/", views.mine_detail, name="mine-detail"),
    path("mines/<int:pk>/edit/", views.mine_edit, name="mine-edit"),
    path("sites/", views.HistoricalSiteListView.as_view(), name="site-list"),
    path("sites/new/", views.site_edit, name="site-create"),
    path("sites/import/", import_views.import_upload, {"kind": "sites"}, name="site-import"),
    path("import/<slug:kind>/", import_views.import_upload, name="import-upload"),
    path("import/<slug:kind>/template.<slug:fmt>", import_views.import_template, name="import-template"),
    path("import/<slug:kind>/<str:token>/", import_views.import_preview, name="import-preview"),
    path("sites/<int:pk>/", views.site_detail, name="site-detail"),
    path("sites/<int:pk>/edit/", views.site_edit, name="site-edit"),
    path("projects/", views.KeyProjectListView.as_view(), name="project-list"),
    path("projects/<int:pk>/", views.project_detail, name="project-detail"),
    path("companies/", views.CompanyListView.as_view(), name="company-list"),
    path("companies/new/", views.company_edit, name="company-create"),
    path("companies/<int:pk>/", views.company_detail, name="company-detail"),
    path("companies/<int:pk>/edit/", views.company_edit, name="company-edit"),
    path("map/", map_views.map_page, name="map"),
    path("map/data.geojson", map_views.map_data, name="map-data"),
]
