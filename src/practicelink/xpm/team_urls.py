from django.urls import path

from practicelink.xpm import team_ui

app_name = "xpm_team"
urlpatterns = [
    path("why-not/", team_ui.why_not, name="why-not"),
    path("<int:pk>/accept/", team_ui.suggestion_accept, name="accept"),
]
