"""Filters of the orders lists (django-filter)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from crm.accounts.models import Branch
from crm.accounts.roles import Role
from crm.orders.models import Order, OrderStatus, OrderType, PaymentMethod


class DayFilter(django_filters.FilterSet):
    """The day screen's filter bar. ``crm.orders.day.day_orders`` applies the cleaned values, so
    the list, the exports and the counters read the same filters."""

    status = django_filters.ChoiceFilter(label=_("Status"), choices=OrderStatus.choices)
    order_type = django_filters.ChoiceFilter(label=_("Type"), choices=OrderType.choices)
    assignee = django_filters.ModelChoiceFilter(
        label=_("Driver / worker"), queryset=get_user_model().objects.none()
    )
    payment_method = django_filters.ChoiceFilter(
        label=_("Payment method"), choices=PaymentMethod.choices
    )
    branch = django_filters.ModelChoiceFilter(
        label=_("Branch"), queryset=Branch.objects.none(), method="filter_branch"
    )

    class Meta:
        model = Order
        fields: list[str] = []

    def __init__(self, *args: Any, branch: Any = None, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if user is not None and user.has_perm("orders.view_all_orders"):
            self.filters["assignee"].queryset = (
                get_user_model()
                .objects.filter(branch=branch, role=Role.DRIVER, is_active=True)
                .order_by("first_name", "last_name", "username")
            )
        else:
            del self.filters["assignee"]
        if user is not None and user.can_switch_branch:
            self.filters["branch"].queryset = Branch.objects.filter(is_active=True)
        else:
            del self.filters["branch"]

    def filter_branch(self, queryset: Any, name: str, value: Any) -> Any:
        """The branch is chosen by the view (it scopes visibility), not narrowed here."""
        return queryset
