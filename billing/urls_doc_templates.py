from django.urls import path

from billing import views_doc_templates as views

urlpatterns = [
    path("document-templates/", views.template_list, name="doc-template-list"),
    path("document-templates/<slug:kind>/", views.template_edit, name="doc-template-edit"),
    path("document-templates/<slug:kind>/reset/", views.template_reset, name="doc-template-reset"),
    path(
        "document-templates/<slug:kind>/preview.pdf",
        views.template_preview,
        name="doc-template-preview",
    ),
]
