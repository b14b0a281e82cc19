"""URLs of the dispatcher's live board (routes.views_board); included by ``routes.urls``
(namespace ``routes``)."""

from django.urls import URLPattern, path

from routes import views_board

urlpatterns: list[URLPattern] = [
    path("board/", views_board.board, name="board"),
    path("board/live/", views_board.board_live, name="board-live"),
    path("board/routes/<int:pk>/", views_board.board_route, name="board-route"),
    path("board/routes/<int:pk>/driver/", views_board.board_route_driver, name="board-driver"),
    path("board/routes/<int:pk>/messages/", views_board.board_messages, name="board-messages"),
    path("board/stops/<int:pk>/move/", views_board.board_stop_move, name="board-stop-move"),
    path("board/urgent/", views_board.board_urgent, name="board-urgent"),
    path("board/urgent/<int:order_pk>/", views_board.board_urgent_order, name="board-urgent-order"),
]
