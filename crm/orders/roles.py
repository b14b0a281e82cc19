"""Which orders permissions each role gets (registered from OrdersConfig.ready).

Operators and dispatchers run the day for the whole branch; managers see the orders of their own
clients; drivers see the orders assigned to them; the catalogue and price rules belong to admins."""

from __future__ import annotations

from crm.accounts.roles import Role

VIEW = "orders.view_order"
ADD = "orders.add_order"
CHANGE = "orders.change_order"
VIEW_ALL = "orders.view_all_orders"
EDIT_CLOSED = "orders.edit_closed_orders"
EXPORT = "orders.export_orders"
VIEW_CATALOGUE = "orders.view_product"
MANAGE_CATALOGUE = "orders.manage_catalogue"
MANAGE_RULES = "orders.manage_price_rules"
VIEW_SCHEDULES = "orders.view_recurringschedule"
MANAGE_SCHEDULES = "orders.change_recurringschedule"
RENAME_STATUSES = "orders.change_statusname"

OFFICE = [VIEW, ADD, CHANGE, VIEW_ALL, EXPORT, VIEW_CATALOGUE, VIEW_SCHEDULES, MANAGE_SCHEDULES]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.ADMIN: [*OFFICE, EDIT_CLOSED, MANAGE_CATALOGUE, MANAGE_RULES, RENAME_STATUSES],
    Role.DIRECTOR: [VIEW, VIEW_ALL, EXPORT, VIEW_CATALOGUE, VIEW_SCHEDULES],
    Role.HEAD_OF_SALES: [*OFFICE],
    Role.MANAGER: [VIEW, ADD, CHANGE, VIEW_CATALOGUE, VIEW_SCHEDULES, MANAGE_SCHEDULES],
    Role.OPERATOR: [*OFFICE],
    Role.DISPATCHER: [VIEW, CHANGE, VIEW_ALL, EXPORT, VIEW_CATALOGUE],
    Role.DRIVER: [VIEW, CHANGE],
    Role.ACCOUNTANT: [VIEW, VIEW_ALL, EXPORT, VIEW_CATALOGUE],
    Role.STOREKEEPER: [VIEW, VIEW_ALL, VIEW_CATALOGUE],
}
