from django.urls import path

from restoration import views

urlpatterns = [
    path("desk/", views.desk, name="desk"),
    path("cases/", views.CaseListView.as_view(), name="case-list"),
    path("cases/new/", views.case_open, name="case-open"),
    path("cases/<int:pk>/", views.case_detail, name="case-detail"),
    path("cases/<int:pk>/act/<slug:action>/", views.case_act, name="case-act"),
    path("cases/<int:pk>/comment/", views.case_comment, name="case-comment"),
    path("cases/<int:pk>/assign/", views.case_assign, name="case-assign"),
    path("cases/<int:pk>/evidence/", views.evidence_upload, name="evidence-upload"),
    path("evidence/<int:pk>/download/", views.evidence_download, name="evidence-download"),
    path("evidence/<int:pk>/preview/", views.evidence_preview, name="evidence-preview"),
    path("evidence/<int:pk>/review/", views.evidence_review, name="evidence-review"),
]
