from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from crm.accounts import views as account_views
from crm.core import views as core_views

urlpatterns = [
    path("", account_views.home, name="home"),
    path("healthz/", core_views.healthz, name="healthz"),
    path("accounts/", include("crm.accounts.urls")),
    path("core/", include("crm.core.urls")),
    path("clients/", include("clients.urls")),
    path("leads/", include("crm.leads.urls")),
    path("orders/", include("crm.orders.urls")),
    path("routes/", include("routes.urls")),
    path("billing/", include("billing.urls")),
    path("labs/", include("labs.urls")),
    path("reports/", include("reports.urls")),
    path("api/", include("crm.api.urls")),
    path("telephony/", include("crm.telephony.urls")),
    path("django-admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler403 = "crm.core.errors.permission_denied"
handler404 = "crm.core.errors.page_not_found"
handler500 = "crm.core.errors.server_error"
