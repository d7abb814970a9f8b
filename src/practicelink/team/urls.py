from django.urls import path

from practicelink.team import views

app_name = "team"
urlpatterns = [
    path("", views.member_list, name="list"),
    path("add/", views.member_add, name="add"),
    path("<int:pk>/edit/", views.member_edit, name="edit"),
    path("<int:pk>/delete/", views.member_delete, name="delete"),
    path("<int:pk>/restore/", views.member_restore, name="restore"),
    path("<int:pk>/invite/", views.member_invite, name="invite"),
]
