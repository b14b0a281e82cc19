"""URLs of the orders app: recurring schedules."""

from django.urls import path

from crm.orders.views import schedules as views

urlpatterns: list = [
    path("schedules/", views.schedule_list, name="schedule-list"),
    path("schedules/new/", views.schedule_create, name="schedule-create"),
    path("schedules/<int:pk>/", views.schedule_detail, name="schedule-detail"),
    path("schedules/<int:pk>/edit/", views.schedule_edit, name="schedule-edit"),
    path("schedules/<int:pk>/pause/", views.schedule_pause, name="schedule-pause"),
    path("schedules/<int:pk>/skip/", views.schedule_skip, name="schedule-skip"),
    path("schedules/<int:pk>/move/", views.schedule_move, name="schedule-move"),
    path("schedules/<int:pk>/toggle/", views.schedule_toggle, name="schedule-toggle"),
]
