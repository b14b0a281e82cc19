"""The client list's filters (django-filter)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from clients.models import Client, Tag

YES_NO = [("", _("Any")), ("1", _("Yes")), ("0", _("No"))]


class ClientFilter(django_filters.FilterSet):
    city = django_filters.CharFilter(label=_("City"), method="filter_city", max_length=120)
    source = django_filters.ChoiceFilter(
        label=_("Source"), choices=Client.Source.choices, empty_label=_("Any")
    )
    manager = django_filters.ModelChoiceFilter(
        label=_("Manager"), queryset=get_user_model().objects.none(), empty_label=_("Any")
    )
    tag = django_filters.ModelChoiceFilter(
        label=_("Tag"), field_name="tags", queryset=Tag.objects.all(), empty_label=_("Any")
    )
    debt = django_filters.ChoiceFilter(
        label=_("With debt"), choices=YES_NO[1:], method="filter_debt", empty_label=_("Any")
    )
    last_order_from = django_filters.DateFilter(
        label=_("Last order from"), field_name="last_order_at", lookup_expr="date__gte"
    )
    last_order_to = django_filters.DateFilter(
        label=_("Last order until"), field_name="last_order_at", lookup_expr="date__lte"
    )
    needs_attention = django_filters.ChoiceFilter(
        label=_("Needs attention"), choices=YES_NO[1:], method="filter_bool", empty_label=_("Any")
    )
    archived = django_filters.ChoiceFilter(
        label=_("Archived"),
        choices=[("0", _("Active")), ("1", _("Archived")), ("all", _("All"))],
        method="filter_archived",
        empty_label=None,
    )

    class Meta:
        model = Client
        fields: list[str] = []

    def __init__(self, data: Any = None, *args: Any, branch: Any = None, **kwargs: Any) -> None:
        super().__init__(data, *args, **kwargs)
        users = get_user_model().objects.filter(
            is_active=True, role__in=["manager", "head_of_sales", "operator", "director", "admin"]
        )
        if branch is not None:
            users = users.filter(branch=branch)
        self.filters["manager"].queryset = users.order_by("last_name", "first_name")
        for field in self.form.fields.values():
            field.widget.attrs.setdefault("class", "")

    def filter_city(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return qs
        return qs.filter(
            pk__in=Client.objects.filter(addresses__city__icontains=value).values("pk")
        )

    def filter_debt(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        if value == "1":
            return qs.filter(balance__lt=0)
        if value == "0":
            return qs.filter(balance__gte=0)
        return qs

    def filter_bool(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        if value in ("0", "1"):
            return qs.filter(**{name: value == "1"})
        return qs

    def filter_archived(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        if value == "all":
            return qs
        return qs.filter(is_archived=value == "1")

    @property
    def qs(self) -> QuerySet:
        qs = super().qs
        if not (self.data or {}).get("archived"):
            qs = qs.filter(is_archived=False)
        return qs
