"""The access matrix: for every URL pattern, what each role (and an anonymous visitor) gets.

Every named URL of the project must have a row here (``test_access_matrix`` fails otherwise), so
a new page cannot ship without deciding who may open it. Apps add their rows to ``MATRIX``.

Outcomes: OK (a page, or a redirect that is not to the login page), LOGIN (redirect to log in),
DENIED (403), HIDDEN (404: someone else's record looks exactly like a missing one).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crm.accounts.roles import Role

OK, LOGIN, DENIED, HIDDEN = "ok", "login", "denied", "hidden"
ROLES = [r.value for r in Role]
EVERYONE = frozenset(ROLES)
ADMIN = frozenset({Role.ADMIN})
STAFF_VIEWERS = frozenset({Role.ADMIN, Role.DIRECTOR, Role.HEAD_OF_SALES})
BRANCH_SWITCHERS = frozenset({Role.ADMIN, Role.DIRECTOR})


@dataclass(frozen=True)
class Rule:
    allowed: frozenset[str]
    denied: str = DENIED  # what roles outside ``allowed`` get
    anonymous: str = LOGIN
    method: str = "get"
    kwargs: Callable[[Any], dict] | None = None
    data: Callable[[Any], dict] | None = None
    overrides: dict[str, str] = field(default_factory=dict)  # role -> outcome

    def expected(self, role: str) -> str:
        if role == "anonymous":
            return self.anonymous
        if role in self.overrides:
            return self.overrides[role]
        return OK if role in self.allowed else self.denied


def _colleague(ctx: Any) -> dict:
    return {"pk": ctx.colleague.pk}


def _colleague_target(ctx: Any) -> dict:
    return {"model_key": "accounts.user", "pk": ctx.colleague.pk}


MATRIX: dict[str, Rule] = {
    # --- project ---
    "home": Rule(EVERYONE),
    "healthz": Rule(EVERYONE, anonymous=OK),
    # --- accounts ---
    "accounts:login": Rule(EVERYONE, anonymous=OK),
    "accounts:logout": Rule(frozenset(), denied=LOGIN, method="post"),  # back to the login page
    "accounts:password-change": Rule(EVERYONE),
    "accounts:password-change-done": Rule(EVERYONE),
    "accounts:password-reset": Rule(EVERYONE, anonymous=OK),
    "accounts:password-reset-done": Rule(EVERYONE, anonymous=OK),
    "accounts:password-reset-confirm": Rule(
        EVERYONE, anonymous=OK, kwargs=lambda ctx: {"uidb64": "MQ", "token": "bad-token"}
    ),
    "accounts:password-reset-complete": Rule(EVERYONE, anonymous=OK),
    "accounts:language": Rule(
        EVERYONE, anonymous=OK, method="post", data=lambda ctx: {"language": "ru"}
    ),
    "accounts:branch-switch": Rule(
        BRANCH_SWITCHERS, method="post", data=lambda ctx: {"branch": ctx.other_branch.pk}
    ),
    "accounts:profile": Rule(EVERYONE),
    "accounts:staff-list": Rule(STAFF_VIEWERS),
    "accounts:staff-create": Rule(ADMIN),
    "accounts:staff-detail": Rule(STAFF_VIEWERS, denied=HIDDEN, kwargs=_colleague),
    "accounts:staff-password": Rule(
        ADMIN, method="post", kwargs=_colleague, data=lambda ctx: {"password": "x"}
    ),
    "accounts:branch-list": Rule(ADMIN),
    "accounts:branch-create": Rule(ADMIN),
    "accounts:branch-edit": Rule(ADMIN, kwargs=lambda ctx: {"pk": ctx.branch.pk}),
    # --- core: record panels resolve their target through the visibility registry ---
    "core:timeline": Rule(STAFF_VIEWERS, denied=HIDDEN, kwargs=_colleague_target),
    "core:attachments": Rule(STAFF_VIEWERS, denied=HIDDEN, kwargs=_colleague_target),
    "core:history": Rule(STAFF_VIEWERS, denied=HIDDEN, kwargs=_colleague_target),
    "core:attachment-download": Rule(
        STAFF_VIEWERS, denied=HIDDEN, kwargs=lambda ctx: {"pk": ctx.attachment.pk}
    ),
    "core:attachment-delete": Rule(
        ADMIN,
        denied=HIDDEN,
        method="post",
        kwargs=lambda ctx: {"pk": ctx.attachment.pk},
        overrides={Role.DIRECTOR: DENIED, Role.HEAD_OF_SALES: DENIED},
    ),
    "core:notification-list": Rule(EVERYONE),
    "core:notification-bell": Rule(EVERYONE),
    "core:notification-read-all": Rule(EVERYONE, method="post"),
    "core:notification-read": Rule(
        ADMIN, denied=HIDDEN, method="post", kwargs=lambda ctx: {"pk": ctx.admin_notification.pk}
    ),
    "core:job-list": Rule(EVERYONE),
    "core:job-detail": Rule(ADMIN, denied=HIDDEN, kwargs=lambda ctx: {"pk": ctx.admin_job.pk}),
    "core:job-progress": Rule(ADMIN, denied=HIDDEN, kwargs=lambda ctx: {"pk": ctx.admin_job.pk}),
    "core:job-file": Rule(ADMIN, denied=HIDDEN, kwargs=lambda ctx: {"pk": ctx.admin_job.pk}),
}

# Each app keeps its rows in tests/access_<app>.py: ``ROWS`` (name -> Rule) and, optionally,
# ``extend_ctx(ctx)`` creating the records its rows' kwargs need.
CTX_EXTENDERS: list[Callable[[Any], None]] = []
for _path in sorted(Path(__file__).parent.glob("access_*.py")):
    _module = importlib.import_module(f"tests.{_path.stem}")
    MATRIX.update(_module.ROWS)
    if hasattr(_module, "extend_ctx"):
        CTX_EXTENDERS.append(_module.extend_ctx)
