"""Demo lab data (``manage.py seed_demo``): the household-chemicals side of the demo business —
a few chemical products in the catalogue and lab requests of the St Petersburg managers' clients
in every status, moved there through the services (so the history, the client timelines and the
cabinet's urgency look lived-in). Idempotent (skips when requests exist) and deterministic."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef
from django.utils import timezone

from clients.models import Client, ContactPerson
from crm.core.registry import register_seeder
from crm.orders.models import Product
from labs.models import LabRequest, RequestStatus
from labs.services import (
    lab_request_create,
    lab_request_save_result,
    lab_request_ship,
    lab_request_transition,
)
from labs.services.planning import branch_today

S = RequestStatus
PRODUCTS = [
    ("ХИМ-001", "Средство для мытья посуды «Лимон», 5 л", Decimal("420.00")),
    ("ХИМ-002", "Гель для стирки универсальный, 5 л", Decimal("690.00")),
    ("ХИМ-003", "Средство для мытья полов «Хвоя», 5 л", Decimal("380.00")),
    ("ХИМ-004", "Антижир для кухонь, 1 л", Decimal("310.00")),
]
COMPOSITIONS = [
    [
        ("Вода очищенная", "72"),
        ("ЛАС (алкилбензолсульфокислота)", "12"),
        ("Лауретсульфат натрия", "8"),
        ("Кокамидопропилбетаин", "4"),
        ("Натрий хлористый", "2.5"),
        ("Отдушка «Лимон»", "0.8"),
        ("Консервант", "0.5"),
        ("Краситель пищевой", "0.2"),
    ],
    [
        ("Вода очищенная", "64"),
        ("Неионогенные ПАВ", "18"),
        ("Мыло калийное", "10"),
        ("Энзимы", "3"),
        ("Глицерин", "4"),
        ("Отдушка «Свежесть»", "1"),
    ],
]
WISHES = [
    (
        "Для сети кафе, мойка посуды вручную",
        "500 канистр в месяц",
        "Канистра 5 л, своя этикетка",
        "Как у Grass, но дешевле",
        "Grass Velly, 5 л",
    ),
    (
        "Прачечная при гостинице",
        "200 канистр в месяц",
        "Канистра 5 л",
        "Без фосфатов, гипоаллергенный",
        "Synergetic, 5 л",
    ),
    (
        "Клининговая компания, офисы",
        "300 канистр в квартал",
        "Канистра 5 л, белая",
        "Хвойный запах, без разводов",
        "Mr. Proper, 5 л",
    ),
    (
        "Столовая завода",
        "100 флаконов в месяц",
        "Флакон 1 л с триггером",
        "Сильное средство против жира",
        "Шуманит, 0,75 л",
    ),
]
#: (kind, final status) of each demo request, in creation order
PLAN = [
    ("calculation", S.DRAFT),
    ("calculation", S.SENT),
    ("calculation", S.IN_WORK),
    ("calculation", S.RETURNED),
    ("calculation", S.CALCULATED),
    ("calculation", S.CLOSED),
    ("calculation", S.REJECTED),
    ("calculation", S.CALCULATED),
    ("sample", S.DRAFT),
    ("sample", S.SENT),
    ("sample", S.IN_WORK),
    ("sample", S.SAMPLE_MADE),
    ("sample", S.SHIPPED),
    ("sample", S.RECEIVED),
    ("sample", S.CLOSED),
]


def _products() -> list[Product]:
    found = []
    for code, name, price in PRODUCTS:
        product, _created = Product.objects.get_or_create(
            code=code, defaults={"name": name, "price": price, "unit": "pcs"}
        )
        found.append(product)
    return found


def _clients(branch: Any, manager: Any) -> list[Client]:
    with_receiver = ContactPerson.objects.filter(client=OuterRef("pk")).exclude(phone="")
    return list(
        Client.objects.filter(branch=branch, manager=manager, is_archived=False)
        .filter(Exists(with_receiver), addresses__isnull=False)
        .distinct()
        .order_by("pk")[:8]
    )


def _answer(lab: Any, request: LabRequest, rng: Any) -> None:
    composition = COMPOSITIONS[rng.randrange(len(COMPOSITIONS))]
    cost = Decimal(rng.randint(9000, 26000)) / 100
    lab_request_save_result(
        actor=lab,
        request=request,
        components=[{"name": n, "percent": Decimal(p)} for n, p in composition],
        cost_per_unit=cost,
        price_suggestion=(cost * Decimal("1.45")).quantize(Decimal("0.01")),
        lab_comment="Рецептура подобрана под жёсткую воду, pH 7,5.",
    )


def _walk(ctx: Any, request: LabRequest, final: str, people: dict[str, Any]) -> LabRequest:
    manager, lab, director = people["manager"], people["lab"], people["director"]
    move = lab_request_transition
    if final == S.DRAFT:
        return request
    request = move(actor=manager, request=request, target=S.SENT)
    if final == S.SENT:
        return request
    if final == S.RETURNED:
        reason = "Уточните целевую цену и объём партии — без них не считаем."
        return move(actor=lab, request=request, target=S.RETURNED, reason=reason)
    request = move(actor=lab, request=request, target=S.IN_WORK)
    if final == S.IN_WORK:
        return request
    if final == S.REJECTED:
        reason = "Такой рецептуры без фосфатов в целевую цену не сделать."
        return move(actor=director, request=request, target=S.REJECTED, reason=reason)
    _answer(lab, request, ctx.rng)
    done = S.SAMPLE_MADE if request.is_sample else S.CALCULATED
    request = move(actor=lab, request=request, target=done)
    if final == done:
        return request
    if request.is_sample:
        track = f"8010{ctx.rng.randint(10**9, 10**10 - 1)}"
        request = lab_request_ship(
            actor=manager, request=request, method="post", tracking_number=track
        )
        if final == S.SHIPPED:
            return request
        request = move(actor=manager, request=request, target=S.RECEIVED)
        if final == S.RECEIVED:
            return request
    return move(actor=manager, request=request, target=S.CLOSED)


@register_seeder("labs", order=75)
def seed_labs(ctx: Any) -> None:
    branch = ctx.branches["spb"]
    if LabRequest.objects.filter(branch=branch).exists():
        return
    people = {k: ctx.users[k] for k in ("manager", "lab", "director")}
    clients = _clients(branch, people["manager"])
    if not clients:
        return
    products = _products()
    today = branch_today(branch)
    calculations: list[LabRequest] = []
    for index, (kind, final) in enumerate(PLAN):
        client = clients[index % len(clients)]
        purpose, volume, packaging, wishes, competitor = WISHES[index % len(WISHES)]
        data = {
            "product": products[index % len(products)],
            "purpose": purpose,
            "volume": volume,
            "packaging": packaging,
            "wishes": wishes,
            "competitor_reference": competitor,
            "target_price": Decimal(ctx.rng.choice([250, 300, 350, 450])),
            "deadline": today + datetime.timedelta(days=ctx.rng.randint(2, 20)),
        }
        based_on = None
        if kind == "sample":
            done = [c for c in calculations if c.status in (S.CALCULATED, S.CLOSED)]
            based_on = done[index % len(done)] if done else None
            client = based_on.client if based_on else client
            data.update(
                sample_quantity="2 канистры по 5 л",
                ship_address=client.addresses.exclude(address="").first(),
                receiver=client.contacts.exclude(phone="").first(),
            )
        request = lab_request_create(
            actor=people["manager"], client=client, kind=kind, data=data, based_on=based_on
        )
        request = _walk(ctx, request, final, people)
        if kind == "calculation":
            calculations.append(request)
    _age(branch, today)


def _age(branch: Any, today: datetime.date) -> None:
    """Spread the demo requests over the last weeks so ages, turnaround and overdue marks show
    (one request at the lab is late on purpose)."""
    now = timezone.now()
    for n, request in enumerate(LabRequest.objects.filter(branch=branch).order_by("pk")):
        shift = datetime.timedelta(days=(15 - n) * 3)
        fields = {"created_at": now - shift - datetime.timedelta(hours=2)}
        if request.sent_at:
            fields["sent_at"] = now - shift
        if request.completed_at:
            fields["completed_at"] = now - shift + datetime.timedelta(days=2 + n % 4)
        LabRequest.objects.filter(pk=request.pk).update(**fields)
    late = LabRequest.objects.filter(branch=branch, status=S.IN_WORK).order_by("pk").first()
    if late is not None:
        LabRequest.objects.filter(pk=late.pk).update(
            planned_date=today - datetime.timedelta(days=2),
            deadline=today - datetime.timedelta(days=1),
        )
