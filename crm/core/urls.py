from django.urls import path

from crm.core import views

app_name = "core"

urlpatterns = [
    path("timeline/<str:model_key>/<int:pk>/", views.timeline, name="timeline"),
    path("attachments/<str:model_key>/<int:pk>/", views.attachments, name="attachments"),
    path("attachments/<int:pk>/download/", views.attachment_download, name="attachment-download"),
    path("attachments/<int:pk>/delete/", views.attachment_delete, name="attachment-delete"),
    path("history/<str:model_key>/<int:pk>/", views.history, name="history"),
    path("notifications/", views.notification_list, name="notification-list"),
    path("notifications/bell/", views.notification_bell, name="notification-bell"),
    path("notifications/read/", views.notification_read, name="notification-read-all"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification-read"),
    path("jobs/", views.job_list, name="job-list"),
    path("jobs/<uuid:pk>/", views.job_detail, name="job-detail"),
    path("jobs/<uuid:pk>/progress/", views.job_progress, name="job-progress"),
    path("jobs/<uuid:pk>/file/", views.job_file, name="job-file"),
]
