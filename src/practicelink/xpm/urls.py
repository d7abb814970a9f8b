from django.urls import path

from practicelink.xpm import health_views, views

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
    path("health/", health_views.page, name="health"),
    path("health/members/<int:pk>/link/", health_views.link, name="health-link"),
    path("health/members/<int:pk>/accept/", health_views.accept, name="health-accept"),
    path("health/accept-all/", health_views.accept_all, name="health-accept-all"),
    path("health/add-user/", health_views.add_user, name="health-add-user"),
    path("health/sync/", health_views.sync, name="health-sync"),
    path("health/assign/", health_views.assign, name="health-assign"),
    path("health/clients/<int:pk>/link/", health_views.client_link, name="health-client-link"),
    path("health/reviews/<int:pk>/", health_views.review, name="health-review"),
    path("health/conflicts/<int:pk>/", health_views.conflict, name="health-conflict"),
    path("health/proposals/<int:pk>/redeploy/", health_views.redeploy, name="health-redeploy"),
]
