"""The client card's registries: higher apps (leads, orders, billing) add tabs, key facts and
quick actions to the card without the clients app importing them.

- ``register_card_tab(key, label, template_or_callable, order=100, permission=None)``: a tab.
  A template name is rendered with ``{"client", "request", "can_change"}``; a callable is called
  as ``fn(request, client)`` and returns an ``HttpResponse`` or an HTML string. Registering an
  existing key replaces it (the clients app registers placeholders for orders and documents).
- ``register_card_fact(key, label, value, order=100, permission=None)``: ``value(client)``
  returns the text to show (or None for "—").
- ``register_card_action(key, label, url, order=100, permission=None)``: ``url(client)`` returns
  the link of a quick action (e.g. leads' "New task").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe


@dataclass(frozen=True)
class CardTab:
    key: str
    label: Any
    content: str | Callable[[HttpRequest, Any], HttpResponse | str]
    order: int = 100
    permission: str | None = None

    def allowed_for(self, user: Any) -> bool:
        return not self.permission or user.has_perm(self.permission)

    def render(self, request: HttpRequest, client: Any, context: dict) -> str:
        if callable(self.content):
            result = self.content(request, client)
            if isinstance(result, HttpResponse):
                return mark_safe(result.content.decode())
            return mark_safe(result)
        return render_to_string(self.content, context, request=request)


@dataclass(frozen=True)
class CardFact:
    key: str
    label: Any
    value: Callable[[Any], Any]
    order: int = 100
    permission: str | None = None


@dataclass(frozen=True)
class CardAction:
    key: str
    label: Any
    url: Callable[[Any], str]
    order: int = 100
    permission: str | None = None


@dataclass(frozen=True)
class AddressHelper:
    """A button on each address row of the client form: higher apps answer for the point being
    entered (e.g. routes: "which standing route should this address join?") before saving.
    ``url_name`` is called with ``?lat=&lon=`` and returns an HTML fragment."""

    key: str
    label: Any
    url_name: str
    order: int = 100
    permission: str | None = None


_tabs: dict[str, CardTab] = {}
_address_helpers: dict[str, AddressHelper] = {}
_facts: dict[str, CardFact] = {}
_actions: dict[str, CardAction] = {}


def register_card_tab(
    key: str,
    label: Any,
    template_or_callable: str | Callable,
    order: int = 100,
    permission: str | None = None,
) -> None:
    _tabs[key] = CardTab(key, label, template_or_callable, order, permission)


def register_card_fact(
    key: str,
    label: Any,
    value: Callable[[Any], Any],
    order: int = 100,
    permission: str | None = None,
) -> None:
    _facts[key] = CardFact(key, label, value, order, permission)


def register_card_action(
    key: str,
    label: Any,
    url: Callable[[Any], str],
    order: int = 100,
    permission: str | None = None,
) -> None:
    _actions[key] = CardAction(key, label, url, order, permission)


def register_address_helper(
    key: str, label: Any, url_name: str, order: int = 100, permission: str | None = None
) -> None:
    _address_helpers[key] = AddressHelper(key, label, url_name, order, permission)


def address_helpers_for(user: Any) -> list[dict[str, Any]]:
    from django.urls import reverse

    return [
        {"key": h.key, "label": h.label, "url": reverse(h.url_name)}
        for h in _allowed(list(_address_helpers.values()), user)
    ]


def _allowed(items: list, user: Any) -> list:
    return sorted(
        (i for i in items if not i.permission or user.has_perm(i.permission)),
        key=lambda i: i.order,
    )


def tabs_for(user: Any) -> list[CardTab]:
    return _allowed(list(_tabs.values()), user)


def tab(key: str, user: Any) -> CardTab | None:
    found = _tabs.get(key)
    return found if found and found.allowed_for(user) else None


def facts_for(user: Any, client: Any) -> list[tuple[str, Any, Any]]:
    return [(f.key, f.label, f.value(client)) for f in _allowed(list(_facts.values()), user)]


def actions_for(user: Any, client: Any) -> list[tuple[str, Any, str]]:
    return [(a.key, a.label, a.url(client)) for a in _allowed(list(_actions.values()), user)]
