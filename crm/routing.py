"""Websocket URL routes of the whole project (apps add theirs here)."""

from django.urls import path

from crm.core.consumers import LiveConsumer

websocket_urlpatterns = [
    path("ws/live/", LiveConsumer.as_asgi()),
]
