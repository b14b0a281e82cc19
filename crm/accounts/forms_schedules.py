"""Forms of the schedule pages; the rules themselves are checked in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.accounts.models_schedules import ShiftTemplate, TimeOffKind
from crm.accounts.services_schedules import CLEAR, SHIFT

TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ShiftTemplateForm(forms.ModelForm):
    class Meta:
        model = ShiftTemplate
        fields = ["name", "cycle", "starts_at", "ends_at", "is_active"]
        widgets = {"starts_at": TIME, "ends_at": TIME}

    def __init__(self, *args: Any, branch: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.branch = branch

    def clean_cycle(self) -> str:
        return (self.cleaned_data.get("cycle") or "").strip().upper()


class ScheduleApplyForm(forms.Form):
    template = forms.ModelChoiceField(
        label=_("Shift template"), queryset=ShiftTemplate.objects.none()
    )
    users = forms.ModelMultipleChoiceField(
        label=_("Employees"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    start = forms.DateField(label=_("From"), widget=DATE)
    end = forms.DateField(label=_("Until"), widget=DATE)

    def __init__(self, *args: Any, templates: Any, staff: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = templates.filter(is_active=True)
        self.fields["users"].queryset = staff
        self.fields["users"].label_from_instance = lambda u: (
            f"{u.display_name} · {u.get_role_display()}"
        )


CELL_CHOICES = [
    (SHIFT, _("Shift")),
    *TimeOffKind.choices,
    (CLEAR, _("Clear the day")),
]


class CellForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Mark the day"), choices=CELL_CHOICES, widget=forms.RadioSelect
    )
    starts_at = forms.TimeField(label=_("Shift starts"), required=False, widget=TIME)
    ends_at = forms.TimeField(label=_("Shift ends"), required=False, widget=TIME)
    note = forms.CharField(label=_("Note"), max_length=255, required=False)


class TimeOffRequestForm(forms.Form):
    day = forms.DateField(label=_("Day"), widget=DATE)
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            (TimeOffKind.DAY_OFF, TimeOffKind.DAY_OFF.label),
            (TimeOffKind.VACATION, TimeOffKind.VACATION.label),
        ],
    )
    note = forms.CharField(label=_("Reason"), max_length=255, required=False)
