from django.urls import path

from accounts import views

urlpatterns = [
    path("accounts/profile/", views.profile, name="profile"),
    path("accounts/profile/tokens/", views.token_new, name="token-create"),
    path("accounts/profile/tokens/<int:pk>/revoke/", views.token_revoke_view, name="token-revoke"),
]
