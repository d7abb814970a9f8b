from django.urls import path

from practicelink.xpm import views

app_name = "xpm"
urlpatterns = [
    path("", views.apps, name="apps"),
]
