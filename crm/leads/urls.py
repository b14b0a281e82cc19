from django.urls import path

from crm.leads import views, views_distribution

app_name = "leads"

urlpatterns = [
    path("", views.board, name="board"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/dynamics.json", views.dynamics_data, name="dynamics-data"),
    path("plan/", views.sales_plan, name="sales-plan"),
    path("table/", views.table, name="table"),
    path("archive/", views.archive, name="archive"),
    path("new/", views.lead_create, name="lead-create"),
    path("new/duplicates/", views.lead_duplicates, name="lead-duplicates"),
    path("<int:pk>/", views.lead_detail, name="lead-detail"),
    path("<int:pk>/edit/", views.lead_edit, name="lead-edit"),
    path("<int:pk>/move/", views.lead_move, name="lead-move"),
    path("<int:pk>/win/", views.lead_win, name="lead-win"),
    path("<int:pk>/lose/", views.lead_lose, name="lead-lose"),
    path("<int:pk>/reopen/", views.lead_reopen, name="lead-reopen"),
    path("tasks/", views.task_list, name="task-list"),
    path("tasks/new/", views.task_create, name="task-create"),
    path("tasks/<int:pk>/done/", views.task_done, name="task-done"),
    path("settings/pipelines/", views.pipeline_list, name="pipeline-list"),
    path("settings/pipelines/<int:pk>/", views.pipeline_detail, name="pipeline-detail"),
    path("settings/pipelines/<int:pk>/reorder/", views.stage_reorder, name="stage-reorder"),
    path("settings/stages/<int:pk>/", views.stage_edit, name="stage-edit"),
    path("settings/stages/<int:pk>/delete/", views.stage_delete, name="stage-delete"),
    path("settings/directories/", views.directories, name="directories"),
    path("distribution/", views_distribution.fairness, name="distribution-fairness"),
    path("distribution/rules/", views_distribution.rule_list, name="distribution-rules"),
    path(
        "distribution/rules/<int:pk>/", views_distribution.rule_edit, name="distribution-rule-edit"
    ),
    path(
        "settings/directories/<str:kind>/<int:pk>/toggle/",
        views.directory_toggle,
        name="directory-toggle",
    ),
]
