"""URLs of the orders app: the catalogue and pricing settings."""

from django.urls import path

from crm.orders.views import catalogue as views

urlpatterns = [
    path("catalogue/", views.product_list, name="product-list"),
    path("catalogue/new/", views.product_create, name="product-create"),
    path("catalogue/<int:pk>/", views.product_edit, name="product-edit"),
    path("catalogue/<int:pk>/toggle/", views.product_toggle, name="product-toggle"),
    path("catalogue/groups/", views.clientgroup_list, name="clientgroup-list"),
    path("catalogue/groups/<int:pk>/", views.clientgroup_edit, name="clientgroup-edit"),
    path("catalogue/price-lists/", views.pricelist_list, name="pricelist-list"),
    path("catalogue/price-lists/new/", views.pricelist_create, name="pricelist-create"),
    path("catalogue/price-lists/<int:pk>/", views.pricelist_edit, name="pricelist-edit"),
    path("pricing/rules/", views.rule_list, name="rule-list"),
    path("pricing/rules/new/", views.rule_create, name="rule-create"),
    path("pricing/rules/<int:pk>/", views.rule_edit, name="rule-edit"),
    path("pricing/rules/<int:pk>/toggle/", views.rule_toggle, name="rule-toggle"),
    path("pricing/promo-codes/", views.promo_list, name="promo-list"),
    path("pricing/promo-codes/new/", views.promo_create, name="promo-create"),
    path("pricing/promo-codes/<int:pk>/", views.promo_edit, name="promo-edit"),
    path("pricing/promo-codes/<int:pk>/toggle/", views.promo_toggle, name="promo-toggle"),
    path("pricing/bonus/", views.bonus_list, name="bonus-list"),
    path("pricing/bonus/new/", views.bonus_create, name="bonus-create"),
    path("pricing/bonus/<int:pk>/", views.bonus_edit, name="bonus-edit"),
    path("pricing/bonus/<int:pk>/toggle/", views.bonus_toggle, name="bonus-toggle"),
]
