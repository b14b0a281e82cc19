"""Which clients permissions each role gets (registered from ClientsConfig.ready)."""

from __future__ import annotations

from crm.accounts.roles import Role

VIEW = "clients.view_client"
ADD = "clients.add_client"
CHANGE = "clients.change_client"
DELETE = "clients.delete_client"
VIEW_ALL = "clients.view_all_clients"
MERGE = "clients.merge_clients"
IMPORT = "clients.import_clients"
EXPORT = "clients.export_clients"

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.ADMIN: [VIEW, ADD, CHANGE, DELETE, VIEW_ALL, MERGE, IMPORT, EXPORT],
    Role.DIRECTOR: [VIEW, ADD, CHANGE, VIEW_ALL, IMPORT, EXPORT],
    Role.HEAD_OF_SALES: [VIEW, ADD, CHANGE, VIEW_ALL, IMPORT, EXPORT],
    Role.MANAGER: [VIEW, ADD, CHANGE],
    Role.OPERATOR: [VIEW, ADD, CHANGE, VIEW_ALL],
    Role.ACCOUNTANT: [VIEW, VIEW_ALL, EXPORT],
    Role.DISPATCHER: [VIEW, VIEW_ALL],
}
