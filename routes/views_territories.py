"""Territories (areas served only by their vans) and products that need a special van."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from crm.core.forms import apply_validation_error
from crm.core.services import snapshot
from routes import roles, selectors
from routes.forms_territories import RequirementForm, TerritoryForm
from routes.models import ProductRequirement, Territory
from routes.permissions import can_manage_fleet, territories_for
from routes.services import territories
from routes.views import _branch


@permission_required(roles.VIEW_FLEET, raise_exception=True)
def territory_list(request: HttpRequest) -> HttpResponse:
    branch = _branch(request)
    can_edit = can_manage_fleet(request.user)
    context = {
        "territories": territories_for(request.user, branch).prefetch_related("vehicles"),
        "map": {"territories": selectors.territory_shapes(branch)},
        "map_tile_url": settings.MAP_TILE_URL,
        "map_attribution": settings.MAP_TILE_ATTRIBUTION,
        "requirements": ProductRequirement.objects.select_related("product"),
        "requirement_form": RequirementForm() if can_edit else None,
        "can_edit": can_edit,
    }
    return render(request, "routes/territory_list.html", context)


@permission_required(roles.MANAGE_FLEET, raise_exception=True)
@require_http_methods(["GET", "POST"])
def territory_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    branch = _branch(request)
    territory = (
        get_object_or_404(territories_for(request.user, branch), pk=pk) if pk else Territory()
    )
    before = snapshot(territory, territories.TERRITORY_FIELDS) if pk else None
    form = TerritoryForm(request.POST or None, instance=territory, branch=branch)
    if request.method == "POST" and form.is_valid():
        try:
            territories.territory_save(
                actor=request.user,
                territory=form.instance,
                vehicles=form.cleaned_data["vehicles"],
                before=before,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("routes:territory-list")
    context = {
        "form": form,
        "territory": territory if pk else None,
        "map_tile_url": settings.MAP_TILE_URL,
        "map_attribution": settings.MAP_TILE_ATTRIBUTION,
        "centre": branch_centre(branch),
    }
    return render(request, "routes/territory_form.html", context)


def branch_centre(branch: object) -> tuple[float, float]:
    """Where an empty map opens: the branch's first depot, else St Petersburg."""
    depot = getattr(branch, "depots", None)
    first = depot.filter(is_active=True).first() if depot is not None else None
    return first.point if first else (59.9386, 30.3141)


@permission_required(roles.MANAGE_FLEET, raise_exception=True)
@require_POST
def requirement_add(request: HttpRequest) -> HttpResponse:
    form = RequirementForm(request.POST)
    if form.is_valid():
        try:
            territories.requirement_add(
                actor=request.user,
                product=form.cleaned_data["product"],
                skill=form.cleaned_data["skill"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("routes:territory-list")
    for errors in form.errors.values():
        messages.error(request, " ".join(errors))
    return redirect("routes:territory-list")


@permission_required(roles.MANAGE_FLEET, raise_exception=True)
@require_POST
def requirement_remove(request: HttpRequest) -> HttpResponse:
    """Idempotent: removing a requirement that is not there says so and changes nothing."""
    form = RequirementForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("routes:territory-list")
    removed = territories.requirement_remove(
        actor=request.user, product=form.cleaned_data["product"], skill=form.cleaned_data["skill"]
    )
    messages.success(request, _("Removed.") if removed else _("There was nothing to remove."))
    return redirect("routes:territory-list")
