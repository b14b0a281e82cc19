"""Which intake-API permissions each role gets (registered from ApiConfig.ready).

Only administrators manage integrations: issue and revoke API keys, read the call log (payloads
may hold clients' personal data) and retry failed calls."""

from __future__ import annotations

from crm.accounts.roles import Role

MANAGE_INTEGRATIONS = "api.change_apikey"

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.ADMIN: [MANAGE_INTEGRATIONS],
}
