"""``python manage.py create_api_key NAME [--branch CODE]``: issue an API key for scripts and
tests; the key is printed once, as the last line of the output."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from crm.accounts.models import Branch
from crm.api.services import api_key_create


class Command(BaseCommand):
    help = "Create an intake API key; prints the key (shown only once) as the last line."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="The integration's name, e.g. Website")
        parser.add_argument("--branch", help="Branch code (default: the only or first branch)")

    def handle(self, *args: Any, **options: Any) -> None:
        branches = Branch.objects.filter(is_active=True).order_by("pk")
        if options["branch"]:
            branch = branches.filter(code=options["branch"]).first()
            if branch is None:
                raise CommandError(f"No active branch with code {options['branch']!r}.")
        else:
            branch = branches.first()
            if branch is None:
                raise CommandError("There is no active branch; create one first.")
        try:
            key, raw = api_key_create(actor=None, name=options["name"], branch=branch)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(f"API key #{key.pk} “{key.name}” for branch {branch.code}:")
        self.stdout.write(raw)
