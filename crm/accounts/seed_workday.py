"""Demo working day (``manage.py seed_demo``): the St Petersburg managers have started today,
so requests arriving from the website or the API are shared out between them at once (the
fairness page and the header show who works). Idempotent."""

from __future__ import annotations

from typing import Any

from crm.core.registry import register_seeder


@register_seeder("workday", order=86)
def seed_workday(ctx: Any) -> None:
    from crm.accounts.workday import is_working, workday_start

    for username in ("manager", "manager2"):
        user = getattr(ctx, "users", {}).get(username)
        if user is not None and not is_working(user):
            workday_start(user=user)
