"""How the clients app plugs into the shared registries (imported from AppConfig.ready)."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from clients import imports  # noqa: F401  (registers the "clients.import" job handler)
from clients.cards import register_card_fact, register_card_tab
from clients.models import Client
from clients.permissions import can_change_client, clients_for
from clients.realtime import GROUP_PREFIX, can_join_client_group, on_timeline_entry_saved
from crm.core.models import TimelineEntry
from crm.core.realtime import register_group_authorizer
from crm.core.registry import NavItem, register_nav, register_visibility

register_nav(
    NavItem(
        "clients",
        _("Clients"),
        "clients:client-list",
        icon="🧑‍💼",
        permission="clients.view_client",
        order=20,
        description=_("People and companies you serve"),
    )
)

register_visibility(Client, lambda user: clients_for(user), can_change=can_change_client)

# Live card: only users who may open the client join its group; timeline entries added through
# the shared panel (comments, calls) announce themselves like the clients services do.
register_group_authorizer(GROUP_PREFIX, can_join_client_group)
post_save.connect(
    on_timeline_entry_saved, sender=TimelineEntry, dispatch_uid="clients.timeline.live"
)

# The card's own tabs; orders, documents and tasks are placeholders that the owning apps replace
# by registering the same key.
register_card_tab("about", _("About"), "clients/tabs/about.html", order=10)
register_card_tab("contacts", _("Contacts & addresses"), "clients/tabs/contacts.html", order=20)
register_card_tab("timeline", _("Timeline"), "clients/tabs/timeline.html", order=30)
register_card_tab("tasks", _("Tasks"), "clients/tabs/placeholder.html", order=40)
register_card_tab("orders", _("Orders"), "clients/tabs/placeholder.html", order=50)
register_card_tab("documents", _("Documents"), "clients/tabs/placeholder.html", order=60)
register_card_tab("files", _("Files"), "clients/tabs/files.html", order=70)
register_card_tab("history", _("History"), "clients/tabs/history.html", order=80)

# Order facts until an orders app registers its own under the same keys.
register_card_fact("orders_count", _("Orders"), lambda client: 0, order=20)
register_card_fact("orders_total", _("Orders total"), lambda client: None, order=30)


def _last_order(client: Client) -> str | None:
    if client.last_order_at is None:
        return None
    return date_format(timezone.localtime(client.last_order_at), "SHORT_DATE_FORMAT")


register_card_fact("last_order", _("Last order"), _last_order, order=40)


def client_url(client: Client) -> str:
    return reverse("clients:client-detail", args=[client.pk])
