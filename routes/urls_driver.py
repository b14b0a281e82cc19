"""URLs of the driver's tablet pages (routes.views_driver); included by ``routes.urls``
(namespace ``routes``)."""

from django.urls import URLPattern, path

from routes import views_driver

urlpatterns: list[URLPattern] = [
    path("my/", views_driver.driver_route, name="my-route"),
    path("my/stops/<int:pk>/", views_driver.driver_stop, name="driver-stop"),
    path("my/actions/", views_driver.driver_action, name="driver-action"),
    path("my/positions/", views_driver.driver_positions, name="driver-positions"),
]
