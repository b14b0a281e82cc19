"""Demo staff schedules (``manage.py seed_demo``): shift templates of the St Petersburg branch,
applied to the staff who work in shifts from the first of last month to the end of next month,
a few days off (a sick day, a vacation week, a request waiting for HR). Sales keep only their
working-day buttons, so lead distribution in the demo is not tied to a calendar. Idempotent."""

from __future__ import annotations

import datetime
from typing import Any

from crm.core.registry import register_seeder

TEMPLATES = [
    # name, cycle, starts, ends
    ("5/2 офис", "WWWWWOO", datetime.time(9, 0), datetime.time(18, 0)),
    ("2/2 водители", "WWOO", datetime.time(8, 0), datetime.time(20, 0)),
    ("3/3 склад", "WWWOOO", datetime.time(8, 0), datetime.time(20, 0)),
    ("Ночь 2/2", "WWOO", datetime.time(20, 0), datetime.time(8, 0)),
]
PLAN = {
    # template name -> usernames
    "5/2 офис": ["operator", "dispatcher", "accountant", "lab", "hr"],
    "2/2 водители": ["driver", "driver2"],
    "3/3 склад": ["storekeeper"],
}


def _first_of_last_month(today: datetime.date) -> datetime.date:
    return (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def _end_of_next_month(today: datetime.date) -> datetime.date:
    index = today.year * 12 + today.month + 1  # the month after next, 0-based month
    return datetime.date(index // 12, index % 12 + 1, 1) - datetime.timedelta(days=1)


@register_seeder("schedules", order=15)
def seed_schedules(ctx: Any) -> None:
    from crm.accounts.models_schedules import ShiftTemplate, StaffProfile, TimeOff, TimeOffKind
    from crm.accounts.services_schedules import schedule_apply, schedule_cell_set, time_off_request
    from crm.accounts.workday import today_for

    users = getattr(ctx, "users", {})
    hr = users.get("hr") or users.get("admin")
    branch = ctx.branches["spb"]
    today = today_for(branch)
    templates = {}
    for name, cycle, starts, ends in TEMPLATES:
        templates[name], _created = ShiftTemplate.objects.update_or_create(
            branch=branch,
            name=name,
            defaults={"cycle": cycle, "starts_at": starts, "ends_at": ends},
        )
    start, end = _first_of_last_month(today), _end_of_next_month(today)
    monday = start - datetime.timedelta(days=start.weekday())
    for name, usernames in PLAN.items():
        people = [users[u] for u in usernames if u in users]
        # 5/2 counts from a Monday; 2/2 and 3/3 so that today is a working day for the demo
        first = (
            monday
            if name.startswith("5/2")
            else today
            - datetime.timedelta(
                days=((today - start).days // len(templates[name].cycle))
                * len(templates[name].cycle)
            )
        )
        schedule_apply(actor=hr, template=templates[name], users=people, start=first, end=end)
    for username in users:
        StaffProfile.objects.get_or_create(
            user=users[username],
            defaults={
                "vacation_days_per_year": 28,
                "employed_since": datetime.date(today.year - 1 - ctx.rng.randint(0, 3), 3, 1),
            },
        )
    if "storekeeper" in users:
        for offset in range(7, 14):
            schedule_cell_set(
                actor=hr,
                user=users["storekeeper"],
                day=today + datetime.timedelta(days=offset),
                action=TimeOffKind.VACATION,
            )
    if "lab" in users:
        schedule_cell_set(
            actor=hr,
            user=users["lab"],
            day=today - datetime.timedelta(days=3),
            action=TimeOffKind.SICK,
            note="Больничный лист",
        )
    if "accountant" in users:
        wanted = today + datetime.timedelta(days=10)
        exists = TimeOff.objects.filter(user=users["accountant"], day=wanted).exists()
        if not exists:
            time_off_request(actor=users["accountant"], day=wanted, note="Семейные обстоятельства")
