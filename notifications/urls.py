from django.urls import path

from notifications import views

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:pk>/open/", views.notice_open, name="notice-open"),
    path("inbox/read-all/", views.notices_read_all, name="notices-read-all"),
]
