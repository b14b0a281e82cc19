"""The demo business's branches and staff (one user per role), for ``manage.py seed_demo``."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from crm.accounts.models import Branch, User
from crm.accounts.roles import Role
from crm.accounts.services import _sync_role_group
from crm.core.registry import register_seeder
from crm.core.services import notification_send, timeline_add

DEMO_PASSWORD = "kolo-demo-2026"

BRANCHES = [
    # code, name, city, address
    ("spb", "Kolo Санкт-Петербург", "Санкт-Петербург", "Санкт-Петербург, Кожевенная линия, 34"),
    ("msk", "Kolo Москва", "Москва", "Москва, ул. Складочная, 1"),
]

DEMO_STAFF = [
    # username, role, first name, last name, branch code
    ("admin", Role.ADMIN, "Анна", "Админова", "spb"),
    ("director", Role.DIRECTOR, "Дмитрий", "Волков", "spb"),
    ("sales_head", Role.HEAD_OF_SALES, "Елена", "Смирнова", "spb"),
    ("manager", Role.MANAGER, "Мария", "Кузнецова", "spb"),
    ("manager2", Role.MANAGER, "Олег", "Попов", "spb"),
    ("operator", Role.OPERATOR, "Ирина", "Соколова", "spb"),
    ("dispatcher", Role.DISPATCHER, "Павел", "Лебедев", "spb"),
    ("driver", Role.DRIVER, "Сергей", "Козлов", "spb"),
    ("driver2", Role.DRIVER, "Алексей", "Новиков", "spb"),
    ("lab", Role.LAB_TECHNICIAN, "Татьяна", "Морозова", "spb"),
    ("storekeeper", Role.STOREKEEPER, "Николай", "Петров", "spb"),
    ("accountant", Role.ACCOUNTANT, "Ольга", "Васильева", "spb"),
    ("manager_msk", Role.MANAGER, "Виктор", "Фёдоров", "msk"),
    ("hr", Role.HR, "Светлана", "Егорова", "spb"),
]


@register_seeder("accounts", order=10)
def seed_accounts(ctx: Any) -> None:
    branches = {}
    for code, name, city, address in BRANCHES:
        branches[code], _created = Branch.objects.update_or_create(
            code=code,
            defaults={"name": name, "city": city, "address": address, "timezone": "Europe/Moscow"},
        )
    users = {}
    for username, role, first, last, branch_code in DEMO_STAFF:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "role": role,
                "first_name": first,
                "last_name": last,
                "branch": branches[branch_code],
                "email": f"{username}@demo.kolo.local",
                "phone": f"+7921{ctx.rng.randint(1000000, 9999999)}",
                "language": "ru",
                "is_staff": role == Role.ADMIN,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        _sync_role_group(user)
        users[username] = user
    ctx.branches = branches
    ctx.users = users
    ctx.credentials = [(u, DEMO_PASSWORD, str(r.label)) for u, r, *_rest in DEMO_STAFF]
    admin = users["admin"]
    timeline_add(
        actor=admin,
        target=users["driver"],
        body="Медкомиссия пройдена, права категории C до 2029 года.",
    )
    notification_send(
        recipient=admin,
        title=_("Welcome to Kolo"),
        body=_("The demo business is ready: open Staff to see everyone."),
    )
