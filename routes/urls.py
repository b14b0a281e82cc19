"""URLs of the routes app (namespace ``routes``)."""

from django.urls import path

from routes import urls_board, urls_driver, urls_store, views, views_standing, views_territories

app_name = "routes"

urlpatterns = [
    path("vehicles/", views.vehicle_list, name="vehicle-list"),
    path("vehicles/new/", views.vehicle_edit, name="vehicle-create"),
    path("vehicles/<int:pk>/", views.vehicle_edit, name="vehicle-edit"),
    path("depots/new/", views.depot_edit, name="depot-create"),
    path("territories/", views_territories.territory_list, name="territory-list"),
    path("territories/new/", views_territories.territory_edit, name="territory-create"),
    path("territories/<int:pk>/", views_territories.territory_edit, name="territory-edit"),
    path("special-loads/add/", views_territories.requirement_add, name="requirement-add"),
    path("special-loads/remove/", views_territories.requirement_remove, name="requirement-remove"),
    path("depots/<int:pk>/", views.depot_edit, name="depot-edit"),
    path("plan/", views.plan_day, name="plan"),
    path("plans/<int:pk>/", views.plan_detail, name="plan-detail"),
    path("plans/<int:pk>/reoptimise/", views.plan_reoptimise, name="plan-reoptimise"),
    path("plans/<int:pk>/sheets.pdf", views.plan_sheets_pdf, name="plan-sheets-pdf"),
    path("plans/<int:pk>/publish/", views.plan_publish, name="plan-publish"),
    path("plans/<int:pk>/unpublish/", views.plan_unpublish, name="plan-unpublish"),
    path("plans/<int:pk>/orders/<int:order_pk>/add/", views.stop_add, name="stop-add"),
    path("stops/<int:pk>/move/", views.stop_move, name="stop-move"),
    path("stops/<int:pk>/lock/", views.stop_lock, name="stop-lock"),
    path("routes/<int:pk>/lock/", views.route_lock, name="route-lock"),
    path("routes/<int:pk>/driver/", views.route_driver, name="route-driver"),
    path("routes/<int:pk>/sheet.pdf", views.route_sheet_pdf, name="route-sheet-pdf"),
    path("routes/<int:pk>/sheet.xlsx", views.route_sheet_xlsx, name="route-sheet-xlsx"),
    path("standing/", views_standing.standing_list, name="standing-list"),
    path("standing/new/", views_standing.standing_edit, name="standing-create"),
    path("standing/plan/", views_standing.standing_plan, name="standing-plan"),
    path("standing/suggest/", views_standing.standing_suggest, name="standing-suggest"),
    path(
        "standing/suggest/point/",
        views_standing.standing_suggest_point,
        name="standing-suggest-point",
    ),
    path("standing/<int:pk>/", views_standing.standing_detail, name="standing-detail"),
    path("standing/<int:pk>/edit/", views_standing.standing_edit, name="standing-edit"),
    path("standing/<int:pk>/delete/", views_standing.standing_delete, name="standing-delete"),
    path("standing/<int:pk>/tidy/", views_standing.standing_tidy, name="standing-tidy"),
    path(
        "standing/<int:pk>/sites/add/", views_standing.standing_site_add, name="standing-site-add"
    ),
    path(
        "standing/sites/<int:pk>/move/",
        views_standing.standing_site_move,
        name="standing-site-move",
    ),
    path(
        "standing/<int:pk>/sites/remove/",
        views_standing.standing_site_remove,
        name="standing-site-remove",
    ),
]

# Live operations: the dispatcher's board, the driver's tablet pages, the storekeeper's ledger.
urlpatterns += urls_board.urlpatterns + urls_driver.urlpatterns + urls_store.urlpatterns
