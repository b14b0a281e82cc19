"""Which telephony permissions each role gets (registered from TelephonyConfig.ready).

Admins keep the operators' extensions; the pop-up itself needs no permission of its own: it is
shown to the user it was pushed to and to whoever may see the caller's client card."""

from __future__ import annotations

from crm.accounts.roles import Role

VIEW_EXTENSIONS = "telephony.view_operatorextension"
MANAGE_EXTENSIONS = "telephony.change_operatorextension"

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.ADMIN: [VIEW_EXTENSIONS, MANAGE_EXTENSIONS],
}
