"""Which leads permissions each role gets (registered from LeadsConfig.ready)."""

from __future__ import annotations

from crm.accounts.roles import Role

SALES = [
    "leads.view_lead",
    "leads.add_lead",
    "leads.change_lead",
    "leads.view_task",
    "leads.add_task",
    "leads.change_task",
]
ALL_SEEING = [*SALES, "leads.view_all_leads", "leads.assign_tasks", "leads.change_salesplan"]

#: Fair distribution: configuring the rules and watching the fairness page.
DISTRIBUTION = ["leads.manage_distribution", "leads.view_distribution"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.ADMIN: [
        *ALL_SEEING,
        "leads.manage_pipelines",
        "leads.manage_directories",
        *DISTRIBUTION,
    ],
    Role.DIRECTOR: [*ALL_SEEING, "leads.view_distribution"],
    Role.HEAD_OF_SALES: [*ALL_SEEING, "leads.manage_directories", *DISTRIBUTION],
    Role.MANAGER: SALES,
}
