"""Which lab permissions each role gets (registered from LabsConfig.ready, granted by the data
migration ``0002_role_permissions``).

Managers create requests for *their* clients and see only those (the object check reuses
``clients.permissions.clients_for``). Lab technicians see every request of their branch and work
on them; the lab cabinet is the only section they have. Directors and admins see everything, the
control view and the norms page; heads of sales read every request of their branch and the
control view (they supervise the managers who promise dates to clients)."""

from __future__ import annotations

from crm.accounts.roles import Role

VIEW = "labs.view_labrequest"
VIEW_ALL = "labs.view_all_labrequests"
ADD = "labs.add_labrequest"
WORK = "labs.work_labrequest"
CONTROL = "labs.view_lab_control"
NORMS = "labs.manage_lab_norms"

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.ADMIN: [VIEW, VIEW_ALL, ADD, WORK, CONTROL, NORMS],
    Role.DIRECTOR: [VIEW, VIEW_ALL, ADD, CONTROL, NORMS],
    Role.HEAD_OF_SALES: [VIEW, VIEW_ALL, CONTROL],
    Role.MANAGER: [VIEW, ADD],
    Role.LAB_TECHNICIAN: [VIEW, VIEW_ALL, WORK],
}
