from django.urls import path

from practicelink.xpm import views

app_name = "xpm"
urlpatterns = [
    path("", views.apps, name="apps"),
    path("xpm/connect/", views.connect, name="connect"),
    path("xpm/callback/", views.callback, name="callback"),
    path("xpm/tenant/", views.choose_tenant, name="choose-tenant"),
    path("xpm/disconnect/", views.disconnect, name="disconnect"),
]
