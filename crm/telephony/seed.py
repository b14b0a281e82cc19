"""Demo telephony (``manage.py seed_demo``): the St Petersburg operator answers on extension 101
and the managers on 102 and 103, so a PBX event (or ``curl`` against /api/v1/telephony/events/)
pops the caller's card on the right screen. Idempotent."""

from __future__ import annotations

from typing import Any

from crm.core.registry import register_seeder

EXTENSIONS = {"operator": "101", "manager": "102", "manager2": "103"}


@register_seeder("telephony", order=80)
def seed_extensions(ctx: Any) -> None:
    from crm.telephony.models import OperatorExtension

    users = getattr(ctx, "users", {})
    for username, extension in EXTENSIONS.items():
        user = users.get(username)
        if user is None:
            continue
        OperatorExtension.objects.get_or_create(
            user=user, defaults={"branch": user.branch, "extension": extension}
        )
