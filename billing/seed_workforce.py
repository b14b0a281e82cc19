"""Demo workforce (``manage.py seed_demo``): skills and categories of the field staff, pay rules
of the St Petersburg branch, the storekeeper-loader's jobs (done yesterday with real times,
assigned today and tomorrow, a message from the dispatcher), the month's pay computed, an advance
and a closed cash day yesterday. Deterministic and idempotent."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from typing import Any

from crm.core.registry import register_seeder

SKILLS = ["Грузчик", "Такелажник", "Допуск ДОПОГ (опасные грузы)", "Водитель кат. C", "Флорист"]
PROFILES = {
    # username: (category, skills)
    "driver": ("Водитель-экспедитор", ["Водитель кат. C", "Грузчик"]),
    "driver2": ("Водитель-экспедитор", ["Водитель кат. C", "Допуск ДОПОГ (опасные грузы)"]),
    "storekeeper": ("Старший грузчик", ["Грузчик", "Такелажник"]),
}
RULES = [
    # name, role, category, kind, rate, night rate, weekend %
    ("Грузчик — час", "storekeeper", "", "hour", "350", "450", "0"),
    ("Выход на заказ", "storekeeper", "", "job_fixed", "500", None, "25"),
    ("Бригадиру — % заказа", "", "Старший грузчик", "job_percent", "5", None, "0"),
    ("Водитель — км", "driver", "", "km", "12", None, "0"),
    ("Водитель — точка", "driver", "", "stop", "60", None, "0"),
]
ADVANCE_KEY = uuid.UUID("5f0c1c1e-0000-4000-8000-00000000a001")


def _profiles(users: dict) -> None:
    from crm.accounts.models_schedules import StaffProfile
    from crm.accounts.models_skills import Skill

    skills = {name: Skill.objects.get_or_create(name=name)[0] for name in SKILLS}
    for username, (category, names) in PROFILES.items():
        if username in users:
            profile, _created = StaffProfile.objects.get_or_create(user=users[username])
            profile.category = category
            profile.save(update_fields=["category"])
            profile.skills.set([skills[n] for n in names])


def _rules(branch: Any) -> None:
    from billing.models_pay import PayRule

    for name, role, category, kind, rate, night, weekend in RULES:
        PayRule.objects.get_or_create(
            branch=branch,
            name=name,
            defaults={
                "role": role,
                "category": category,
                "kind": kind,
                "rate": Decimal(rate),
                "night_rate": Decimal(night) if night else None,
                "weekend_surcharge_pct": Decimal(weekend),
            },
        )


def _jobs(branch: Any, users: dict, today: datetime.date) -> None:
    from crm.orders.models import Order
    from crm.orders.models_workers import WorkerAssignment
    from crm.orders.services.workers import assignment_move, worker_message_send

    worker, dispatcher = users.get("storekeeper"), users.get("dispatcher")
    if (
        worker is None
        or dispatcher is None
        or WorkerAssignment.objects.filter(worker=worker).exists()
    ):
        return
    tz = branch.tzinfo
    for offset, count in ((-1, 3), (0, 1), (1, 2)):
        day = today + datetime.timedelta(days=offset)
        orders = Order.objects.filter(branch=branch, date=day).order_by("pk")[:count]
        for index, order in enumerate(orders):
            job = WorkerAssignment.objects.create(
                order=order, worker=worker, assigned_by=dispatcher
            )
            if offset < 0:
                start = datetime.datetime.combine(
                    day, datetime.time(9 + 3 * index, 10 * index), tzinfo=tz
                )
                assignment_move(actor=worker, assignment=job, action="start", at=start)
                assignment_move(
                    actor=worker,
                    assignment=job,
                    action="finish",
                    at=start + datetime.timedelta(hours=2),
                )
            elif index == 0:
                worker_message_send(
                    actor=dispatcher, assignment=job, body="Возьмите ремни и тележку, лифта нет."
                )


def _pay_and_cash(branch: Any, users: dict, today: datetime.date) -> None:
    from billing.models_cash import CashEntry
    from billing.services.cash import cash_day_close, cash_entry_add
    from billing.services.pay import pay_compute, payout_record

    accountant, worker = users.get("accountant"), users.get("storekeeper")
    if accountant is None or worker is None:
        return
    first = today.replace(day=1) if today.day > 1 else today - datetime.timedelta(days=1)
    pay_compute(actor=accountant, branch=branch, start=first.replace(day=1), end=today)
    payout_record(
        actor=accountant,
        branch=branch,
        employee=worker,
        start=first.replace(day=1),
        end=today,
        key=ADVANCE_KEY,
        kind="advance",
        amount=Decimal("1500"),
        note="Аванс",
    )
    yesterday = today - datetime.timedelta(days=1)
    if CashEntry.objects.filter(branch=branch).exists():
        return
    cash_entry_add(
        actor=accountant,
        branch=branch,
        day=yesterday,
        kind="other_in",
        amount=Decimal("10000"),
        note="Размен из банка",
    )
    cash_entry_add(
        actor=accountant,
        branch=branch,
        day=yesterday,
        kind="expense",
        amount=Decimal("2350.00"),
        category="Топливо",
        note="АЗС Лукойл",
    )
    cash_entry_add(
        actor=accountant,
        branch=branch,
        day=yesterday,
        kind="payout",
        amount=Decimal("1500"),
        employee=worker,
        note="Аванс наличными",
    )
    cash_day_close(actor=accountant, branch=branch, day=yesterday)


@register_seeder("workforce", order=72)
def seed_workforce(ctx: Any) -> None:
    from crm.accounts.workday import today_for

    users = getattr(ctx, "users", {})
    branch = ctx.branches["spb"]
    today = today_for(branch)
    _profiles(users)
    _rules(branch)
    _jobs(branch, users, today)
    _pay_and_cash(branch, users, today)
