from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from crm.accounts.models import Branch, User
from crm.accounts.roles import Role


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("E-mail or username"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    error_messages = {
        "invalid_login": _("Wrong login or password. Both are case-sensitive for the password."),
        "inactive": _("This account is switched off. Ask your administrator."),
    }


class StaffForm(forms.ModelForm):
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(render_value=False),
        required=False,
        help_text=_("At least 8 characters, not only digits."),
    )

    class Meta:
        model = User
        fields = [
            "username",
            "email",
            "first_name",
            "last_name",
            "patronymic",
            "phone",
            "role",
            "branch",
            "language",
            "is_active",
        ]

    def __init__(self, *args: Any, creating: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = Branch.objects.filter(is_active=True)
        self.fields["role"].choices = Role.choices
        if creating:
            self.fields["password"].required = True
        else:
            del self.fields["password"]

    def _get_validation_exclusions(self) -> set[str]:
        # Login and e-mail are unique case-insensitively: checked below with a field error
        # instead of the database constraint's generic message.
        return super()._get_validation_exclusions() | {"username", "email"}

    def _taken(self, field: str, value: str) -> bool:
        others = User.objects.exclude(pk=self.instance.pk) if self.instance.pk else User.objects
        return bool(value) and others.filter(**{f"{field}__iexact": value}).exists()

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        if self._taken("username", username):
            raise forms.ValidationError(_("This username is taken."))
        return username

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if self._taken("email", email):
            raise forms.ValidationError(_("Another employee already uses this e-mail."))
        return email


class StaffPasswordForm(forms.Form):
    password = forms.CharField(label=_("New password"), widget=forms.PasswordInput)


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "patronymic", "email", "phone", "language"]


class BranchForm(forms.ModelForm):
    class Meta:
        model = Branch
        fields = [
            "code",
            "name",
            "city",
            "timezone",
            "address",
            "phone",
            "workday_start",
            "workday_end",
            "is_active",
        ]
        widgets = {
            "workday_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "workday_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Left empty, the working day keeps its current hours (08:00–21:00 for a new branch).
        for name in ("workday_start", "workday_end"):
            self.fields[name].required = False

    def clean_workday_start(self):
        return self.cleaned_data.get("workday_start") or self.instance.workday_start

    def clean_workday_end(self):
        return self.cleaned_data.get("workday_end") or self.instance.workday_end

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("workday_start"), data.get("workday_end")
        if start and end and start >= end:
            self.add_error("workday_end", _("The working day must end after it starts."))
        return data


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=settings.LANGUAGES)
    next = forms.CharField(required=False)
