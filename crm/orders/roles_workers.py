"""Who assigns workers to orders: the people who run the day (dispatchers, operators, heads of
sales) and admins. Every employee sees and works their own jobs without a permission."""

from __future__ import annotations

from crm.accounts.roles import Role, register_role_permissions

ASSIGN = "orders.assign_workers"

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.DISPATCHER: [ASSIGN],
    Role.OPERATOR: [ASSIGN],
    Role.HEAD_OF_SALES: [ASSIGN],
}

register_role_permissions(ROLE_PERMISSIONS)
