"""Small registries through which higher apps plug into lower ones without being imported by them.

- visibility: which records of a model a user may see (the generic timeline, attachment and history
  views resolve their target through it, so a hidden record is a 404 there too);
- navigation: the sections shown in the sidebar and on the home page, by permission;
- home pages: a role's start page;
- seeders and benchmark suites: the demo business and ``manage.py bench``;
- job handlers: what a background ``Job`` of a given kind runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model, QuerySet

VisibilityFn = Callable[[Any], QuerySet]
_visibility: dict[type[Model], VisibilityFn] = {}
_editability: dict[type[Model], Callable[[Any, Model], bool]] = {}


def register_visibility(
    model: type[Model],
    queryset_for: VisibilityFn,
    can_change: Callable[[Any, Model], bool] | None = None,
) -> None:
    _visibility[model] = queryset_for
    if can_change is not None:
        _editability[model] = can_change


def visible_queryset(model: type[Model], user: Any) -> QuerySet:
    """The records of ``model`` that ``user`` may see; nothing for unregistered models."""
    fn = _visibility.get(model)
    if fn is None:
        return model._default_manager.none()
    return fn(user)


def can_change(user: Any, obj: Model) -> bool:
    fn = _editability.get(type(obj))
    return bool(fn and fn(user, obj))


@dataclass(frozen=True)
class NavItem:
    key: str
    label: Any
    url_name: str
    icon: str = "•"
    permission: str | None = None
    roles: tuple[str, ...] = ()
    description: Any = ""
    order: int = 100

    def allowed_for(self, user: Any) -> bool:
        if not user.is_authenticated:
            return False
        if self.roles and getattr(user, "role", None) not in self.roles and not user.is_superuser:
            return False
        return not self.permission or user.has_perm(self.permission)


_nav: dict[str, NavItem] = {}


def register_nav(item: NavItem) -> None:
    _nav[item.key] = item


def nav_items_for(user: Any) -> list[NavItem]:
    return sorted((item for item in _nav.values() if item.allowed_for(user)), key=lambda i: i.order)


_home_views: dict[str, str] = {}


def register_home(role: str, url_name: str) -> None:
    """The page a role lands on after log-in (a URL name)."""
    _home_views[role] = url_name


def home_url_name_for(role: str) -> str | None:
    return _home_views.get(role)


@dataclass
class Seeder:
    name: str
    fn: Callable[[Any], None]
    order: int


_seeders: dict[str, Seeder] = {}


def register_seeder(name: str, order: int) -> Callable[[Callable[[Any], None]], Callable]:
    def decorator(fn: Callable[[Any], None]) -> Callable[[Any], None]:
        _seeders[name] = Seeder(name, fn, order)
        return fn

    return decorator


def seeders() -> list[Seeder]:
    return sorted(_seeders.values(), key=lambda s: s.order)


@dataclass
class BenchSuite:
    name: str
    fn: Callable[..., dict]
    help: str = ""
    options: dict[str, dict] = field(default_factory=dict)


_bench: dict[str, BenchSuite] = {}


def register_bench(name: str, help: str = "", **options: dict) -> Callable:
    """``options`` are argparse keyword dicts, e.g. ``clients={"type": int, "default": 1000}``."""

    def decorator(fn: Callable[..., dict]) -> Callable[..., dict]:
        _bench[name] = BenchSuite(name, fn, help, options)
        return fn

    return decorator


def bench_suites() -> dict[str, BenchSuite]:
    return dict(_bench)


JobHandler = Callable[[Any, Callable[[int, str], None]], dict]
_job_handlers: dict[str, JobHandler] = {}


def register_job_handler(kind: str) -> Callable[[JobHandler], JobHandler]:
    def decorator(fn: JobHandler) -> JobHandler:
        _job_handlers[kind] = fn
        return fn

    return decorator


def job_handler(kind: str) -> JobHandler:
    return _job_handlers[kind]
