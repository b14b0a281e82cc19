"""Writes of the catalogue and pricing settings: products, price lists, price rules, promo codes,
bonus rules and client groups.

Each ``*_save`` validates everything first (a ``ValidationError`` keyed by field, in words an admin
can act on), saves atomically, and writes a history row with the changed fields — prices, rates
and percentages included — so "who changed the price of a bottle, and when" has an answer."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from clients.models import ClientGroup
from crm.core.models import AuditEntry
from crm.core.services import audit_record, diff, snapshot
from crm.orders.models import (
    BonusRule,
    OrderType,
    PaymentMethod,
    PriceList,
    PriceListItem,
    PriceRule,
    Product,
    PromoCode,
)
from crm.orders.roles import MANAGE_CATALOGUE, MANAGE_RULES

Errors = dict[str, list[str]]

PRODUCT_FIELDS = [
    "code",
    "name",
    "kind",
    "unit",
    "price",
    "vat_rate",
    "is_returnable",
    "deposit_price",
    "duration_minutes",
    "weight_kg",
    "is_active",
    "description",
]
PRICELIST_FIELDS = ["name", "valid_from", "valid_to", "is_active"]
RULE_FIELDS = [
    "name",
    "kind",
    "branch",
    "order_types",
    "is_active",
    "position",
    "client_rate",
    "worker_rate",
    "amount",
    "percent",
    "minimum",
    "time_from",
    "time_to",
    "weekdays",
    "polygon",
    "payment_method",
]
PROMO_FIELDS = [
    "code",
    "description",
    "percent",
    "amount",
    "min_order_amount",
    "valid_from",
    "valid_to",
    "max_uses",
    "is_active",
]
BONUS_FIELDS = ["name", "product", "every_n", "gift_product", "gift_quantity", "is_active"]

K = PriceRule.Kind
#: The settings each kind reads; the others are reset so no stale value lingers on a rule.
RULE_KIND_FIELDS: dict[str, set[str]] = {
    K.PER_KM: {"client_rate", "worker_rate"},
    K.PER_HOUR: {"client_rate", "worker_rate"},
    K.MIN_AMOUNT: {"minimum"},
    K.MIN_HOURS: {"minimum"},
    K.NIGHT: {"percent", "amount", "worker_rate", "time_from", "time_to"},
    K.WEEKEND: {"percent", "amount", "worker_rate", "weekdays"},
    K.ZONE: {"percent", "amount", "worker_rate", "polygon"},
    K.EXPRESS: {"percent", "amount", "worker_rate"},
    K.PAYMENT: {"percent", "amount", "payment_method"},
}
RULE_SETTINGS = {
    "client_rate": Decimal("0"),
    "worker_rate": Decimal("0"),
    "amount": Decimal("0"),
    "percent": Decimal("0"),
    "minimum": Decimal("0"),
    "time_from": None,
    "time_to": None,
    "weekdays": [],
    "polygon": [],
    "payment_method": "",
}


# --- Checks shared by the forms and the services --------------------------------------------------
def money_problem(value: Any, *, negative: bool = False, places: int = 2) -> str:
    """Why ``value`` is not a valid amount (empty string when it is)."""
    if value is None or value == "":
        return _("Enter an amount.")
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return _("Enter a number, e.g. 350.00.")
    if not number.is_finite():
        return _("Enter a number, e.g. 350.00.")
    if number.as_tuple().exponent < -places:
        return _("At most %(n)s decimal places.") % {"n": places}
    if not negative and number < 0:
        return _("Cannot be negative.")
    if abs(number) >= Decimal("1e12"):
        return _("The number is too big.")
    return ""


def _check_money(errors: Errors, obj: Any, names: Iterable[str], **kwargs: Any) -> None:
    for name in names:
        problem = money_problem(getattr(obj, name), **kwargs)
        if problem:
            errors.setdefault(name, []).append(problem)


def _require(actor: Any, perm: str) -> None:
    if actor is not None and not actor.has_perm(perm):
        raise PermissionDenied


def _taken(model: type[models.Model], field: str, value: str, pk: int | None) -> bool:
    return model.objects.filter(**{f"{field}__iexact": value}).exclude(pk=pk).exists()


def _normalise_decimals(instance: models.Model, fields: list[str]) -> None:
    """370 → 370.00, so the history and the page show what the database keeps."""
    for name in fields:
        field = instance._meta.get_field(name)
        value = getattr(instance, name)
        if isinstance(field, models.DecimalField) and value is not None:
            step = Decimal(1).scaleb(-field.decimal_places)
            setattr(instance, name, Decimal(str(value)).quantize(step))


def _save(
    *,
    actor: Any,
    instance: models.Model,
    data: dict[str, Any],
    fields: list[str],
    validate: Callable[[Any], Errors],
    after_save: Callable[[Any], dict[str, Any]] | None = None,
) -> Any:
    """Set ``fields`` from ``data``, validate, save, record the change in the history."""
    creating = instance.pk is None
    before = {} if creating else snapshot(instance, fields)
    for name in fields:
        if name in data:
            setattr(instance, name, data[name])
    errors = validate(instance)
    if errors:
        raise ValidationError(errors)
    _normalise_decimals(instance, fields)
    instance.save()
    after = snapshot(instance, fields)
    extra = after_save(instance) if after_save else {}
    audit_record(
        actor=actor,
        instance=instance,
        action=AuditEntry.Action.CREATE if creating else AuditEntry.Action.UPDATE,
        changes={**diff(before, after), **extra},
    )
    return instance


def _toggle(actor: Any, instance: Any) -> Any:
    before = snapshot(instance, ["is_active"])
    instance.is_active = not instance.is_active
    instance.save(update_fields=["is_active"])
    audit_record(
        actor=actor, instance=instance, changes=diff(before, {"is_active": instance.is_active})
    )
    return instance


# --- Products -------------------------------------------------------------------------------------
def validate_product(product: Product) -> Errors:
    errors: Errors = {}
    product.code = (product.code or "").strip()
    product.name = (product.name or "").strip()
    if not product.code:
        errors["code"] = [_("Enter the code.")]
    elif _taken(Product, "code", product.code, product.pk):
        errors["code"] = [
            _("Another product already has the code “%(code)s”.") % {"code": product.code}
        ]
    if not product.name:
        errors["name"] = [_("Enter the name.")]
    _check_money(errors, product, ["price", "deposit_price"])
    if not errors.get("deposit_price") and product.deposit_price and not product.is_returnable:
        errors["deposit_price"] = [_("A deposit is only for returnable containers (tick the box).")]
    return errors


@transaction.atomic
def product_save(*, actor: Any, data: dict[str, Any], product: Product | None = None) -> Product:
    _require(actor, MANAGE_CATALOGUE)
    return _save(
        actor=actor,
        instance=product or Product(),
        data=data,
        fields=PRODUCT_FIELDS,
        validate=validate_product,
    )


@transaction.atomic
def product_toggle(*, actor: Any, product: Product) -> Product:
    _require(actor, MANAGE_CATALOGUE)
    return _toggle(actor, product)


# --- Client groups and price lists ----------------------------------------------------------------
@transaction.atomic
def clientgroup_save(*, actor: Any, name: str, group: ClientGroup | None = None) -> ClientGroup:
    _require(actor, MANAGE_CATALOGUE)

    def validate(obj: ClientGroup) -> Errors:
        obj.name = (obj.name or "").strip()
        if not obj.name:
            return {"name": [_("Enter the name.")]}
        if _taken(ClientGroup, "name", obj.name, obj.pk):
            return {"name": [_("The group “%(name)s” already exists.") % {"name": obj.name}]}
        return {}

    return _save(
        actor=actor,
        instance=group or ClientGroup(),
        data={"name": name},
        fields=["name"],
        validate=validate,
    )


def validate_price_list(price_list: PriceList) -> Errors:
    errors: Errors = {}
    price_list.name = (price_list.name or "").strip()
    if not price_list.name:
        errors["name"] = [_("Enter the name.")]
    if (
        price_list.valid_from
        and price_list.valid_to
        and price_list.valid_from > price_list.valid_to
    ):
        errors["valid_to"] = [_("The end date is before the start date.")]
    return errors


def _validate_lines(lines: list[tuple[Product, Any]]) -> list[str]:
    problems = []
    seen: set[int] = set()
    for product, price in lines:
        problem = money_problem(price)
        if problem:
            problems.append(f"{product.name}: {problem}")
        if product.pk in seen:
            problems.append(_("%(name)s is listed twice.") % {"name": product.name})
        seen.add(product.pk)
    return problems


@transaction.atomic
def pricelist_save(
    *,
    actor: Any,
    data: dict[str, Any],
    groups: Iterable[ClientGroup],
    lines: list[tuple[Product, Any]],
    price_list: PriceList | None = None,
) -> PriceList:
    """Save the list, its client groups and all its lines (replacing the old ones) at once."""
    _require(actor, MANAGE_CATALOGUE)
    line_errors = _validate_lines(lines)
    if line_errors:
        errors = validate_price_list(
            PriceList(**{k: data.get(k) for k in ["name", "valid_from", "valid_to"]})
        )
        raise ValidationError({**errors, "lines": line_errors})
    groups = list(groups)
    old_lines = (
        {i.product.name: str(i.price) for i in price_list.items.select_related("product")}
        if price_list
        else {}
    )
    old_groups = sorted(g.name for g in price_list.client_groups.all()) if price_list else []

    def after_save(obj: PriceList) -> dict[str, Any]:
        obj.client_groups.set(groups)
        obj.items.all().delete()
        PriceListItem.objects.bulk_create(
            PriceListItem(price_list=obj, product=p, price=Decimal(str(price)))
            for p, price in lines
        )
        changes = diff(
            {"client_groups": old_groups, "lines": old_lines},
            {
                "client_groups": sorted(g.name for g in groups),
                "lines": {p.name: str(Decimal(str(price))) for p, price in lines},
            },
        )
        return changes

    return _save(
        actor=actor,
        instance=price_list or PriceList(),
        data=data,
        fields=PRICELIST_FIELDS,
        validate=validate_price_list,
        after_save=after_save,
    )


# --- Price rules ----------------------------------------------------------------------------------
def _polygon_problem(polygon: Any) -> str:
    if not isinstance(polygon, list) or len(polygon) < 3:
        return _("Draw the zone on the map: at least 3 points.")
    for point in polygon:
        if not isinstance(point, list | tuple) or len(point) != 2:
            return _("The zone's points are not [latitude, longitude] pairs.")
        try:
            lat, lon = float(point[0]), float(point[1])
        except (TypeError, ValueError):
            return _("The zone's points are not [latitude, longitude] pairs.")
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            return _("A point of the zone is off the map.")
    return ""


def _percent_or_amount(errors: Errors, rule: PriceRule) -> None:
    ok = not errors.get("percent") and not errors.get("amount")
    if ok and bool(rule.percent) == bool(rule.amount):
        errors.setdefault("percent", []).append(
            _("Give either a percent or a fixed amount (one of them, not both).")
        )


def validate_rule(rule: PriceRule) -> Errors:
    """Per-kind checks: each kind needs its own settings, and nothing else is kept."""
    errors: Errors = {}
    rule.name = (rule.name or "").strip()
    if not rule.name:
        errors["name"] = [_("Enter the name.")]
    if rule.kind not in K.values:
        errors["kind"] = [_("Choose the kind of rule.")]
        return errors
    for name, default in RULE_SETTINGS.items():
        if name not in RULE_KIND_FIELDS[rule.kind]:
            setattr(rule, name, default)
    bad_types = [t for t in rule.order_types or [] if t not in OrderType.values]
    if bad_types:
        errors["order_types"] = [_("Unknown order type.")]
    _check_money(errors, rule, ["client_rate", "worker_rate", "minimum"])
    _check_money(errors, rule, ["amount", "percent"], negative=True)
    if not errors.get("percent") and not Decimal("-100") <= Decimal(rule.percent) <= 1000:
        errors["percent"] = [_("The percent must be between −100 and 1000.")]
    kind = rule.kind
    no_rate = not rule.client_rate and not rule.worker_rate
    if kind in (K.PER_KM, K.PER_HOUR) and not errors.get("client_rate") and no_rate:
        errors["client_rate"] = [_("Give the rate for the client (and the worker's, if paid).")]
    if kind in (K.MIN_AMOUNT, K.MIN_HOURS) and not errors.get("minimum") and not rule.minimum:
        errors["minimum"] = [_("Give the minimum.")]
    if kind == K.NIGHT:
        if rule.time_from is None or rule.time_to is None:
            errors["time_from"] = [_("Give the start and end of the night-time range.")]
        elif rule.time_from == rule.time_to:
            errors["time_to"] = [_("The range must not start and end at the same time.")]
    if kind == K.WEEKEND:
        days = rule.weekdays or []
        if not days:
            errors["weekdays"] = [_("Choose at least one day.")]
        elif any(not isinstance(d, int) or not 0 <= d <= 6 for d in days):
            errors["weekdays"] = [_("Unknown weekday.")]
        else:
            rule.weekdays = sorted(set(days))
    if kind == K.ZONE:
        problem = _polygon_problem(rule.polygon)
        if problem:
            errors["polygon"] = [problem]
        else:
            rule.polygon = [[round(float(a), 6), round(float(b), 6)] for a, b in rule.polygon]
    if kind == K.PAYMENT and rule.payment_method not in PaymentMethod.values:
        errors["payment_method"] = [_("Choose the payment method.")]
    if kind in (K.NIGHT, K.WEEKEND, K.ZONE, K.EXPRESS, K.PAYMENT):
        _percent_or_amount(errors, rule)
    return errors


@transaction.atomic
def rule_save(*, actor: Any, data: dict[str, Any], rule: PriceRule | None = None) -> PriceRule:
    _require(actor, MANAGE_RULES)
    return _save(
        actor=actor,
        instance=rule or PriceRule(),
        data=data,
        fields=RULE_FIELDS,
        validate=validate_rule,
    )


@transaction.atomic
def rule_toggle(*, actor: Any, rule: PriceRule) -> PriceRule:
    _require(actor, MANAGE_RULES)
    return _toggle(actor, rule)


# --- Promo codes ----------------------------------------------------------------------------------
def validate_promo(promo: PromoCode) -> Errors:
    errors: Errors = {}
    promo.code = (promo.code or "").strip()
    if not promo.code:
        errors["code"] = [_("Enter the code.")]
    elif " " in promo.code:
        errors["code"] = [_("A code has no spaces.")]
    elif _taken(PromoCode, "code", promo.code, promo.pk):
        errors["code"] = [
            _("The code “%(code)s” already exists (letter case does not matter).")
            % {"code": promo.code}
        ]
    _check_money(errors, promo, ["percent", "amount", "min_order_amount"])
    if not errors.get("percent") and Decimal(promo.percent) > 100:
        errors["percent"] = [_("At most 100%.")]
    if (
        not errors.get("percent")
        and not errors.get("amount")
        and not promo.percent
        and not promo.amount
    ):
        errors["percent"] = [_("Give a discount: a percent, a fixed amount or both.")]
    if promo.valid_from is None:
        errors["valid_from"] = [_("Enter the first day of validity.")]
    if promo.valid_to is None:
        errors["valid_to"] = [_("Enter the last day of validity.")]
    elif promo.valid_from and promo.valid_from > promo.valid_to:
        errors["valid_to"] = [_("The end date is before the start date.")]
    return errors


@transaction.atomic
def promo_save(*, actor: Any, data: dict[str, Any], promo: PromoCode | None = None) -> PromoCode:
    _require(actor, MANAGE_RULES)
    return _save(
        actor=actor,
        instance=promo or PromoCode(),
        data=data,
        fields=PROMO_FIELDS,
        validate=validate_promo,
    )


@transaction.atomic
def promo_toggle(*, actor: Any, promo: PromoCode) -> PromoCode:
    _require(actor, MANAGE_RULES)
    return _toggle(actor, promo)


def promo_state(promo: PromoCode, today: datetime.date) -> str:
    """ "active", "expired", "future" or "off" — for the list's badge."""
    if not promo.is_active:
        return "off"
    if promo.valid_to < today:
        return "expired"
    if promo.valid_from > today:
        return "future"
    return "active"


# --- Bonus rules ----------------------------------------------------------------------------------
def validate_bonus(rule: BonusRule) -> Errors:
    errors: Errors = {}
    rule.name = (rule.name or "").strip()
    if not rule.name:
        errors["name"] = [_("Enter the name.")]
    if rule.product_id is None:
        errors["product"] = [_("Choose the product that is counted.")]
    if rule.gift_product_id is None:
        errors["gift_product"] = [_("Choose the gift.")]
    if rule.every_n is None or rule.every_n < 2:
        errors["every_n"] = [_("At least every 2nd unit.")]
    if rule.gift_quantity is None or rule.gift_quantity <= 0:
        errors["gift_quantity"] = [_("The gift quantity must be more than zero.")]
    else:
        problem = money_problem(rule.gift_quantity, places=3)
        if problem:
            errors["gift_quantity"] = [problem]
    return errors


@transaction.atomic
def bonus_save(*, actor: Any, data: dict[str, Any], rule: BonusRule | None = None) -> BonusRule:
    _require(actor, MANAGE_RULES)
    return _save(
        actor=actor,
        instance=rule or BonusRule(),
        data=data,
        fields=BONUS_FIELDS,
        validate=validate_bonus,
    )


@transaction.atomic
def bonus_toggle(*, actor: Any, rule: BonusRule) -> BonusRule:
    _require(actor, MANAGE_RULES)
    return _toggle(actor, rule)
