from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from clients.imports import TARGETS
from clients.models import Client, ClientAddress, ClientPhone, ContactPerson
from crm.core.phones import format_phone, normalize_phone

_SPLIT = re.compile(r"[,;\s]+")


class ClientForm(forms.ModelForm):
    emails = forms.CharField(
        label=_("E-mails"),
        required=False,
        max_length=1000,
        help_text=_("Several addresses separated by commas."),
    )
    tag_names = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=500,
        help_text=_("Separated by commas, e.g. VIP, wholesale."),
    )

    class Meta:
        model = Client
        fields = [
            "kind",
            "name",
            "manager",
            "source",
            "group",
            "discount_percent",
            "currency",
            "language",
            "notes",
            "inn",
            "kpp",
            "ogrn",
            "legal_address",
            "bank_name",
            "bik",
            "bank_account",
            "corr_account",
        ]
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 3}),
            "inn": forms.TextInput(attrs={"inputmode": "numeric", "data-dup-check": "inn"}),
            "name": forms.TextInput(attrs={"autofocus": True}),
        }

    def __init__(self, *args: Any, branch: Any = None, may_reassign: bool = True, **kwargs: Any):
        super().__init__(*args, **kwargs)
        users = get_user_model().objects.filter(is_active=True)
        if branch is not None:
            users = users.filter(branch=branch)
        self.fields["manager"].queryset = users.order_by("last_name", "first_name")
        if not may_reassign:
            self.fields["manager"].disabled = True
        self.fields["emails"].widget.attrs["data-dup-check"] = "email"
        # letters go out in Russian unless someone chooses otherwise (API and imports omit it)
        self.fields["language"].required = False
        if self.instance.pk:
            self.fields["emails"].initial = ", ".join(e.email for e in self.instance.emails.all())
            self.fields["tag_names"].initial = ", ".join(t.name for t in self.instance.tags.all())

    def clean_language(self) -> str:
        return self.cleaned_data.get("language") or self.instance.language or "ru"

    def clean_emails(self) -> list[str]:
        return [e for e in _SPLIT.split(self.cleaned_data.get("emails") or "") if e]

    def clean_tag_names(self) -> list[str]:
        raw = self.cleaned_data.get("tag_names") or ""
        return [t.strip()[:50] for t in raw.split(",") if t.strip()]

    def clean_inn(self) -> str:
        return (self.cleaned_data.get("inn") or "").replace(" ", "")


class PhoneForm(forms.ModelForm):
    class Meta:
        model = ClientPhone
        fields = ["number", "kind", "comment"]
        widgets = {"number": forms.TextInput(attrs={"type": "tel", "data-dup-check": "phone"})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["number"] = format_phone(self.instance.number)

    def clean_number(self) -> str:
        raw = self.cleaned_data.get("number", "")
        number = normalize_phone(raw)
        if number is None:
            raise forms.ValidationError(_("This is not a valid phone number."))
        return number


class ContactForm(forms.ModelForm):
    class Meta:
        model = ContactPerson
        fields = [
            "name",
            "role",
            "phone",
            "extra_phone",
            "email",
            "telegram",
            "whatsapp",
            "viber",
            "note",
        ]
        widgets = {
            "phone": forms.TextInput(attrs={"type": "tel"}),
            "extra_phone": forms.TextInput(attrs={"type": "tel"}),
        }

    def _phone(self, name: str) -> str:
        raw = self.cleaned_data.get(name, "")
        if not raw:
            return ""
        number = normalize_phone(raw)
        if number is None:
            raise forms.ValidationError(_("This is not a valid phone number."))
        return number

    def clean_phone(self) -> str:
        return self._phone("phone")

    def clean_extra_phone(self) -> str:
        return self._phone("extra_phone")


class AddressForm(forms.ModelForm):
    class Meta:
        model = ClientAddress
        fields = [
            "label",
            "city",
            "address",
            "receiver_name",
            "receiver_phone",
            "entrance",
            "floor",
            "apartment",
            "access_notes",
            "window_from",
            "window_to",
            "latitude",
            "longitude",
            "is_primary",
        ]
        widgets = {
            "window_from": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "window_to": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "latitude": forms.NumberInput(attrs={"step": "any", "data-map-lat": "1"}),
            "longitude": forms.NumberInput(attrs={"step": "any", "data-map-lon": "1"}),
            "receiver_phone": forms.TextInput(attrs={"type": "tel"}),
        }

    def clean_receiver_phone(self) -> str:
        raw = self.cleaned_data.get("receiver_phone", "")
        if not raw:
            return ""
        number = normalize_phone(raw)
        if number is None:
            raise forms.ValidationError(_("This is not a valid phone number."))
        return number

    def clean(self) -> dict:
        data = super().clean()
        lat, lon = data.get("latitude"), data.get("longitude")
        if (lat is None) != (lon is None):
            raise forms.ValidationError(_("Set both latitude and longitude, or neither."))
        start, end = data.get("window_from"), data.get("window_to")
        if start and end and start >= end:
            self.add_error("window_to", _("The delivery window must end after it starts."))
        return data


PhoneFormSet = inlineformset_factory(
    Client, ClientPhone, form=PhoneForm, extra=1, can_delete=True, max_num=20, validate_max=True
)
ContactFormSet = inlineformset_factory(
    Client, ContactPerson, form=ContactForm, extra=0, can_delete=True, max_num=50, validate_max=True
)
AddressFormSet = inlineformset_factory(
    Client, ClientAddress, form=AddressForm, extra=1, can_delete=True, max_num=50, validate_max=True
)


def formset_rows(formset: forms.BaseFormSet) -> list[dict]:
    """The rows a formset keeps, as dicts for the services (with ``id`` for existing rows)."""
    rows = []
    for form in formset.forms:
        if not form.has_changed() and not form.instance.pk:
            continue
        data = dict(form.cleaned_data)
        if data.get("DELETE"):
            continue
        data.pop("client", None)
        data["id"] = form.instance.pk
        rows.append(data)
    return rows


class SavedFilterForm(forms.Form):
    name = forms.CharField(label=_("Filter name"), max_length=80)
    querystring = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)


class ImportUploadForm(forms.Form):
    file = forms.FileField(label=_("Excel file (.xlsx)"))


class ImportMappingForm(forms.Form):
    def __init__(self, *args: Any, headers: list[str], mapping: dict[str, str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        choices = [("", _("— skip —")), *((k, label) for k, (label, _w) in TARGETS.items())]
        for index, header in enumerate(headers):
            self.fields[f"col_{index}"] = forms.ChoiceField(
                label=header or _("Column %(n)s") % {"n": index + 1},
                choices=choices,
                required=False,
                initial=mapping.get(str(index), ""),
            )

    def mapping(self) -> dict[str, str]:
        return {
            name.removeprefix("col_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("col_") and value
        }


class MergeForm(forms.Form):
    other = forms.IntegerField(label=_("Number of the duplicate card"), min_value=1)
