from django.urls import path

from practicelink.team import profile_views

app_name = "profile"
urlpatterns = [
    path("", profile_views.profile, name="show"),
    path("tokens/<int:pk>/revoke/", profile_views.token_revoke, name="token-revoke"),
]
