"""Access rows for the PDF template editor: administrators only (a template can print any
attribute of the objects it receives, so accountants do not edit them)."""

from __future__ import annotations

from crm.accounts.roles import Role
from tests.access import Rule

ADMINS = frozenset({Role.ADMIN})
KIND = {"kind": "invoice"}

ROWS: dict[str, Rule] = {
    "billing:doc-template-list": Rule(ADMINS),
    "billing:doc-template-edit": Rule(ADMINS, kwargs=lambda ctx: KIND),
    "billing:doc-template-reset": Rule(ADMINS, method="post", kwargs=lambda ctx: KIND),
    "billing:doc-template-preview": Rule(ADMINS, kwargs=lambda ctx: KIND),
}
