from django.urls import path

from practicelink.proposals import schedule_views, views

app_name = "proposals"
urlpatterns = [
    path("", views.proposal_list, name="list"),
    path("export.csv", views.proposal_export, name="export"),
    path("client-options/", views.client_options, name="client-options"),
    path("new/", views.proposal_create, name="create"),
    path("<int:pk>/", views.proposal_detail, name="detail"),
    path("<int:pk>/edit/", views.proposal_edit, name="edit"),
    path("<int:pk>/status/", views.proposal_status, name="status"),
    path("<int:pk>/send/", views.proposal_send, name="send"),
    path("<int:pk>/jobs/", views.proposal_jobs, name="jobs"),
    path("<int:pk>/recurrences/end/", schedule_views.recurrence_end_view, name="recurrence-end"),
    path(
        "<int:pk>/recurrences/staff/", schedule_views.recurrence_staff_view, name="recurrence-staff"
    ),
    path("upcoming/", schedule_views.upcoming, name="upcoming"),
    path("schedule-preview/", schedule_views.schedule_preview, name="schedule-preview"),
    path("service-line/", views.service_line, name="service-line"),
    path("service-line/removed/", views.service_line_removed, name="service-line-removed"),
    path("library/", views.library_list, name="library"),
    path("library/new/", views.library_create, name="library-create"),
    path("library/<int:pk>/edit/", views.library_edit, name="library-edit"),
    path("library/<int:pk>/delete/", views.library_delete, name="library-delete"),
]
