from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from crm.accounts import views, views_schedules, views_workday

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(
            success_url=reverse_lazy("accounts:password-change-done")
        ),
        name="password-change",
    ),
    path(
        "password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password-change-done"
    ),
    path(
        "password/reset/",
        auth_views.PasswordResetView.as_view(
            success_url=reverse_lazy("accounts:password-reset-done"),
            email_template_name="registration/password_reset_email.txt",
        ),
        name="password-reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password-reset-done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            success_url=reverse_lazy("accounts:password-reset-complete")
        ),
        name="password-reset-confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password-reset-complete",
    ),
    path("language/", views.language_switch, name="language"),
    path("branch/", views.branch_switch, name="branch-switch"),
    path("profile/", views.profile, name="profile"),
    path("staff/", views.staff_list_view, name="staff-list"),
    path("staff/new/", views.staff_create, name="staff-create"),
    path("staff/<int:pk>/", views.staff_detail, name="staff-detail"),
    path("staff/<int:pk>/password/", views.staff_password, name="staff-password"),
    path("branches/", views.branch_list, name="branch-list"),
    path("branches/new/", views.branch_edit, name="branch-create"),
    path("branches/<int:pk>/", views.branch_edit, name="branch-edit"),
    path("workday/", views_workday.workday_view, name="workday"),
    path("workday/board/", views_workday.workday_board, name="workday-board"),
    path("workday/<str:action>/", views_workday.workday_action, name="workday-action"),
    path("schedules/", views_schedules.schedule_grid, name="schedule-grid"),
    path(
        "schedules/cell/<int:user_pk>/<str:day>/",
        views_schedules.schedule_cell,
        name="schedule-cell",
    ),
    path("schedules/apply/", views_schedules.schedule_apply, name="schedule-apply"),
    path("schedules/templates/", views_schedules.shift_template_list, name="shift-templates"),
    path(
        "schedules/templates/<int:pk>/",
        views_schedules.shift_template_edit,
        name="shift-template-edit",
    ),
    path("schedules/mine/", views_schedules.my_schedule, name="my-schedule"),
    path("schedules/requests/", views_schedules.time_off_requests, name="time-off-requests"),
    path(
        "schedules/requests/<int:pk>/<str:decision>/",
        views_schedules.time_off_decide,
        name="time-off-decide",
    ),
]
