"""The administrator's editor of PDF templates per document kind: see the built-in template,
save an own version (checked on the newest document of that kind first), preview it as a PDF,
and go back to the built-in one."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from billing.models import DocKind, DocumentTemplate
from billing.roles import EDIT_DOCUMENT_TEMPLATES
from billing.services import doc_templates
from crm.core.forms import apply_validation_error


class TemplateForm(forms.Form):
    html = forms.CharField(
        label=gettext_lazy("HTML template"),
        widget=forms.Textarea(attrs={"rows": 30, "spellcheck": "false", "class": "code"}),
        max_length=200_000,
    )


def _kind(kind: str) -> str:
    if kind not in doc_templates.EDITABLE_KINDS:
        raise Http404
    return kind


@permission_required(EDIT_DOCUMENT_TEMPLATES, raise_exception=True)
@require_GET
def template_list(request: HttpRequest) -> HttpResponse:
    custom = {t.kind: t for t in DocumentTemplate.objects.select_related("updated_by")}
    rows = [(kind, DocKind(kind).label, custom.get(kind)) for kind in doc_templates.EDITABLE_KINDS]
    return render(request, "billing/doc_templates/list.html", {"rows": rows})


@permission_required(EDIT_DOCUMENT_TEMPLATES, raise_exception=True)
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, kind: str) -> HttpResponse:
    kind = _kind(kind)
    html, is_custom = doc_templates.current_source(kind)
    form = TemplateForm(request.POST or None, initial={"html": html})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                doc_templates.template_save(
                    actor=request.user, kind=kind, html=form.cleaned_data["html"]
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, _("The template is saved; new PDFs use it."))
                return redirect("billing:doc-template-edit", kind=kind)
        status = 400
    context = {
        "form": form,
        "kind": kind,
        "kind_label": DocKind(kind).label,
        "is_custom": is_custom,
        "sample": doc_templates.sample_document(kind),
    }
    return render(request, "billing/doc_templates/edit.html", context, status=status)


@permission_required(EDIT_DOCUMENT_TEMPLATES, raise_exception=True)
@require_POST
def template_reset(request: HttpRequest, kind: str) -> HttpResponse:
    kind = _kind(kind)
    if doc_templates.template_reset(actor=request.user, kind=kind):
        messages.success(request, _("Back to the built-in template."))
    return redirect("billing:doc-template-edit", kind=kind)


@permission_required(EDIT_DOCUMENT_TEMPLATES, raise_exception=True)
@require_GET
def template_preview(request: HttpRequest, kind: str) -> HttpResponse:
    """The newest document of the kind printed with the template in force."""
    from billing.pdf import render_contract_pdf, render_document_pdf

    kind = _kind(kind)
    sample = doc_templates.sample_document(kind)
    if sample is None:
        raise Http404
    render_pdf = render_contract_pdf if kind == DocKind.CONTRACT else render_document_pdf
    response = HttpResponse(render_pdf(sample), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="preview-{kind}.pdf"'
    return response
