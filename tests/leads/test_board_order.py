"""Manual order inside a kanban column: drops land between the neighbours the user saw, persist,
survive gap exhaustion, and new or reopened leads enter at the top."""

from __future__ import annotations

from unittest import mock

import pytest
from django.urls import reverse

from crm.leads import selectors, services
from crm.leads.models import Lead
from tests.leads.factories import make_lead, open_stages

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def _column(pipeline, stage, user) -> list[str]:
    leads = selectors.lead_list(user=user, branch=pipeline.branch)
    columns = selectors.board_columns(pipeline=pipeline, leads=leads)
    return [lead.contact_name for lead in next(c for c in columns if c["stage"] == stage)["cards"]]


@pytest.fixture
def column(users, pipeline):
    """Four leads in the first stage, shown newest first: D C B A."""
    manager = users["manager"]
    leads = {name: make_lead(manager, pipeline, contact_name=name) for name in "ABCD"}
    return open_stages(pipeline)[0], leads


def test_new_leads_enter_at_the_top(users, pipeline, column):
    stage, _leads = column
    assert _column(pipeline, stage, users["manager"]) == ["D", "C", "B", "A"]


@pytest.mark.parametrize(
    ("moved", "after", "before", "expected"),
    [
        ("A", "D", "C", ["D", "A", "C", "B"]),  # between two cards
        ("D", "B", "A", ["C", "B", "D", "A"]),  # down
        ("A", None, "D", ["A", "D", "C", "B"]),  # to the top (only a card below)
        ("D", "A", None, ["C", "B", "A", "D"]),  # to the bottom (only a card above)
        ("B", None, None, ["D", "C", "B", "A"]),  # no neighbours in its own column: nothing moves
    ],
)
def test_drop_between_neighbours_persists(users, pipeline, column, moved, after, before, expected):
    stage, leads = column
    services.lead_move(
        actor=users["manager"],
        lead=leads[moved],
        stage=stage,
        after=leads[after].pk if after else None,
        before=leads[before].pk if before else None,
    )
    assert _column(pipeline, stage, users["manager"]) == expected


def test_many_drops_into_the_same_gap_keep_the_order(users, pipeline, column):
    """Dropping again and again right below the top card halves the gap until neighbours touch;
    then the block above is lifted and the order is still exactly what the user made."""
    stage, leads = column
    manager = users["manager"]
    top = leads["D"]
    for i in range(14):  # 1024 halves to nothing after ~10 drops
        extra = make_lead(manager, pipeline, contact_name=f"N{i}")
        services.lead_move(actor=manager, lead=extra, stage=stage, after=top.pk)
    names = _column(pipeline, stage, manager)
    assert names[0] == "D"
    assert names[1:15] == [f"N{i}" for i in reversed(range(14))]
    assert names[15:] == ["C", "B", "A"]
    positions = list(
        Lead.objects.filter(stage=stage)
        .order_by(*selectors.BOARD_ORDER)
        .values_list("position", flat=True)
    )
    assert len(set(positions)) == len(positions)  # strictly ordered by position alone


def test_move_into_another_column_between_cards(users, pipeline, column):
    stage, leads = column
    manager = users["manager"]
    target = open_stages(pipeline)[1]
    x = make_lead(manager, pipeline, contact_name="X", stage=target)
    y = make_lead(manager, pipeline, contact_name="Y", stage=target)
    services.lead_move(actor=manager, lead=leads["B"], stage=target, after=y.pk, before=x.pk)
    assert _column(pipeline, target, manager) == ["Y", "B", "X"]
    assert _column(pipeline, stage, manager) == ["D", "C", "A"]


def test_neighbours_from_another_stage_are_ignored(users, pipeline, column):
    """A stale or forged neighbour id never places a lead by a card of another column."""
    stage, leads = column
    manager = users["manager"]
    elsewhere = make_lead(manager, pipeline, contact_name="E", stage=open_stages(pipeline)[1])
    services.lead_move(actor=manager, lead=leads["A"], stage=stage, after=elsewhere.pk)
    assert _column(pipeline, stage, manager)[0] == "A"


def test_reopened_lead_enters_at_the_top(users, pipeline, column, reason):
    stage, leads = column
    manager = users["manager"]
    services.lead_lose(actor=manager, lead=leads["A"], reason=reason)
    services.lead_reopen(actor=manager, lead=leads["A"])
    assert _column(pipeline, stage, manager)[0] == "A"


def test_reorder_by_htmx_is_saved_and_broadcast(
    client_for, users, pipeline, column, django_capture_on_commit_callbacks
):
    stage, leads = column
    url = reverse("leads:lead-move", args=[leads["A"].pk])
    with (
        mock.patch("crm.core.realtime.publish") as publish,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client_for("manager").post(
            url,
            {"stage": stage.pk, "after": leads["D"].pk, "before": leads["C"].pk},
            **HX,
        )
    assert response.status_code == 204
    assert _column(pipeline, stage, users["manager"]) == ["D", "A", "C", "B"]
    group, event = publish.call_args.args
    assert group == services.pipeline_group(pipeline.pk)
    assert event["op"] == "moved" and event["stage"] == stage.pk and event["from"] == stage.pk


def test_board_query_count_is_constant_with_positions(client_for, users, pipeline, column):
    """Ordering by position keeps the board at its fixed number of queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    http = client_for("manager")

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert http.get(reverse("leads:board")).status_code == 200
        return len(ctx.captured_queries)

    before = count()
    for i in range(10):
        make_lead(users["manager"], pipeline, contact_name=f"M{i}")
    assert count() == before


def test_board_card_urls_match_reverse(client_for, pipeline, column):
    """The board builds card links from one reversed prefix; they must equal ``reverse``."""
    _stage, leads = column
    html = client_for("manager").get(reverse("leads:board")).content.decode()
    lead = leads["A"]
    assert f'href="{reverse("leads:lead-detail", args=[lead.pk])}"' in html
    assert f'data-move-url="{reverse("leads:lead-move", args=[lead.pk])}"' in html
