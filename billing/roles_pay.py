"""Who manages staff pay and the cash desk: accountants and admins. Every employee sees their
own pay without a permission."""

from __future__ import annotations

from crm.accounts.roles import Role, register_role_permissions

MANAGE_PAY = "billing.manage_pay"

ROLE_PERMISSIONS: dict[str, list[str]] = {Role.ACCOUNTANT: [MANAGE_PAY]}

register_role_permissions(ROLE_PERMISSIONS)
