"""URLs of the orders app: the operator's day screen, its exports and delivery stickers."""

from django.urls import path

from crm.orders.views import day as views

urlpatterns = [
    path("", views.day, name="day"),
    path("day/rows/", views.day_rows, name="day-rows"),
    path("day/export.xlsx", views.export_xlsx, name="day-export-xlsx"),
    path("day/export.pdf", views.export_pdf, name="day-export-pdf"),
    path("stickers/", views.stickers, name="stickers"),
]
