"""Access rows for the driver's tablet pages.

Only people who may read routes reach them (others: 403); even they see only the published
routes they drive today, so the draft stop used here is hidden (404) from everyone. The
positive cases (the driver's own route) are in tests/routes/test_driver_pages.py."""

from __future__ import annotations

import uuid
from typing import Any

from tests.access import HIDDEN, Rule
from tests.access_routes import ROUTE_READERS

NOBODY: frozenset[str] = frozenset()
HIDDEN_FROM_READERS = {role: HIDDEN for role in ROUTE_READERS}


def _draft_stop(ctx: Any) -> dict:
    return {"pk": ctx.draft_plan.stops.order_by("pk").first().pk}


ROWS = {
    "routes:driver-stop": Rule(NOBODY, kwargs=_draft_stop, overrides=HIDDEN_FROM_READERS),
    "routes:driver-action": Rule(
        NOBODY,
        method="post",
        data=lambda ctx: {"kind": "arrived", "action_id": str(uuid.uuid4())},
        overrides=HIDDEN_FROM_READERS,
    ),
    "routes:driver-positions": Rule(ROUTE_READERS, method="post"),
}
