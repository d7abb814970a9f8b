from django.urls import path

from practicelink.xpm import job_views

app_name = "xpm-jobs"
urlpatterns = [
    path("<str:number>/", job_views.job_detail, name="detail"),
    path("<str:number>/allocate/", job_views.task_allocate, name="allocate"),
    path("redeploy/<int:pk>/", job_views.redeploy, name="redeploy"),
]
