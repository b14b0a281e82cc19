from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from crm.telephony.models import validate_extension


class ExtensionForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Employee"), queryset=get_user_model().objects.none())
    extension = forms.CharField(
        label=_("Extension"), max_length=20, validators=[validate_extension]
    )

    def __init__(self, *args: Any, branch: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (
            get_user_model()
            .objects.filter(branch=branch, is_active=True)
            .order_by("last_name", "first_name", "username")
        )


class CallClientForm(forms.Form):
    name = forms.CharField(label=_("Client name"), max_length=255)
