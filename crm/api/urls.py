"""URLs of the intake API app (namespace ``api``): the HTTP API under ``v1/`` and the admins'
Integrations pages."""

from django.urls import include, path

from crm.api import views
from crm.api.endpoints import public_urlpatterns

app_name = "api"

urlpatterns = [
    path("v1/", include(public_urlpatterns())),
    path("integrations/", views.integrations, name="integrations"),
    path("integrations/keys/new/", views.key_create, name="key-create"),
    path("integrations/keys/<int:pk>/revoke/", views.key_revoke, name="key-revoke"),
    path("integrations/calls/<int:pk>/", views.call_detail, name="call-detail"),
    path("integrations/calls/<int:pk>/retry/", views.call_retry, name="call-retry"),
]
