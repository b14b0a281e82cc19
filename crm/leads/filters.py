"""Filters shared by the kanban board, the table and the archive (django-filter)."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from crm.core.phones import phone_digits
from crm.leads.models import Lead, LossReason, Source, Stage


class LeadFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_q", max_length=100)
    manager = django_filters.ModelChoiceFilter(
        label=_("Manager"), queryset=get_user_model().objects.none()
    )
    source = django_filters.ModelChoiceFilter(label=_("Source"), queryset=Source.objects.none())
    stage = django_filters.ModelChoiceFilter(label=_("Stage"), queryset=Stage.objects.none())
    amount_min = django_filters.NumberFilter(
        label=_("Amount from"), field_name="amount", lookup_expr="gte"
    )
    amount_max = django_filters.NumberFilter(
        label=_("Amount to"), field_name="amount", lookup_expr="lte"
    )
    created_from = django_filters.DateFilter(
        label=_("Created from"),
        field_name="created_at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    created_to = django_filters.DateFilter(
        label=_("Created to"),
        field_name="created_at",
        lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = Lead
        fields: list[str] = []

    def __init__(
        self, *args: Any, branch: Any = None, user: Any = None, pipeline: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        f = self.filters
        f["source"].queryset = Source.objects.filter(branch=branch)
        if pipeline is not None:
            f["stage"].queryset = Stage.objects.filter(pipeline=pipeline)
        else:
            f["stage"].queryset = Stage.objects.filter(pipeline__branch=branch)
        if user is not None and user.has_perm("leads.view_all_leads"):
            f["manager"].queryset = get_user_model().objects.filter(
                branch=branch, role__in=["manager", "head_of_sales"]
            )
        else:
            del self.filters["manager"]

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = (value or "").strip()
        if not value:
            return queryset
        cond = (
            Q(contact_name__icontains=value)
            | Q(company__icontains=value)
            | Q(email__icontains=value)
        )
        digits = phone_digits(value)
        if len(digits) >= 3:
            cond |= Q(phone__contains=digits)
            if digits.startswith("8"):  # a Russian trunk prefix typed for +7
                cond |= Q(phone__startswith="+7" + digits[1:])
        return queryset.filter(cond)


class ArchiveFilter(LeadFilter):
    status = django_filters.ChoiceFilter(
        label=_("Result"), choices=[("won", _("Won")), ("lost", _("Lost"))]
    )
    loss_reason = django_filters.ModelChoiceFilter(
        label=_("Loss reason"), queryset=LossReason.objects.none()
    )
    closed_from = django_filters.DateFilter(
        label=_("Closed from"),
        field_name="closed_at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    closed_to = django_filters.DateFilter(
        label=_("Closed to"),
        field_name="closed_at",
        lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, branch: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, branch=branch, **kwargs)
        self.filters["loss_reason"].queryset = LossReason.objects.filter(branch=branch)
        del self.filters["stage"]
