from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.functional import cached_property

#: Beyond this many matches a list says "N+" instead of counting every row: a search for a very
#: common word must not spend most of its time counting what nobody will page through.
COUNT_CAP = 1000


class CappedPaginator(Paginator):
    """Counts at most ``cap + 1`` rows (``SELECT count(*) FROM (... LIMIT cap+1)``)."""

    def __init__(self, *args, cap: int = COUNT_CAP, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.cap = cap

    @cached_property
    def _seen(self) -> int:
        """Rows counted, at most ``cap + 1``: one query answers both "how many" and "more than
        the cap?". Unordered, so Postgres stops at the first ``cap + 1`` matches instead of
        sorting them all."""
        return self.object_list.order_by()[: self.cap + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self._seen, self.cap)

    @cached_property
    def capped(self) -> bool:
        return self._seen > self.cap


def paginate(
    request: HttpRequest, queryset: QuerySet, per_page: int = 25, cap: int | None = None
) -> Page:
    """The requested page; a bad or too-large page number gives the nearest real page. With
    ``cap``, lists stop counting at that many rows (the template shows "N+")."""
    paginator = (
        CappedPaginator(queryset, per_page, cap=cap) if cap else Paginator(queryset, per_page)
    )
    return paginator.get_page(request.GET.get("page"))


def querystring_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
