"""Write operations of the lab (views, the seeder and reactions call these, never the ORM):

- ``lab_request_create`` / ``lab_request_update`` — the manager's side (wishes, shipping data);
- ``lab_request_save_result`` — the lab's side (composition, cost, price, comments);
- ``lab_request_transition`` — the state machine (``labs.workflow``);
- ``lab_request_ship`` — a made sample becomes a delivery order or a tracked parcel;
- ``lab_norms_update`` — the lab's norms and capacity.
"""

from labs.services.norms import lab_norms_update
from labs.services.requests import (
    composition_summary,
    lab_request_create,
    lab_request_save_result,
    lab_request_update,
    shipping_problems,
    validate_composition,
)
from labs.services.shipping import lab_request_ship, lab_requests_on_order_completed
from labs.services.workflow import lab_group, lab_request_transition

__all__ = [
    "composition_summary",
    "lab_group",
    "lab_norms_update",
    "lab_request_create",
    "lab_request_save_result",
    "lab_request_ship",
    "lab_request_transition",
    "lab_request_update",
    "lab_requests_on_order_completed",
    "shipping_problems",
    "validate_composition",
]
