from django.urls import path

from targets import views

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("evaluation/", views.evaluation, name="evaluation"),
    path("public/", views.disclosure, name="disclosure"),
]
