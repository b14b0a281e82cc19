"""Forms of the contract pages: directories (contract types, clause templates, organisations),
a contract's terms with its clauses and tariff lines, its text, agreements, termination and a
director's override."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from billing.models import (
    ClauseTemplate,
    Contract,
    ContractStatus,
    ContractTariff,
    ContractType,
    Organisation,
)
from billing.services.contracts import PLACEHOLDERS, validate_placeholders
from crm.orders.models import Product

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ContractTypeForm(forms.ModelForm):
    class Meta:
        model = ContractType
        fields = ["name", "default_period", "default_payment_days", "is_active"]


class ClauseTemplateForm(forms.ModelForm):
    class Meta:
        model = ClauseTemplate
        fields = ["contract_type", "number", "title", "body", "position", "is_active"]
        widgets = {"body": forms.Textarea(attrs={"rows": 8})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        known = ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
        self.fields["body"].help_text = _("Placeholders: %(known)s") % {"known": known}

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        validate_placeholders(body)
        return body


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = [
            "name",
            "short_name",
            "code",
            "branches",
            "inn",
            "kpp",
            "ogrn",
            "legal_address",
            "phone",
            "email",
            "bank_name",
            "bik",
            "bank_account",
            "corr_account",
            "director_name",
            "accountant_name",
            "vat_payer",
            "default_vat_rate",
            "currency",
            "signature_image",
            "stamp_image",
            "is_active",
        ]
        widgets = {"branches": forms.CheckboxSelectMultiple}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for name in ("signature_image", "stamp_image"):
            upload = data.get(name)
            if upload and getattr(upload, "size", 0) > 2 * 1024 * 1024:
                self.add_error(name, _("The image is too large (2 MB at most)."))
        return data


class ContractForm(forms.ModelForm):
    """Terms and the clauses to assemble the text from (ticked: included)."""

    clauses = forms.ModelMultipleChoiceField(
        label=_("Clauses"),
        queryset=ClauseTemplate.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Contract
        fields = [
            "organisation",
            "contract_type",
            "signed_on",
            "starts_on",
            "ends_on",
            "billing_period",
            "payment_days",
            "credit_limit",
        ]
        widgets = {"signed_on": DATE, "starts_on": DATE, "ends_on": DATE}

    def __init__(self, *args: Any, clause_choices: Any, editing: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(is_active=True)
        self.fields["contract_type"].queryset = ContractType.objects.filter(is_active=True)
        self.fields["clauses"].queryset = clause_choices
        if editing:  # the number belongs to the organisation: it does not move
            del self.fields["organisation"]
            del self.fields["contract_type"]

    def terms(self) -> dict[str, Any]:
        names = ["signed_on", "starts_on", "ends_on", "billing_period", "payment_days"]
        return {n: self.cleaned_data.get(n) for n in [*names, "credit_limit"]}


class TariffForm(forms.ModelForm):
    class Meta:
        model = ContractTariff
        fields = ["product", "name", "unit", "quantity", "price", "vat_rate"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.filter(is_active=True).order_by("name")
        self.fields["name"].required = False
        self.fields["price"].required = False

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        product = data.get("product")
        if not product and not (data.get("name") or "").strip():
            raise ValidationError(_("Choose a product or write the service."))
        if not product and data.get("price") is None:
            self.add_error("price", _("Give the price."))
        return data


class BaseTariffFormSet(forms.BaseFormSet):
    def rows(self) -> list[dict[str, Any]]:
        kept = []
        initial_count = self.initial_form_count()
        for index, form in enumerate(self.forms):
            if (index >= initial_count and not form.has_changed()) or (
                self._should_delete_form(form)
            ):
                continue
            kept.append({k: v for k, v in form.cleaned_data.items() if k != "DELETE"})
        return kept


TariffFormSet = formset_factory(
    TariffForm, formset=BaseTariffFormSet, extra=1, can_delete=True, max_num=50, validate_max=True
)


def tariff_initial(contract: Contract) -> list[dict[str, Any]]:
    return [
        {
            "product": t.product_id,
            "name": t.name,
            "unit": t.unit,
            "quantity": t.quantity,
            "price": t.price,
            "vat_rate": t.vat_rate,
        }
        for t in contract.tariffs.all()
    ]


class ContractTextForm(forms.Form):
    text = forms.CharField(
        label=_("Contract text"), widget=forms.Textarea(attrs={"rows": 24}), max_length=200_000
    )


class ReassembleForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Yes, replace the edited text with the one assembled from the clauses"),
        required=True,
    )


class TerminateForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)
    on = forms.DateField(label=_("Terminated on"), widget=DATE, required=False)


class AgreementForm(forms.Form):
    signed_on = forms.DateField(label=_("Signed on"), widget=DATE)
    starts_on = forms.DateField(label=_("In force from"), widget=DATE, required=False)
    new_ends_on = forms.DateField(
        label=_("Extends the contract until"),
        widget=DATE,
        required=False,
        help_text=_("Leave empty when the agreement does not change the end date."),
    )
    text = forms.CharField(
        label=_("Text"), widget=forms.Textarea(attrs={"rows": 8}), max_length=50_000
    )


class OverrideForm(forms.Form):
    valid_until = forms.DateField(label=_("Allow work until"), widget=DATE)
    reason = forms.CharField(label=_("Reason"), max_length=500)


class ContractFilterForm(forms.Form):
    STATE = [
        ("", _("All")),
        ("expiring", _("Expiring within 30 days")),
        ("expired", _("Expired")),
    ]
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All")), *ContractStatus.choices], required=False
    )
    state = forms.ChoiceField(label=_("Validity"), choices=STATE, required=False)
    contract_type = forms.ModelChoiceField(
        label=_("Contract type"), queryset=ContractType.objects.all(), required=False
    )
    q = forms.CharField(label=_("Client or number"), max_length=100, required=False)
