"""All URLs of the orders app (namespace ``orders``), one module per area under ``urlconf/``."""

from crm.orders.urlconf import catalogue, day, orders, schedules, workers

app_name = "orders"

urlpatterns = [
    *day.urlpatterns,
    *orders.urlpatterns,
    *catalogue.urlpatterns,
    *schedules.urlpatterns,
    *workers.urlpatterns,
]
