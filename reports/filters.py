"""The period and branch every dashboard and report is computed for.

``ReportFilter`` is what selectors take; ``PeriodForm`` reads it from the query string (the same
GET parameters travel into every drill-down link, so a figure and its list always agree). Roles
that may switch branches choose one branch or all of them; everyone else is held to their own."""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.accounts.models import Branch

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
ALL = "all"
MAX_DAYS = 732


@dataclass(frozen=True)
class ReportFilter:
    date_from: datetime.date
    date_to: datetime.date
    today: datetime.date
    #: ``None``: every branch (only for roles that may switch branches)
    branch: Branch | None

    def branch_q(self, prefix: str = "") -> dict[str, Any]:
        """Keyword filter on ``<prefix>branch`` (empty for all branches)."""
        return {} if self.branch is None else {f"{prefix}branch": self.branch}

    @property
    def month_start(self) -> datetime.date:
        return self.date_to.replace(day=1)

    @property
    def month_end(self) -> datetime.date:
        last = calendar.monthrange(self.date_to.year, self.date_to.month)[1]
        return self.date_to.replace(day=last)

    def params(self, **extra: Any) -> str:
        """The query string that reproduces this filter (plus ``extra``) on another page."""
        data: dict[str, Any] = {
            "date_from": self.date_from.isoformat(),
            "date_to": self.date_to.isoformat(),
            "branch": self.branch.pk if self.branch is not None else ALL,
        }
        data.update({k: v for k, v in extra.items() if v not in (None, "")})
        return urlencode(data)


def local_today(branch: Branch | None) -> datetime.date:
    if branch is None:
        return timezone.localdate()
    return timezone.localtime(timezone.now(), branch.tzinfo).date()


class PeriodForm(forms.Form):
    date_from = forms.DateField(label=_("From"), widget=DATE, required=False)
    date_to = forms.DateField(label=_("Until"), widget=DATE, required=False)
    branch = forms.ChoiceField(label=_("Branch"), required=False)

    def __init__(self, data: Any, *, user: Any, active_branch: Branch | None) -> None:
        super().__init__(data)
        self.user = user
        self.active_branch = active_branch
        if user.can_switch_branch:
            branches = Branch.objects.filter(is_active=True).order_by("name")
            self.fields["branch"].choices = [(ALL, _("All branches"))] + [
                (str(b.pk), b.name) for b in branches
            ]
            self._branches = {str(b.pk): b for b in branches}
        else:
            del self.fields["branch"]
            self._branches = {}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The period starts after it ends."))
        if start and end and (end - start).days > MAX_DAYS:
            raise forms.ValidationError(_("Choose a period of two years at most."))
        return data

    def _branch(self, data: dict[str, Any]) -> Branch | None:
        if not self.user.can_switch_branch:
            return self.user.branch
        chosen = data.get("branch") or ""
        if chosen == ALL:
            return None
        return self._branches.get(chosen) or self.active_branch

    def report_filter(self) -> ReportFilter:
        """The filter the form describes; the current month to date when empty or invalid."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        branch = self._branch(data)
        today = local_today(branch or self.active_branch)
        date_to = data.get("date_to") or today
        date_from = data.get("date_from") or date_to.replace(day=1)
        return ReportFilter(date_from=date_from, date_to=date_to, today=today, branch=branch)

    def initial_values(self, flt: ReportFilter) -> None:
        """Show the effective filter in the inputs (defaults included)."""
        if not self.is_bound:
            self.initial = {
                "date_from": flt.date_from,
                "date_to": flt.date_to,
                "branch": str(flt.branch.pk) if flt.branch is not None else ALL,
            }


def report_filter_for(request: Any) -> tuple[ReportFilter, PeriodForm]:
    form = PeriodForm(
        request.GET or None, user=request.user, active_branch=getattr(request, "branch", None)
    )
    flt = form.report_filter()
    form.initial_values(flt)
    return flt, form
