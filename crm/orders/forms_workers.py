"""Forms of the worker pages; eligibility and rights are checked in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.accounts.models_skills import Skill


class SkillForm(forms.ModelForm):
    class Meta:
        model = Skill
        fields = ["name"]


class WorkerProfileForm(forms.Form):
    skills = forms.ModelMultipleChoiceField(
        label=_("Skills"),
        queryset=Skill.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    category = forms.CharField(label=_("Category"), max_length=60, required=False)
    vacation_days_per_year = forms.IntegerField(
        label=_("Vacation days a year"), min_value=0, max_value=366, initial=28
    )


class RatingAdjustmentForm(forms.Form):
    delta = forms.DecimalField(
        label=_("Change"), max_digits=3, decimal_places=2, help_text=_("E.g. 0.5 or -1")
    )
    reason = forms.CharField(label=_("Reason"), max_length=255)


class OrderSkillsForm(forms.Form):
    skills = forms.ModelMultipleChoiceField(
        label=_("Skills the order needs"),
        queryset=Skill.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class AssignForm(forms.Form):
    workers = forms.MultipleChoiceField(label=_("Workers"), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, candidates: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.candidates = {str(c.worker.pk): c.worker for c in candidates}
        self.fields["workers"].choices = [(k, w.display_name) for k, w in self.candidates.items()]

    def chosen(self) -> list[Any]:
        return [self.candidates[k] for k in self.cleaned_data["workers"]]


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
