"""Forms of the recurring-schedule pages. They only parse input; the rules (weekdays for a weekly
schedule, quantities, the window inside working hours…) live in
``crm.orders.services.schedules.validate_schedule`` so every caller gets the same messages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from crm.orders.models import Product, RecurringSchedule, ScheduleItem

WEEKDAYS = [
    (0, _("Mon")),
    (1, _("Tue")),
    (2, _("Wed")),
    (3, _("Thu")),
    (4, _("Fri")),
    (5, _("Sat")),
    (6, _("Sun")),
]
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = {"type": "time"}


class ScheduleForm(forms.ModelForm):
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Weekdays"),
        choices=WEEKDAYS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "weekday-choice"}),
    )

    class Meta:
        model = RecurringSchedule
        fields = [
            "order_type",
            "address",
            "rule",
            "weekdays",
            "interval_days",
            "month_workday",
            "start_date",
            "end_date",
            "window_from",
            "window_to",
            "payment_method",
            "containers_to_collect",
            "driver_comment",
        ]
        widgets = {
            "rule": forms.Select(attrs={"data-schedule-rule": "1"}),
            "start_date": DATE,
            "end_date": DATE,
            "window_from": forms.TimeInput(attrs=TIME, format="%H:%M"),
            "window_to": forms.TimeInput(attrs=TIME, format="%H:%M"),
            "driver_comment": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "address": _("Empty: the client's main address at the time of each order."),
            "month_workday": _(
                "1 = the first working day (Mon–Fri, not a holiday). A month with fewer working "
                "days gets its last one."
            ),
        }

    def __init__(self, *args: Any, client: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["address"].queryset = client.addresses.all()
        self.fields["address"].required = False
        for name in ("weekdays", "interval_days", "month_workday"):
            self.fields[name].widget.attrs["data-rule-field"] = {
                "weekdays": "weekly",
                "interval_days": "every_n_days",
                "month_workday": "monthly_workday",
            }[name]
        if self.instance.pk:
            self.initial["weekdays"] = list(self.instance.weekdays or [])

    def _post_clean(self) -> None:
        """Model validation is the service's job (one set of messages, nothing saved half-way)."""


class ScheduleItemForm(forms.ModelForm):
    class Meta:
        model = ScheduleItem
        fields = ["product", "quantity"]
        widgets = {"quantity": forms.NumberInput(attrs={"step": "any", "min": "0"})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.filter(is_active=True)

    def _post_clean(self) -> None:
        """The quantity (> 0) is checked by the service, which names the line."""


ScheduleItemFormSet = inlineformset_factory(
    RecurringSchedule,
    ScheduleItem,
    form=ScheduleItemForm,
    extra=1,
    can_delete=True,
    max_num=50,
    validate_max=True,
)


def item_rows(formset: forms.BaseFormSet) -> list[dict[str, Any]]:
    """The item lines a formset keeps, for the service (empty extra rows dropped)."""
    rows = []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None) or {}
        if not data or data.get("DELETE"):
            continue
        if data.get("product") is None and data.get("quantity") is None:
            continue
        rows.append({"product": data.get("product"), "quantity": data.get("quantity")})
    return rows


class PauseForm(forms.Form):
    date_from = forms.DateField(label=_("From"), widget=DATE)
    date_to = forms.DateField(label=_("Until"), widget=DATE)
    reason = forms.CharField(label=_("Reason"), max_length=255, required=False)


class SkipForm(forms.Form):
    occurrence = forms.DateField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), max_length=255, required=False)


class MoveForm(forms.Form):
    occurrence = forms.DateField(widget=forms.HiddenInput)
    new_date = forms.DateField(label=_("New date"), widget=DATE)
    reason = forms.CharField(label=_("Reason"), max_length=255, required=False)


class ScheduleFilterForm(forms.Form):
    q = forms.CharField(label=_("Client"), required=False, max_length=100)
    rule = forms.ChoiceField(
        label=_("Repeats"),
        required=False,
        choices=[("", _("Any")), *RecurringSchedule.Rule.choices],
    )
    active = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("Any")), ("1", _("Active")), ("0", _("Stopped"))],
    )
