from django.urls import path

from clients import views

app_name = "clients"

urlpatterns = [
    path("", views.client_list_view, name="client-list"),
    path("export/", views.client_export, name="client-export"),
    path("new/", views.client_create, name="client-create"),
    path("duplicates/", views.client_duplicates, name="client-duplicates"),
    path("filters/", views.saved_filter_create, name="saved-filter-create"),
    path("filters/<int:pk>/rename/", views.saved_filter_rename, name="saved-filter-rename"),
    path("filters/<int:pk>/delete/", views.saved_filter_delete, name="saved-filter-delete"),
    path("import/", views.import_upload_view, name="import-upload"),
    path("import/<int:pk>/", views.import_detail, name="import-detail"),
    path("import/<int:pk>/run/", views.import_run, name="import-run"),
    path("import/<int:pk>/report/", views.import_report, name="import-report"),
    path("<int:pk>/", views.client_detail, name="client-detail"),
    path("<int:pk>/tab/<slug:key>/", views.client_tab, name="client-tab"),
    path("<int:pk>/edit/", views.client_edit, name="client-edit"),
    path("<int:pk>/mood/", views.client_mood, name="client-mood"),
    path("<int:pk>/attention/", views.client_attention, name="client-attention"),
    path("<int:pk>/archive/", views.client_archive, name="client-archive"),
    path("<int:pk>/delete/", views.client_delete, name="client-delete"),
    path("<int:pk>/merge/", views.client_merge, name="client-merge"),
]
