from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation

from crm.accounts.models import Branch

BRANCH_SESSION_KEY = "kolo_branch_id"


class UserLanguageMiddleware:
    """A signed-in user's own language wins over the browser's."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


def resolve_active_branch(request: HttpRequest) -> Branch | None:
    """The branch whose data the request works on: the user's own, or — for roles that may
    switch — the one chosen in the header (kept in the session)."""
    user = request.user
    if not user.can_switch_branch:
        return user.branch
    chosen = request.session.get(BRANCH_SESSION_KEY)
    if chosen:
        branch = Branch.objects.filter(pk=chosen, is_active=True).first()
        if branch is not None:
            return branch
    return user.branch or Branch.objects.filter(is_active=True).first()


class ActiveBranchMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.branch = None
        request.switchable_branches = ()
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            request.branch = resolve_active_branch(request)
            if user.can_switch_branch:
                request.switchable_branches = list(Branch.objects.filter(is_active=True))
        return self.get_response(request)
