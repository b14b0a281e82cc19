"""Thin views of the leads app: bind a form, call a service, render a partial (htmx) or redirect."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from crm.core.forms import apply_validation_error
from crm.core.pagination import paginate, querystring_without_page
from crm.core.panels import record_panels
from crm.leads import selectors, services
from crm.leads.filters import ArchiveFilter, LeadFilter
from crm.leads.forms import (
    LeadForm,
    LoseForm,
    NameForm,
    SalesPlanForm,
    StageDeleteForm,
    StageForm,
    TaskForm,
    WinForm,
)
from crm.leads.models import LeadStatus, LossReason, Pipeline, Source, Stage
from crm.leads.permissions import (
    can_change_lead,
    can_change_task,
    leads_for,
    pipelines_for,
    tasks_for,
)


def _branch(request: HttpRequest) -> Any:
    return getattr(request, "branch", None) or request.user.branch


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False)) and not request.htmx.boosted


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _pipeline(request: HttpRequest) -> Pipeline | None:
    qs = pipelines_for(request.user, _branch(request))
    wanted = request.GET.get("pipeline") or request.POST.get("pipeline")
    if wanted:
        try:
            return qs.filter(pk=int(wanted)).first() or qs.first()
        except (TypeError, ValueError):
            return qs.first()
    return qs.first()


def _lead(request: HttpRequest, pk: int) -> Any:
    return get_object_or_404(
        leads_for(request.user, _branch(request)).select_related(
            "stage", "pipeline", "source", "manager", "client", "loss_reason"
        ),
        pk=pk,
    )


# --- Dashboard --------------------------------------------------------------------------------
@require_http_methods(["GET"])
@permission_required("leads.view_lead", raise_exception=True)
def dashboard(request: HttpRequest) -> HttpResponse:
    branch = _branch(request)
    user = request.user
    now = timezone.now()
    today_end = timezone.localtime(now).replace(hour=23, minute=59, second=59)
    tasks = selectors.task_list(user=user, branch=branch).filter(
        is_done=False, due_at__lte=today_end
    )
    new_leads = (
        selectors.lead_list(user=user, branch=branch)
        .filter(status=LeadStatus.OPEN, is_new_unseen=True)
        .order_by("-created_at")
    )
    context = {
        "tasks": tasks[:30],
        "new_leads": new_leads[:20],
        "new_count": new_leads.count(),
        "plan": selectors.plan_vs_fact(user=user, branch=branch, day=timezone.localdate()),
        "completion": (
            selectors.task_completion_by_manager(user=user, branch=branch)
            if user.has_perm("leads.assign_tasks")
            else None
        ),
        "can_edit_plan": user.has_perm("leads.change_salesplan"),
        "now": now,
    }
    return render(request, "leads/dashboard.html", context)


@require_http_methods(["GET"])
@permission_required("leads.view_lead", raise_exception=True)
def dynamics_data(request: HttpRequest) -> JsonResponse:
    by = "week" if request.GET.get("by") == "week" else "day"
    return JsonResponse(selectors.sales_dynamics(user=request.user, branch=_branch(request), by=by))


@require_http_methods(["GET", "POST"])
@permission_required("leads.change_salesplan", raise_exception=True)
def sales_plan(request: HttpRequest) -> HttpResponse:
    branch = _branch(request)
    month = timezone.localdate().replace(day=1)
    form = SalesPlanForm(request.POST or None, branch=branch)
    if request.method == "POST" and form.is_valid():
        try:
            services.sales_plan_set(
                actor=request.user,
                manager=form.cleaned_data["manager"],
                month=month,
                amount=form.cleaned_data["amount"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The plan is saved."))
            return redirect("leads:sales-plan")
    from crm.leads.models import SalesPlan

    plans = SalesPlan.objects.filter(month=month, manager__branch=branch).select_related("manager")
    return render(
        request, "leads/salesplan_form.html", {"form": form, "plans": plans, "month": month}
    )


# --- Board and table --------------------------------------------------------------------------
def _filtered(request: HttpRequest, pipeline: Pipeline | None, klass: type = LeadFilter) -> Any:
    branch = _branch(request)
    base = selectors.lead_list(user=request.user, branch=branch)
    kwargs = {"branch": branch, "user": request.user}
    if klass is LeadFilter:
        kwargs["pipeline"] = pipeline
    return klass(request.GET or None, queryset=base, **kwargs)


def _board_querystring(request: HttpRequest, pipeline: Pipeline | None) -> str:
    params = request.GET.copy()
    for key in ("page", "column", "expand"):
        params.pop(key, None)
    if pipeline is not None:
        params["pipeline"] = str(pipeline.pk)
    return params.urlencode()


@require_http_methods(["GET"])
@permission_required("leads.view_lead", raise_exception=True)
def board(request: HttpRequest) -> HttpResponse:
    pipeline = _pipeline(request)
    filterset = _filtered(request, pipeline)
    qs = filterset.qs if filterset.is_valid() else filterset.queryset
    column_id = _int(request.GET.get("column"))
    expanded_id = column_id if request.GET.get("expand") == "1" else None
    columns = (
        selectors.board_columns(pipeline=pipeline, leads=qs, expanded=expanded_id)
        if pipeline
        else []
    )
    context = {
        "pipeline": pipeline,
        "pipelines": pipelines_for(request.user, _branch(request)),
        "columns": columns,
        "filter": filterset,
        "querystring": _board_querystring(request, pipeline),
        "can_add": request.user.has_perm("leads.add_lead"),
        # "/leads/" for "/leads/<pk>/" and ".../move/": 400 {% url %} reversals per board were a
        # third of its render time; test_board_card_urls_match_reverse keeps them in step.
        "lead_url": reverse("leads:lead-detail", args=[0]).removesuffix("0/"),
    }
    if _is_htmx(request):
        if column_id is not None:
            column = next((c for c in columns if c["stage"].pk == column_id), None)
            if column is None:
                raise Http404
            return render(request, "leads/lead_board.html#board-column", {**context, "col": column})
        return render(request, "leads/lead_board.html#lead-board", context)
    return render(request, "leads/lead_board.html", context)


@require_http_methods(["GET"])
@permission_required("leads.view_lead", raise_exception=True)
def table(request: HttpRequest) -> HttpResponse:
    pipeline = _pipeline(request)
    filterset = _filtered(request, pipeline)
    qs = filterset.qs if filterset.is_valid() else filterset.queryset
    if pipeline is not None:
        qs = qs.filter(pipeline=pipeline)
    qs = qs.filter(status=LeadStatus.OPEN)
    context = {
        "pipeline": pipeline,
        "pipelines": pipelines_for(request.user, _branch(request)),
        "filter": filterset,
        "page": paginate(request, qs, per_page=50),
        "querystring": _board_querystring(request, pipeline),
    }
    if _is_htmx(request):
        return render(request, "leads/lead_table.html#lead-table", context)
    return render(request, "leads/lead_table.html", context)


@require_http_methods(["GET"])
@permission_required("leads.view_lead", raise_exception=True)
def archive(request: HttpRequest) -> HttpResponse:
    filterset = _filtered(request, None, ArchiveFilter)
    qs = filterset.qs if filterset.is_valid() else filterset.queryset
    qs = qs.exclude(status=LeadStatus.OPEN).order_by("-closed_at", "-pk")
    context = {
        "filter": filterset,
        "page": paginate(request, qs, per_page=50),
        "querystring": querystring_without_page(request),
    }
    if _is_htmx(request):
        return render(request, "leads/lead_archive.html#archive-table", context)
    return render(request, "leads/lead_archive.html", context)


# --- Lead card and operations -----------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@permission_required("leads.add_lead", raise_exception=True)
def lead_create(request: HttpRequest) -> HttpResponse:
    branch = _branch(request)
    pipeline = _pipeline(request)
    if pipeline is None:
        messages.error(request, _("Create a pipeline first."))
        return redirect("leads:board")
    form = LeadForm(request.POST or None, branch=branch, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items()}
        try:
            lead = services.lead_create(
                actor=request.user, branch=branch, pipeline=pipeline, **data
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            if lead.client_id:
                messages.info(
                    request,
                    _("This phone or e-mail belongs to the client “%(name)s”; the lead is linked.")
                    % {"name": lead.client.name},
                )
            else:
                messages.success(request, _("The lead is created."))
            return redirect("leads:lead-detail", pk=lead.pk)
    return render(request, "leads/lead_form.html", {"form": form, "pipeline": pipeline})


@require_http_methods(["GET"])
@permission_required("leads.add_lead", raise_exception=True)
def lead_duplicates(request: HttpRequest) -> HttpResponse:
    """While the new-lead form is typed: the clients (that this user may open) sharing the phone
    or e-mail; saving the lead links it to the first of them."""
    from clients.permissions import clients_for
    from clients.services import client_find_duplicates

    branch = _branch(request)
    phone = request.GET.get("phone", "")[:40]
    email = request.GET.get("email", "")[:254]
    found = client_find_duplicates(phone=phone, email=email, branch=branch)
    visible = clients_for(request.user, branch).filter(pk__in=found.values("pk"))
    return render(request, "leads/_duplicates.html", {"clients": visible[:5]})


@require_http_methods(["GET"])
@permission_required("leads.view_lead", raise_exception=True)
def lead_detail(request: HttpRequest, pk: int) -> HttpResponse:
    lead = _lead(request, pk)
    services.lead_mark_seen(actor=request.user, lead=lead)
    branch = _branch(request)
    context = {
        "lead": lead,
        "can_change": can_change_lead(request.user, lead),
        "stages": lead.pipeline.stages.filter(kind=Stage.Kind.OPEN),
        "lose_form": LoseForm(branch=branch),
        "win_form": WinForm(),
        "task_form": TaskForm(branch=branch, user=request.user),
        "tasks": lead.tasks.select_related("assignee").order_by("is_done", "due_at"),
        **record_panels(lead, request.user),
    }
    return render(request, "leads/lead_detail.html", context)


@require_http_methods(["GET", "POST"])
@permission_required("leads.change_lead", raise_exception=True)
def lead_edit(request: HttpRequest, pk: int) -> HttpResponse:
    lead = _lead(request, pk)
    if not can_change_lead(request.user, lead):
        raise PermissionDenied
    form = LeadForm(request.POST or None, instance=lead, branch=_branch(request), user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.lead_update(actor=request.user, lead=lead, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("leads:lead-detail", pk=lead.pk)
    return render(request, "leads/lead_form.html", {"form": form, "lead": lead})


@require_POST
@permission_required("leads.change_lead", raise_exception=True)
def lead_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Kanban drop (htmx) or the card's stage select (plain POST)."""
    lead = _lead(request, pk)
    stage = Stage.objects.filter(pipeline_id=lead.pipeline_id, pk=_int(request.POST.get("stage")))
    stage = stage.first()
    status = 200
    try:
        if stage is None:
            raise ValidationError(_("Choose a stage."))
        services.lead_move(
            actor=request.user,
            lead=lead,
            stage=stage,
            after=_int(request.POST.get("after")),
            before=_int(request.POST.get("before")),
        )
    except ValidationError as error:
        status = 400
        if not _is_htmx(request):
            messages.error(request, _error_text(error))
        else:
            return HttpResponse(_error_text(error), status=400)
    if _is_htmx(request):
        return HttpResponse(status=204)
    nxt = request.POST.get("next")
    if nxt == "board" and status == 200:
        return redirect(f"{reverse('leads:board')}?pipeline={lead.pipeline_id}")
    return redirect("leads:lead-detail", pk=lead.pk)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@require_POST
@permission_required("leads.change_lead", raise_exception=True)
def lead_win(request: HttpRequest, pk: int) -> HttpResponse:
    lead = _lead(request, pk)
    form = WinForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    if not form.is_valid():
        messages.error(request, _error_text(ValidationError(form.errors.get("note") or "")))
        return redirect("leads:lead-detail", pk=lead.pk)
    try:
        lead = services.lead_win(actor=request.user, lead=lead, note=note)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("Won! The client card is ready."))
    return redirect("leads:lead-detail", pk=lead.pk)


@require_http_methods(["GET", "POST"])
@permission_required("leads.change_lead", raise_exception=True)
def lead_lose(request: HttpRequest, pk: int) -> HttpResponse:
    lead = _lead(request, pk)
    if not can_change_lead(request.user, lead):
        raise PermissionDenied
    form = LoseForm(request.POST or None, branch=_branch(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.lead_lose(
                actor=request.user,
                lead=lead,
                reason=form.cleaned_data["reason"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The lead is moved to the archive."))
            return redirect("leads:lead-detail", pk=lead.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "leads/lead_lose.html", {"form": form, "lead": lead}, status=status)


@require_POST
@permission_required("leads.change_lead", raise_exception=True)
def lead_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    lead = _lead(request, pk)
    try:
        services.lead_reopen(actor=request.user, lead=lead)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("The lead is back in the funnel."))
    return redirect("leads:lead-detail", pk=lead.pk)


# --- Tasks ------------------------------------------------------------------------------------
@require_http_methods(["GET"])
@permission_required("leads.view_task", raise_exception=True)
def task_list(request: HttpRequest) -> HttpResponse:
    branch = _branch(request)
    everyone = request.GET.get("all") == "1" and request.user.has_perm("leads.assign_tasks")
    tasks = selectors.task_list(user=request.user, branch=branch, mine=not everyone)
    context = {
        "page": paginate(request, tasks, per_page=50),
        "everyone": everyone,
        "form": TaskForm(branch=branch, user=request.user),
        "completion": (
            selectors.task_completion_by_manager(user=request.user, branch=branch)
            if request.user.has_perm("leads.assign_tasks")
            else None
        ),
        "querystring": querystring_without_page(request),
        "now": timezone.now(),
    }
    if _is_htmx(request):
        return render(request, "leads/task_list.html#task-table", context)
    return render(request, "leads/task_list.html", context)


@require_http_methods(["GET", "POST"])
@permission_required("leads.add_task", raise_exception=True)
def task_create(request: HttpRequest) -> HttpResponse:
    branch = _branch(request)
    lead = None
    lead_id = _int(request.POST.get("lead") or request.GET.get("lead"))
    if lead_id is not None:
        lead = _lead(request, lead_id)
    client = None
    client_id = _int(request.POST.get("client") or request.GET.get("client"))
    if client_id is not None:
        from clients.permissions import clients_for

        client = get_object_or_404(clients_for(request.user, branch), pk=client_id)
    form = TaskForm(request.POST or None, branch=branch, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.task_create(
                actor=request.user,
                branch=branch,
                title=form.cleaned_data["title"],
                due_at=form.cleaned_data["due_at"],
                priority=form.cleaned_data["priority"],
                assignee=form.cleaned_data.get("assignee"),
                lead=lead,
                client=client,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The task is added."))
            if client is not None and lead is None:
                return redirect(f"{reverse('clients:client-detail', args=[client.pk])}?tab=tasks")
            if lead is not None:
                return redirect("leads:lead-detail", pk=lead.pk)
            return redirect("leads:task-list")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "leads/task_form.html",
        {"form": form, "lead": lead, "client": client},
        status=status,
    )


@require_POST
@permission_required("leads.change_task", raise_exception=True)
def task_done(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_object_or_404(tasks_for(request.user, _branch(request)), pk=pk)
    if not can_change_task(request.user, task):
        raise Http404
    services.task_set_done(actor=request.user, task=task, done=request.POST.get("done") != "0")
    nxt = request.POST.get("next", "")
    if nxt.startswith("/") and not nxt.startswith("//"):
        return redirect(nxt)
    return redirect("leads:task-list")


# --- Settings: pipelines, stages, directories -------------------------------------------------
def _managed_pipeline(request: HttpRequest, pk: int) -> Pipeline:
    return get_object_or_404(Pipeline.objects.filter(branch=_branch(request)), pk=pk)


@require_http_methods(["GET", "POST"])
@permission_required("leads.manage_pipelines", raise_exception=True)
def pipeline_list(request: HttpRequest) -> HttpResponse:
    branch = _branch(request)
    form = NameForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            pipeline = services.pipeline_create(
                actor=request.user, branch=branch, name=form.cleaned_data["name"]
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return redirect("leads:pipeline-detail", pk=pipeline.pk)
    pipelines = Pipeline.objects.filter(branch=branch).prefetch_related("stages")
    return render(request, "leads/pipeline_list.html", {"form": form, "pipelines": pipelines})


@require_http_methods(["GET", "POST"])
@permission_required("leads.manage_pipelines", raise_exception=True)
def pipeline_detail(request: HttpRequest, pk: int) -> HttpResponse:
    pipeline = _managed_pipeline(request, pk)
    rename_form = NameForm(initial={"name": pipeline.name})
    stage_form = StageForm()
    if request.method == "POST":
        try:
            if request.POST.get("action") == "rename":
                rename_form = NameForm(request.POST)
                if rename_form.is_valid():
                    services.pipeline_rename(
                        actor=request.user, pipeline=pipeline, name=rename_form.cleaned_data["name"]
                    )
                    return redirect("leads:pipeline-detail", pk=pipeline.pk)
            else:
                stage_form = StageForm(request.POST)
                if stage_form.is_valid():
                    services.stage_create(
                        actor=request.user, pipeline=pipeline, **stage_form.cleaned_data
                    )
                    return redirect("leads:pipeline-detail", pk=pipeline.pk)
        except ValidationError as error:
            apply_validation_error(stage_form, error)
    context = {
        "pipeline": pipeline,
        "stages": pipeline.stages.all(),
        "rename_form": rename_form,
        "stage_form": stage_form,
        "kinds": Stage.Kind.choices,
    }
    return render(request, "leads/pipeline_detail.html", context)


@require_POST
@permission_required("leads.manage_pipelines", raise_exception=True)
def stage_edit(request: HttpRequest, pk: int) -> HttpResponse:
    stage = get_object_or_404(Stage.objects.filter(pipeline__branch=_branch(request)), pk=pk)
    form = StageForm(request.POST)
    try:
        if request.POST.get("shift") in ("-1", "1"):
            services.stage_shift(actor=request.user, stage=stage, delta=int(request.POST["shift"]))
        elif form.is_valid():
            services.stage_update(actor=request.user, stage=stage, **form.cleaned_data)
        else:
            messages.error(request, _("Check the stage's name and colour."))
    except ValidationError as error:
        messages.error(request, _error_text(error))
    return redirect("leads:pipeline-detail", pk=stage.pipeline_id)


@require_http_methods(["GET", "POST"])
@permission_required("leads.manage_pipelines", raise_exception=True)
def stage_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm page: how many leads the stage holds and where they should go; POST deletes."""
    stage = get_object_or_404(
        Stage.objects.filter(pipeline__branch=_branch(request)).select_related("pipeline"), pk=pk
    )
    targets = stage.pipeline.stages.filter(kind=Stage.Kind.OPEN).exclude(pk=stage.pk)
    form = StageDeleteForm(request.POST if request.method == "POST" else None, targets=targets)
    problem = services.stage_delete_problem(stage)
    if request.method == "POST" and problem is None and form.is_valid():
        try:
            moved = services.stage_delete(
                actor=request.user, stage=stage, move_to=form.cleaned_data["move_to"]
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("The stage “%(name)s” is deleted; %(n)s leads moved.")
                % {"name": stage.name, "n": moved},
            )
            return redirect("leads:pipeline-detail", pk=stage.pipeline_id)
    context = {
        "stage": stage,
        "form": form,
        "problem": problem,
        "lead_count": stage.leads.count(),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "leads/stage_delete.html", context, status=status)


@require_POST
@permission_required("leads.manage_pipelines", raise_exception=True)
def stage_reorder(request: HttpRequest, pk: int) -> HttpResponse:
    pipeline = _managed_pipeline(request, pk)
    ids = [i for i in (_int(v) for v in request.POST.getlist("stage")) if i is not None]
    services.stage_reorder(actor=request.user, pipeline=pipeline, stage_ids=ids)
    if _is_htmx(request):
        return HttpResponse(status=204)
    return redirect("leads:pipeline-detail", pk=pipeline.pk)


DIRECTORIES = {"source": Source, "loss-reason": LossReason}


@require_http_methods(["GET", "POST"])
@permission_required("leads.manage_directories", raise_exception=True)
def directories(request: HttpRequest) -> HttpResponse:
    branch = _branch(request)
    forms = {key: NameForm(prefix=key) for key in DIRECTORIES}
    if request.method == "POST":
        key = request.POST.get("kind")
        if key in DIRECTORIES:
            form = NameForm(request.POST, prefix=key)
            forms[key] = form
            if form.is_valid():
                try:
                    services.directory_entry_create(
                        actor=request.user,
                        model=DIRECTORIES[key],
                        branch=branch,
                        name=form.cleaned_data["name"],
                    )
                except ValidationError as error:
                    apply_validation_error(form, error)
                else:
                    return redirect("leads:directories")
    context = {
        "sources": Source.objects.filter(branch=branch),
        "reasons": LossReason.objects.filter(branch=branch),
        "source_form": forms["source"],
        "reason_form": forms["loss-reason"],
    }
    return render(request, "leads/directories.html", context)


@require_POST
@permission_required("leads.manage_directories", raise_exception=True)
def directory_toggle(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    model = DIRECTORIES.get(kind)
    if model is None:
        raise Http404
    entry = get_object_or_404(model.objects.filter(branch=_branch(request)), pk=pk)
    services.directory_entry_toggle(actor=request.user, entry=entry)
    return redirect("leads:directories")
