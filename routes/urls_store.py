"""URLs of the storekeeper's containers ledger (routes.views_store); included by ``routes.urls``
(namespace ``routes``). The day is the ``date`` query parameter (``YYYY-MM-DD``; today by
default) on the pages and a hidden field of the van forms."""

from django.urls import URLPattern, path

from routes import views_store

urlpatterns: list[URLPattern] = [
    path("store/", views_store.store_day, name="store-day"),
    path("store/vehicles/<int:pk>/load/", views_store.store_van_load, name="store-van-load"),
    path("store/vehicles/<int:pk>/return/", views_store.store_van_return, name="store-van-return"),
    path(
        "store/vehicles/<int:pk>/loading/",
        views_store.store_loading_list,
        name="store-loading-list",
    ),
    path(
        "store/vehicles/<int:pk>/loading.pdf",
        views_store.store_loading_pdf,
        name="store-loading-pdf",
    ),
    path("store/report/", views_store.store_report, name="store-report"),
    path("store/report.xlsx", views_store.store_report_xlsx, name="store-report-xlsx"),
    path("store/clients/", views_store.store_clients, name="store-clients"),
    path(
        "store/clients/<int:pk>/adjust/",
        views_store.store_client_adjust,
        name="store-client-adjust",
    ),
]
