"""Access rows for the clients app: managers see only their own clients (404 for another
manager's), branch-wide roles see all; drivers, lab, storekeeper see no clients at all."""

from __future__ import annotations

from typing import Any

from crm.accounts.roles import Role
from tests.access import DENIED, HIDDEN, Rule

VIEWERS = frozenset(
    {
        Role.ADMIN,
        Role.DIRECTOR,
        Role.HEAD_OF_SALES,
        Role.MANAGER,
        Role.OPERATOR,
        Role.ACCOUNTANT,
        Role.DISPATCHER,
    }
)
ALL_SEEING = VIEWERS - {Role.MANAGER}
EDITORS = frozenset({Role.ADMIN, Role.DIRECTOR, Role.HEAD_OF_SALES, Role.MANAGER, Role.OPERATOR})
IMPORTERS = frozenset({Role.ADMIN, Role.DIRECTOR, Role.HEAD_OF_SALES})
EXPORTERS = frozenset({Role.ADMIN, Role.DIRECTOR, Role.HEAD_OF_SALES, Role.ACCOUNTANT})
ADMIN_ONLY = frozenset({Role.ADMIN})


def _own(ctx: Any) -> dict:
    return {"pk": ctx.own_client.pk}


def _foreign(ctx: Any) -> dict:
    return {"pk": ctx.foreign_client.pk}


def _no_clients() -> dict:
    """Roles that see no clients at all are refused before any record is looked up."""
    return {r: DENIED for r in (Role.DRIVER, Role.LAB_TECHNICIAN, Role.STOREKEEPER, Role.HR)}


VIEW_ONLY = {Role.ACCOUNTANT: DENIED, Role.DISPATCHER: DENIED}
OTHER_IMPORTERS = {Role.DIRECTOR: HIDDEN, Role.HEAD_OF_SALES: HIDDEN}


def _admin_filter(ctx: Any) -> dict:
    return {"pk": ctx.admin_filter.pk}


def _admin_import(ctx: Any) -> dict:
    return {"pk": ctx.admin_import.pk}


ROWS: dict[str, Rule] = {
    "clients:client-list": Rule(VIEWERS),
    "clients:client-export": Rule(EXPORTERS),
    "clients:client-create": Rule(EDITORS),
    "clients:client-duplicates": Rule(VIEWERS, data=lambda ctx: {"phone": "+79110000001"}),
    "clients:saved-filter-create": Rule(
        VIEWERS, method="post", data=lambda ctx: {"name": "Должники", "querystring": "debt=1"}
    ),
    # Saved filters are personal: someone else's is a 404.
    "clients:saved-filter-rename": Rule(
        ADMIN_ONLY,
        method="post",
        kwargs=_admin_filter,
        data=lambda ctx: {"name": "Новое"},
        denied=HIDDEN,
        overrides=_no_clients(),
    ),
    "clients:saved-filter-delete": Rule(
        ADMIN_ONLY, method="post", kwargs=_admin_filter, denied=HIDDEN, overrides=_no_clients()
    ),
    "clients:import-upload": Rule(IMPORTERS),
    # Import batches are their uploader's: another importer gets a 404.
    "clients:import-detail": Rule(ADMIN_ONLY, kwargs=_admin_import, overrides=OTHER_IMPORTERS),
    "clients:import-run": Rule(
        ADMIN_ONLY, method="post", kwargs=_admin_import, overrides=OTHER_IMPORTERS
    ),
    "clients:import-report": Rule(  # no report yet: 404 even for its owner
        frozenset(), kwargs=_admin_import, overrides={**OTHER_IMPORTERS, Role.ADMIN: HIDDEN}
    ),
    # The foreign client belongs to another manager: managers get 404, branch-wide roles see it.
    "clients:client-detail": Rule(
        ALL_SEEING, kwargs=_foreign, denied=HIDDEN, overrides=_no_clients()
    ),
    "clients:client-tab": Rule(
        ALL_SEEING,
        kwargs=lambda ctx: {"pk": ctx.foreign_client.pk, "key": "about"},
        denied=HIDDEN,
        overrides=_no_clients(),
    ),
    "clients:client-edit": Rule(
        EDITORS - {Role.MANAGER},
        kwargs=_foreign,
        denied=HIDDEN,
        overrides={**VIEW_ONLY, **_no_clients()},
    ),
    "clients:client-archive": Rule(
        EDITORS - {Role.MANAGER},
        method="post",
        kwargs=_foreign,
        denied=HIDDEN,
        overrides={**VIEW_ONLY, **_no_clients()},
    ),
    # The manager's own client: the manager may change it, view-only roles may not.
    "clients:client-mood": Rule(
        EDITORS, method="post", kwargs=_own, data=lambda ctx: {"mood": "happy"}
    ),
    "clients:client-attention": Rule(EDITORS, method="post", kwargs=_own),
    "clients:client-delete": Rule(ADMIN_ONLY, method="post", kwargs=_foreign),
    "clients:client-merge": Rule(ADMIN_ONLY, kwargs=_foreign),
}


def extend_ctx(ctx: Any) -> None:
    from django.core.files.base import ContentFile

    from clients.models import ImportBatch, SavedFilter
    from tests.clients.factories import make_client

    manager = ctx.users["manager"]
    ctx.own_client = make_client(branch=ctx.branch, manager=manager, name="Свой клиент")
    ctx.foreign_client = make_client(branch=ctx.branch, manager=ctx.colleague, name="Чужой клиент")
    ctx.admin_filter = SavedFilter.objects.create(
        user=ctx.users["admin"], name="Мой", querystring=""
    )
    batch = ImportBatch(
        branch=ctx.branch,
        created_by=ctx.users["admin"],
        original_name="c.xlsx",
        headers=["Имя"],
        mapping={"0": "name"},
    )
    batch.file.save("c.xlsx", ContentFile(b"x"), save=False)
    batch.save()
    ctx.admin_import = batch
