"""Fair distribution pages: the fairness page (per manager: working state, leads received today
and this month, in work, conversion, first-response time, and the last assignments with their
reasons) for the head of sales, director and admin; the rules of each pipeline of the active
branch for those who configure them (head of sales, admin).

Views fetch pipelines within the active branch, so another branch's pipeline is a 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from crm.core.forms import apply_validation_error
from crm.leads import distribution
from crm.leads.forms_distribution import DistributionRuleForm
from crm.leads.models import DistributionRule, Pipeline


def _branch(request: HttpRequest) -> Any:
    return getattr(request, "branch", None) or request.user.branch


@require_GET
@permission_required("leads.view_distribution", raise_exception=True)
def fairness(request: HttpRequest) -> HttpResponse:
    branch = _branch(request)
    context = {
        "branch": branch,
        "rows": distribution.fairness_report(branch) if branch else [],
        "assignments": distribution.recent_assignments(branch) if branch else [],
        "can_configure": request.user.has_perm("leads.manage_distribution"),
    }
    return render(request, "leads/distribution/fairness.html", context)


@require_GET
@permission_required("leads.manage_distribution", raise_exception=True)
def rule_list(request: HttpRequest) -> HttpResponse:
    branch = _branch(request)
    pipelines = list(Pipeline.objects.filter(branch=branch, is_active=True))
    rules = {
        r.pipeline_id: r
        for r in DistributionRule.objects.filter(pipeline__in=pipelines).prefetch_related(
            "participants__manager"
        )
    }
    rows = [(p, rules.get(p.pk)) for p in pipelines]
    return render(request, "leads/distribution/rule_list.html", {"rows": rows, "branch": branch})


@require_http_methods(["GET", "POST"])
@permission_required("leads.manage_distribution", raise_exception=True)
def rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    pipeline = get_object_or_404(Pipeline, pk=pk, branch=_branch(request))
    rule = distribution.rule_for_pipeline(pipeline)
    staff = distribution.eligible_staff(pipeline.branch)
    form = DistributionRuleForm(request.POST or None, instance=rule, staff=staff)
    if request.method == "POST" and form.is_valid():
        try:
            distribution.distribution_rule_update(
                actor=request.user,
                rule=rule,
                participants=form.participants(),
                **form.rule_fields(),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Distribution rule saved."))
            return redirect("leads:distribution-rules")
    return render(
        request, "leads/distribution/rule_form.html", {"form": form, "pipeline": pipeline}
    )
