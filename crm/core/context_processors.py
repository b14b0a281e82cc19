from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from crm.core.registry import nav_items_for


def _navigation(request: HttpRequest) -> list[dict[str, Any]]:
    entries = []
    for item in nav_items_for(request.user):
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        entries.append({"item": item, "url": url, "active": False})
    # The entry whose URL is the longest prefix of the current path is the active one.
    matching = [e for e in entries if request.path.startswith(e["url"])]
    if matching:
        max(matching, key=lambda e: len(e["url"]))["active"] = True
    return entries


def kolo(request: HttpRequest) -> dict[str, Any]:
    context: dict[str, Any] = {
        "map_tile_url": settings.MAP_TILE_URL,
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
    }
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return context
    context.update(
        nav=_navigation(request),
        active_branch=getattr(request, "branch", None),
        switchable_branches=getattr(request, "switchable_branches", ()),
    )
    return context
