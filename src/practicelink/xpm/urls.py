from django.urls import path

from practicelink.xpm import views

app_name = "xpm"
urlpatterns = [
    path("", views.apps, name="apps"),
    path("xpm/connect/", views.connect, name="connect"),
    path("xpm/callback/", views.callback, name="callback"),
    path("xpm/tenant/", views.choose_tenant, name="choose-tenant"),
    path("xpm/tenant/confirm/", views.confirm_tenant, name="confirm-tenant"),
    path("xpm/disconnect/", views.disconnect, name="disconnect"),
    path("xpm/sync/", views.sync_now, name="sync-now"),
    path("xpm/preview/", views.preview, name="preview"),
    path("xpm/runs/", views.run_list, name="runs"),
    path("xpm/runs/<int:pk>/", views.run_detail, name="run"),
    path("xpm/runs/<int:pk>/progress/", views.run_progress, name="run-progress"),
]
