"""URLs of the telephony app (namespace ``telephony``)."""

from django.urls import path

from crm.telephony import views

app_name = "telephony"

urlpatterns = [
    path("extensions/", views.extension_list, name="extension-list"),
    path("extensions/<int:pk>/delete/", views.extension_delete, name="extension-delete"),
    path("calls/<int:pk>/popup/", views.call_popup, name="call-popup"),
    path("calls/<int:pk>/client/", views.call_client_create, name="call-client-create"),
]
