"""Catalogue and pricing settings pages: products, price lists and client groups (managed with
``orders.manage_catalogue``; the product list is visible with ``orders.view_product``), price
rules, promo codes and bonus rules (``orders.manage_price_rules``). Thin: bind a form, call the
service, re-render with the service's errors or redirect."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from clients.models import ClientGroup
from crm.core.forms import apply_validation_error
from crm.core.pagination import paginate, querystring_without_page
from crm.core.panels import history_context
from crm.orders.forms_catalogue import (
    BonusRuleForm,
    CatalogueFilterForm,
    ClientGroupForm,
    PriceLineFormSet,
    PriceListForm,
    PriceRuleForm,
    ProductForm,
    PromoCodeForm,
)
from crm.orders.models import BonusRule, PriceList, PriceRule, Product, PromoCode
from crm.orders.roles import MANAGE_CATALOGUE, MANAGE_RULES, VIEW_CATALOGUE
from crm.orders.services import catalogue as services

FORM_TEMPLATE = "orders/catalogue/object_form.html"


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _form_page(
    request: HttpRequest, form: Any, *, title: str, back: str, section: str, **extra: Any
) -> HttpResponse:
    context = {"form": form, "title": title, "back_url": back, "section": section, **extra}
    return render(request, FORM_TEMPLATE, context)


def _edit(
    request: HttpRequest,
    *,
    form_class: type,
    instance: Any,
    save: Any,
    title: str,
    back: str,
    section: str,
    saved: str,
    template: str = FORM_TEMPLATE,
    **extra: Any,
) -> HttpResponse:
    """GET shows the form; POST validates, calls ``save(data)`` and redirects to ``back``."""
    form = form_class(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            save(form.data_for_service())
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, saved)
            return redirect(back)
    context = {"form": form, "title": title, "back_url": back, "section": section, **extra}
    if extra.get("history_target") is not None:
        context.update(history_context(extra["history_target"]))
    return render(request, template, context)


# --- Products -------------------------------------------------------------------------------------
@require_http_methods(["GET"])
@permission_required(VIEW_CATALOGUE, raise_exception=True)
def product_list(request: HttpRequest) -> HttpResponse:
    filters = CatalogueFilterForm(request.GET or None)
    products = Product.objects.order_by("name", "id")
    if filters.is_valid():
        query = filters.cleaned_data["q"].strip()
        if query:
            products = products.filter(Q(name__icontains=query) | Q(code__icontains=query))
        if filters.cleaned_data["active"] in ("0", "1"):
            products = products.filter(is_active=filters.cleaned_data["active"] == "1")
    context = {
        "page": paginate(request, products, per_page=50),
        "qs": querystring_without_page(request),
        "filters": filters,
        "can_manage": request.user.has_perm(MANAGE_CATALOGUE),
        "section": "products",
    }
    if _is_htmx(request):
        return render(request, "orders/catalogue/product_list.html#product-table", context)
    return render(request, "orders/catalogue/product_list.html", context)


@require_http_methods(["GET", "POST"])
@permission_required(MANAGE_CATALOGUE, raise_exception=True)
def product_create(request: HttpRequest) -> HttpResponse:
    return _edit(
        request,
        form_class=ProductForm,
        instance=Product(),
        save=lambda data: services.product_save(actor=request.user, data=data),
        title=_("New product or service"),
        back="orders:product-list",
        section="products",
        saved=_("The product is saved."),
    )


@require_http_methods(["GET", "POST"])
@permission_required(MANAGE_CATALOGUE, raise_exception=True)
def product_edit(request: HttpRequest, pk: int) -> HttpResponse:
    product = get_object_or_404(Product, pk=pk)
    return _edit(
        request,
        form_class=ProductForm,
        instance=product,
        save=lambda data: services.product_save(actor=request.user, data=data, product=product),
        title=str(product),
        back="orders:product-list",
        section="products",
        saved=_("The product is saved."),
        history_target=product,
    )


@require_POST
@permission_required(MANAGE_CATALOGUE, raise_exception=True)
def product_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    services.product_toggle(actor=request.user, product=get_object_or_404(Product, pk=pk))
    return redirect("orders:product-list")


# --- Client groups --------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@permission_required(MANAGE_CATALOGUE, raise_exception=True)
def clientgroup_list(request: HttpRequest) -> HttpResponse:
    form = ClientGroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.clientgroup_save(actor=request.user, name=form.cleaned_data["name"])
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return redirect("orders:clientgroup-list")
    groups = ClientGroup.objects.annotate(
        client_count=Count("clients", distinct=True), list_count=Count("price_lists", distinct=True)
    ).order_by("name")
    context = {"groups": groups, "form": form, "section": "groups"}
    return render(request, "orders/catalogue/clientgroup_list.html", context)


@require_http_methods(["GET", "POST"])
@permission_required(MANAGE_CATALOGUE, raise_exception=True)
def clientgroup_edit(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_object_or_404(ClientGroup, pk=pk)
    form = ClientGroupForm(request.POST or None, initial={"name": group.name})
    if request.method == "POST" and form.is_valid():
        try:
            services.clientgroup_save(
                actor=request.user, name=form.cleaned_data["name"], group=group
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return redirect("orders:clientgroup-list")
    return _form_page(
        request, form, title=group.name, back="orders:clientgroup-list", section="groups"
    )


# --- Price lists ----------------------------------------------------------------------------------
@require_http_methods(["GET"])
@permission_required(MANAGE_CATALOGUE, raise_exception=True)
def pricelist_list(request: HttpRequest) -> HttpResponse:
    lists = (
        PriceList.objects.prefetch_related("client_groups")
        .annotate(line_count=Count("items", distinct=True))
        .order_by("name", "id")
    )
    context = {"lists": lists, "section": "pricelists", "today": timezone.localdate()}
    return render(request, "orders/catalogue/pricelist_list.html", context)


def _pricelist_page(request: HttpRequest, price_list: PriceList | None) -> HttpResponse:
    instance = price_list or PriceList()
    products = Product.objects.filter(is_active=True) | Product.objects.filter(
        list_prices__price_list=instance.pk
    )
    products = products.distinct().order_by("name")
    initial = (
        [
            {"product": i.product_id, "price": i.price}
            for i in instance.items.order_by("product__name")
        ]
        if price_list
        else []
    )
    form = PriceListForm(request.POST or None, instance=instance)
    lines = PriceLineFormSet(
        request.POST or None,
        initial=None if request.method == "POST" else initial,
        prefix="lines",
        form_kwargs={"products": products},
    )
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        rows = [
            (f.cleaned_data["product"], f.cleaned_data["price"])
            for f in lines.forms
            if f.cleaned_data.get("product") and not f.cleaned_data.get("DELETE")
        ]
        try:
            services.pricelist_save(
                actor=request.user,
                data=form.data_for_service(),
                groups=form.cleaned_data["client_groups"],
                lines=rows,
                price_list=price_list,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The price list is saved."))
            return redirect("orders:pricelist-list")
    context = {
        "form": form,
        "lines": lines,
        "price_list": price_list,
        "section": "pricelists",
        "title": price_list.name if price_list else _("New price list"),
        **(history_context(price_list) if price_list else {}),
    }
    return render(request, "orders/catalogue/pricelist_form.html", context)


@require_http_methods(["GET", "POST"])
@permission_required(MANAGE_CATALOGUE, raise_exception=True)
def pricelist_create(request: HttpRequest) -> HttpResponse:
    return _pricelist_page(request, None)


@require_http_methods(["GET", "POST"])
@permission_required(MANAGE_CATALOGUE, raise_exception=True)
def pricelist_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _pricelist_page(request, get_object_or_404(PriceList, pk=pk))


# --- Price rules ----------------------------------------------------------------------------------
RULE_TEMPLATE = "orders/catalogue/rule_form.html"


@require_http_methods(["GET"])
@permission_required(MANAGE_RULES, raise_exception=True)
def rule_list(request: HttpRequest) -> HttpResponse:
    rules = PriceRule.objects.select_related("branch").order_by("position", "kind", "id")
    return render(request, "orders/catalogue/rule_list.html", {"rules": rules, "section": "rules"})


@require_http_methods(["GET", "POST"])
@permission_required(MANAGE_RULES, raise_exception=True)
def rule_create(request: HttpRequest) -> HttpResponse:
    initial_kind = request.GET.get("kind") or PriceRule.Kind.PER_KM
    return _edit(
        request,
        form_class=PriceRuleForm,
        instance=PriceRule(kind=initial_kind),
        save=lambda data: services.rule_save(actor=request.user, data=data),
        title=_("New price rule"),
        back="orders:rule-list",
        section="rules",
        saved=_("The price rule is saved."),
        template=RULE_TEMPLATE,
    )


@require_http_methods(["GET", "POST"])
@permission_required(MANAGE_RULES, raise_exception=True)
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(PriceRule, pk=pk)
    return _edit(
        request,
        form_class=PriceRuleForm,
        instance=rule,
        save=lambda data: services.rule_save(actor=request.user, data=data, rule=rule),
        title=rule.name,
        back="orders:rule-list",
        section="rules",
        saved=_("The price rule is saved."),
        template=RULE_TEMPLATE,
        history_target=rule,
    )


@require_POST
@permission_required(MANAGE_RULES, raise_exception=True)
def rule_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    services.rule_toggle(actor=request.user, rule=get_object_or_404(PriceRule, pk=pk))
    return redirect("orders:rule-list")


# --- Promo codes ----------------------------------------------------------------------------------
@require_http_methods(["GET"])
@permission_required(MANAGE_RULES, raise_exception=True)
def promo_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    promos = PromoCode.objects.annotate(
        use_count=Count("orders", filter=~Q(orders__status="cancelled"))
    ).order_by("-valid_to", "code")
    page = paginate(request, promos, per_page=50)
    for promo in page:
        promo.state = services.promo_state(promo, today)
    context = {"page": page, "qs": querystring_without_page(request), "section": "promos"}
    return render(request, "orders/catalogue/promo_list.html", context)


@require_http_methods(["GET", "POST"])
@permission_required(MANAGE_RULES, raise_exception=True)
def promo_create(request: HttpRequest) -> HttpResponse:
    return _edit(
        request,
        form_class=PromoCodeForm,
        instance=PromoCode(),
        save=lambda data: services.promo_save(actor=request.user, data=data),
        title=_("New promo code"),
        back="orders:promo-list",
        section="promos",
        saved=_("The promo code is saved."),
    )


@require_http_methods(["GET", "POST"])
@permission_required(MANAGE_RULES, raise_exception=True)
def promo_edit(request: HttpRequest, pk: int) -> HttpResponse:
    promo = get_object_or_404(PromoCode, pk=pk)
    return _edit(
        request,
        form_class=PromoCodeForm,
        instance=promo,
        save=lambda data: services.promo_save(actor=request.user, data=data, promo=promo),
        title=promo.code,
        back="orders:promo-list",
        section="promos",
        saved=_("The promo code is saved."),
        history_target=promo,
    )


@require_POST
@permission_required(MANAGE_RULES, raise_exception=True)
def promo_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    services.promo_toggle(actor=request.user, promo=get_object_or_404(PromoCode, pk=pk))
    return redirect("orders:promo-list")


# --- Bonus rules ----------------------------------------------------------------------------------
@require_http_methods(["GET"])
@permission_required(MANAGE_RULES, raise_exception=True)
def bonus_list(request: HttpRequest) -> HttpResponse:
    rules = (
        BonusRule.objects.select_related("product", "gift_product")
        .annotate(client_count=Count("counters"))
        .order_by("name", "id")
    )
    return render(request, "orders/catalogue/bonus_list.html", {"rules": rules, "section": "bonus"})


@require_http_methods(["GET", "POST"])
@permission_required(MANAGE_RULES, raise_exception=True)
def bonus_create(request: HttpRequest) -> HttpResponse:
    return _edit(
        request,
        form_class=BonusRuleForm,
        instance=BonusRule(),
        save=lambda data: services.bonus_save(actor=request.user, data=data),
        title=_("New bonus rule"),
        back="orders:bonus-list",
        section="bonus",
        saved=_("The bonus rule is saved."),
    )


@require_http_methods(["GET", "POST"])
@permission_required(MANAGE_RULES, raise_exception=True)
def bonus_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(BonusRule, pk=pk)
    return _edit(
        request,
        form_class=BonusRuleForm,
        instance=rule,
        save=lambda data: services.bonus_save(actor=request.user, data=data, rule=rule),
        title=rule.name,
        back="orders:bonus-list",
        section="bonus",
        saved=_("The bonus rule is saved."),
        history_target=rule,
    )


@require_POST
@permission_required(MANAGE_RULES, raise_exception=True)
def bonus_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    services.bonus_toggle(actor=request.user, rule=get_object_or_404(BonusRule, pk=pk))
    return redirect("orders:bonus-list")
