"""Demo intake (``manage.py seed_demo``): an API key for the St Petersburg website, printed once
with the logins so the API can be tried with curl. Created only when the branch has none."""

from __future__ import annotations

from typing import Any

from crm.core.registry import register_seeder


@register_seeder("api", order=85)
def seed_api_key(ctx: Any) -> None:
    from crm.api.models import ApiKey
    from crm.api.services import api_key_create

    admin = getattr(ctx, "users", {}).get("admin")
    branch = getattr(ctx, "branches", {}).get("spb")
    if admin is None or branch is None or ApiKey.objects.filter(branch=branch).exists():
        return
    _key, raw = api_key_create(actor=admin, name="Сайт (демо)", branch=branch)
    stdout = getattr(ctx, "stdout", None)
    if stdout is not None:
        stdout.write(f"  demo API key for the St Petersburg website: {raw}")
