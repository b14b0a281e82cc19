"""URLs of workers on orders: skills, worker profiles, assigning, a job's actions and messages,
the worker's own jobs."""

from django.urls import path

from crm.orders.views import worker_day
from crm.orders.views import workers as views

urlpatterns = [
    path("workers/skills/", views.skill_list, name="skills"),
    path("workers/<int:pk>/", views.worker_profile, name="worker-profile"),
    path("workers/jobs/", views.my_jobs, name="my-jobs"),
    path("workers/day/", worker_day.worker_day, name="worker-day"),
    path("workers/day/email/", worker_day.worker_day_email, name="worker-day-email"),
    path("workers/hours/", worker_day.worker_hours, name="worker-hours"),
    path("<int:pk>/workers/", views.order_workers, name="order-workers"),
    path("<int:pk>/workers/skills/", views.order_skills, name="order-skills"),
    path("jobs/<int:pk>/message/", views.assignment_message, name="assignment-message"),
    path("jobs/<int:pk>/<str:action>/", views.assignment_action, name="assignment-action"),
]
