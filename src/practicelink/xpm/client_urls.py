from django.urls import path

from practicelink.xpm import clients_ui

app_name = "xpm_clients"
urlpatterns = [
    path("", clients_ui.review_list, name="review"),
    path("<int:pk>/", clients_ui.review_decide, name="decide"),
    path("conflicts/<int:pk>/", clients_ui.conflict_decide, name="conflict"),
]
