"""Staff and branch operations. Each writes history; role changes keep the groups in sync."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from crm.accounts.models import Branch, User
from crm.accounts.permissions import can_manage_staff
from crm.accounts.roles import Role
from crm.core.models import AuditEntry
from crm.core.services import audit_record, diff, notification_send, snapshot

STAFF_FIELDS = [
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


def _sync_role_group(user: User) -> None:
    group, _created = Group.objects.get_or_create(name=user.role)
    other_roles = Group.objects.filter(name__in=[r.value for r in Role]).exclude(pk=group.pk)
    user.groups.remove(*other_roles)
    user.groups.add(group)


def _check_unique(user: User) -> None:
    errors: dict[str, str] = {}
    others = User.objects.exclude(pk=user.pk)
    if others.annotate(u=Lower("username")).filter(u=user.username.lower()).exists():
        errors["username"] = _("This username is taken.")
    if user.email and others.annotate(e=Lower("email")).filter(e=user.email.lower()).exists():
        errors["email"] = _("Another employee already uses this e-mail.")
    if errors:
        raise ValidationError(errors)


def _check_branch(user: User) -> None:
    if user.role not in (Role.ADMIN,) and user.branch_id is None:
        raise ValidationError({"branch": _("Choose the employee's branch.")})


def _validate_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc


@transaction.atomic
def staff_create(*, actor: Any, password: str, **fields: Any) -> User:
    if actor is not None and not can_manage_staff(actor):
        raise PermissionDenied
    user = User(**{k: v for k, v in fields.items() if k in STAFF_FIELDS})
    user.username = user.username.strip()
    user.email = (user.email or "").strip()
    _check_unique(user)
    _check_branch(user)
    _validate_password(password, user)
    user.set_password(password)
    user.save()
    _sync_role_group(user)
    audit_record(
        actor=actor,
        instance=user,
        action=AuditEntry.Action.CREATE,
        changes=diff({}, snapshot(user, STAFF_FIELDS)),
    )
    return user


@transaction.atomic
def staff_update(*, actor: Any, user: User, **fields: Any) -> User:
    if not can_manage_staff(actor, user):
        raise PermissionDenied
    user = User.objects.select_for_update().get(pk=user.pk)
    before = snapshot(user, STAFF_FIELDS)
    for name, value in fields.items():
        if name in STAFF_FIELDS:
            setattr(user, name, value)
    if user.pk == actor.pk and not user.is_active:
        raise ValidationError({"is_active": _("You cannot deactivate your own account.")})
    if user.pk == actor.pk and user.role != Role.ADMIN:
        raise ValidationError({"role": _("You cannot take the administrator role from yourself.")})
    _check_unique(user)
    _check_branch(user)
    changes = diff(before, snapshot(user, STAFF_FIELDS))
    user.save(update_fields=[f for f in STAFF_FIELDS if f in changes] or ["username"])
    if "role" in changes:
        _sync_role_group(user)
    audit_record(actor=actor, instance=user, changes=changes)
    return user


@transaction.atomic
def staff_set_password(*, actor: Any, user: User, password: str) -> None:
    if not can_manage_staff(actor, user):
        raise PermissionDenied
    _validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(
        actor=actor,
        instance=user,
        changes={"password": ["•••", "•••"]},
        note=_("Password set by an administrator"),
    )
    notification_send(recipient=user, title=_("Your password was changed by an administrator"))


@transaction.atomic
def profile_update(*, user: User, **fields: Any) -> User:
    """What an employee may change about themselves."""
    allowed = ["first_name", "last_name", "patronymic", "email", "phone", "language"]
    before = snapshot(user, allowed)
    for name in allowed:
        if name in fields:
            setattr(user, name, fields[name])
    _check_unique(user)
    changes = diff(before, snapshot(user, allowed))
    if changes:
        user.save(update_fields=list(changes))
        audit_record(actor=user, instance=user, changes=changes)
    return user


BRANCH_FIELDS = ["code", "name", "city", "timezone", "address", "phone", "is_active"]


@transaction.atomic
def branch_save(*, actor: Any, branch: Branch) -> Branch:
    if not actor.has_perm("accounts.manage_staff"):
        raise PermissionDenied
    creating = branch.pk is None
    before = {} if creating else snapshot(Branch.objects.get(pk=branch.pk), BRANCH_FIELDS)
    branch.full_clean()
    branch.save()
    audit_record(
        actor=actor,
        instance=branch,
        action=AuditEntry.Action.CREATE if creating else AuditEntry.Action.UPDATE,
        changes=diff(before, snapshot(branch, BRANCH_FIELDS)),
    )
    return branch
