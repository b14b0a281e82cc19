from django.urls import path

from labs import views_pages, views_requests

app_name = "labs"

urlpatterns = [
    path("", views_pages.request_list, name="request-list"),
    path("cabinet/", views_pages.cabinet, name="cabinet"),
    path("control/", views_pages.control, name="control"),
    path("norms/", views_pages.norms, name="norms"),
    path("new/", views_requests.request_create, name="request-create"),
    path("<int:pk>/", views_requests.request_detail, name="request-detail"),
    path("<int:pk>/edit/", views_requests.request_edit, name="request-edit"),
    path("<int:pk>/result/", views_requests.request_result, name="request-result"),
    path("<int:pk>/move/", views_requests.request_move, name="request-move"),
    path("<int:pk>/ship/", views_requests.request_ship, name="request-ship"),
]
