"""Demo: fuel figures on the vans, the big van's equipment, a territory (Vasilyevsky Island is
served by the two Gazelles) and a product that needs an ADR van. Runs after today's plan is made
(and published), so only later plans feel the rules. Idempotent."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from crm.core.registry import register_seeder
from crm.orders.models import Product
from routes.models import ProductRequirement, Territory, Vehicle, VehicleSkill

#: plate -> (litres per 100 km, equipment)
FUEL_AND_EQUIPMENT = {
    "А101ВС178": ("13.50", []),
    "В202ЕК178": ("13.50", []),
    "Е303КМ178": ("8.50", []),
    "К404МН178": ("16.00", [VehicleSkill.TAIL_LIFT, VehicleSkill.DANGEROUS_GOODS]),
}
FUEL_PRICE = Decimal("64.20")
VASILYEVSKY = [
    [59.9560, 30.2200],
    [59.9560, 30.2950],
    [59.9440, 30.3100],
    [59.9330, 30.2900],
    [59.9280, 30.2450],
    [59.9350, 30.2200],
]
ADR_PRODUCT = ("disinfectant-20", "Дезинфицирующее средство, канистра 20 л", "2100.00", "22")


@register_seeder("routes-rules", order=66)
def seed_route_rules(ctx: Any) -> None:
    spb = ctx.branches["spb"]
    vans = {v.plate: v for v in Vehicle.objects.filter(branch=spb)}
    for plate, (litres, skills) in FUEL_AND_EQUIPMENT.items():
        van = vans.get(plate)
        if van is not None and not van.fuel_per_100km:
            van.fuel_per_100km = Decimal(litres)
            van.fuel_price = FUEL_PRICE
            van.skills = [str(s) for s in skills]
            van.save(update_fields=["fuel_per_100km", "fuel_price", "skills"])
    territory, created = Territory.objects.get_or_create(
        branch=spb,
        name="Васильевский остров",
        defaults={"polygon": VASILYEVSKY, "colour": "#8250df", "position": 1},
    )
    if created:
        territory.vehicles.set([vans[p] for p in ("А101ВС178", "В202ЕК178") if p in vans])
    code, name, price, weight = ADR_PRODUCT
    product, _created = Product.objects.get_or_create(
        code=code,
        defaults={"name": name, "price": Decimal(price), "weight_kg": Decimal(weight)},
    )
    ProductRequirement.objects.get_or_create(product=product, skill=VehicleSkill.DANGEROUS_GOODS)
