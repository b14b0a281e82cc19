"""The billing app's way to keep what it owns on the client card: the contract's validity, the
balance and debt, "stop deliveries" and the debt-reminder preferences. Orders, routes and the
driver's tablet read these fields without importing billing (see docs/billing.md)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from clients.models import Client, ContractState
from clients.realtime import client_group, publish_client_changed
from crm.core.realtime import publish_many_on_commit


def client_set_contract_state(
    *, client_id: int, state: str, valid_until: datetime.date | None
) -> None:
    if state not in ContractState.values:
        raise ValueError(f"unknown contract state {state!r}")
    changed = (
        Client.objects.filter(pk=client_id)
        .exclude(contract_state=state, contract_valid_until=valid_until)
        .update(contract_state=state, contract_valid_until=valid_until)
    )
    if changed:
        publish_client_changed(client_id, "contract")


def client_set_money_state(
    *, client_id: int, balance: Decimal, debt: Decimal, overdue_debt: Decimal
) -> None:
    changed = (
        Client.objects.filter(pk=client_id)
        .exclude(balance=balance, debt=debt, overdue_debt=overdue_debt)
        .update(balance=balance, debt=debt, overdue_debt=overdue_debt)
    )
    if changed:
        publish_client_changed(client_id, "balance")


def client_set_money_states(rows: dict[int, tuple[Decimal, Decimal, Decimal]]) -> int:
    """Bulk form of ``client_set_money_state``: ``{client_id: (balance, debt, overdue)}``; one
    read, one UPDATE for the clients that changed, one trip to the channel layer."""
    if len(rows) == 1:
        (client_id, (balance, debt, overdue)), *_ = rows.items()
        client_set_money_state(
            client_id=client_id, balance=balance, debt=debt, overdue_debt=overdue
        )
        return 1
    changed = [
        client
        for client in Client.objects.filter(pk__in=list(rows)).only(
            "pk", "balance", "debt", "overdue_debt"
        )
        if (client.balance, client.debt, client.overdue_debt) != rows[client.pk]
    ]
    for client in changed:
        client.balance, client.debt, client.overdue_debt = rows[client.pk]
    Client.objects.bulk_update(changed, ["balance", "debt", "overdue_debt"], batch_size=1000)
    publish_many_on_commit(
        [
            (client_group(c.pk), {"type": "client.changed", "id": c.pk, "what": "balance"})
            for c in changed
        ]
    )
    return len(changed)


def client_set_stop_deliveries(*, client_id: int, stop: bool, reason: str = "") -> bool:
    """Returns whether anything changed."""
    changed = (
        Client.objects.filter(pk=client_id)
        .exclude(stop_deliveries=stop, stop_deliveries_reason=reason[:300])
        .update(stop_deliveries=stop, stop_deliveries_reason=reason[:300])
    )
    if changed:
        publish_client_changed(client_id, "stop_deliveries")
    return bool(changed)


def client_set_reminder_preferences(
    *,
    client_id: int,
    do_not_remind: bool | None = None,
    promise_to_pay_on: datetime.date | bool | None = False,
    language: str | None = None,
) -> None:
    """``promise_to_pay_on=False`` leaves the promise alone; ``None`` clears it."""
    fields: dict[str, object] = {}
    if do_not_remind is not None:
        fields["do_not_remind"] = do_not_remind
    if promise_to_pay_on is not False:
        fields["promise_to_pay_on"] = promise_to_pay_on
    if language:
        fields["language"] = language
    if fields and Client.objects.filter(pk=client_id).update(**fields):
        publish_client_changed(client_id, "reminders")
