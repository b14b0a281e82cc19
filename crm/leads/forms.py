"""Forms of the leads app: they parse input; services validate and save."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from crm.leads.models import Lead, LossReason, Source, Stage, Task


class LeadForm(forms.ModelForm):
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False)

    class Meta:
        model = Lead
        fields = [
            "contact_name",
            "phone",
            "email",
            "company",
            "need",
            "source",
            "manager",
            "amount",
        ]
        widgets = {"need": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, branch: Any = None, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = Source.objects.filter(branch=branch, is_active=True)
        managers = get_user_model().objects.filter(
            branch=branch, is_active=True, role__in=["manager", "head_of_sales"]
        )
        self.fields["manager"].queryset = managers
        if user is not None and not user.has_perm("leads.view_all_leads"):
            del self.fields["manager"]
        self.fields["amount"].required = False

    def clean_amount(self) -> Any:
        return self.cleaned_data.get("amount") or 0

    def _post_clean(self) -> None:  # the service validates and normalises, not the model
        pass


class LoseForm(forms.Form):
    reason = forms.ModelChoiceField(
        label=_("Why was it lost?"), queryset=LossReason.objects.none(), required=False
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, branch: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].queryset = LossReason.objects.filter(branch=branch, is_active=True)


class WinForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=200)
    due_at = forms.DateTimeField(
        label=_("Due"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    priority = forms.ChoiceField(
        label=_("Priority"), choices=Task.Priority.choices, initial="normal"
    )
    assignee = forms.ModelChoiceField(
        label=_("Assignee"), queryset=get_user_model().objects.none(), required=False
    )

    def __init__(self, *args: Any, branch: Any = None, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if user is not None and user.has_perm("leads.assign_tasks"):
            self.fields["assignee"].queryset = get_user_model().objects.filter(
                branch=branch, is_active=True, role__in=["manager", "head_of_sales"]
            )
        else:
            del self.fields["assignee"]


class NameForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)


class StageForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    kind = forms.ChoiceField(label=_("Kind"), choices=Stage.Kind.choices, initial="open")
    color = forms.CharField(
        label=_("Colour"),
        max_length=7,
        initial="#1f6feb",
        widget=forms.TextInput(attrs={"type": "color"}),
    )


class SalesPlanForm(forms.Form):
    manager = forms.ModelChoiceField(label=_("Manager"), queryset=get_user_model().objects.none())
    amount = forms.DecimalField(
        label=_("Plan for the month"), max_digits=14, decimal_places=2, min_value=0
    )

    def __init__(self, *args: Any, branch: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["manager"].queryset = get_user_model().objects.filter(
            branch=branch, is_active=True, role="manager"
        )


class StageDeleteForm(forms.Form):
    move_to = forms.ModelChoiceField(
        label=_("Move its leads to"), queryset=Stage.objects.none(), required=False
    )

    def __init__(self, *args: Any, targets: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if targets is not None:
            self.fields["move_to"].queryset = targets
