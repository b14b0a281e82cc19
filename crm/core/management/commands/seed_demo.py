"""``python manage.py seed_demo [--seed N] [--clients N]``: a deterministic demo business.

Each app contributes its part through ``crm.core.registry.register_seeder``; they run in order on
one shared context (random generator, options, created branches and users)."""

from __future__ import annotations

import random
from types import SimpleNamespace
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from crm.core.registry import seeders


class Command(BaseCommand):
    help = "Create a deterministic demo business (St Petersburg) with a user per role."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
        parser.add_argument("--clients", type=int, default=400, help="how many demo clients")
        parser.add_argument("--months", type=int, default=3, help="months of history to create")
        parser.add_argument("--reset", action="store_true", help="flush the database first")
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when demo data is already there"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from crm.accounts.models import Branch

        if options["reset"]:
            call_command("flush", interactive=False, verbosity=0)
            call_command("migrate", verbosity=0)  # re-creates role groups
        elif options["if_empty"] and Branch.objects.filter(code="spb").exists():
            self.stdout.write("Demo data is already there.")
            self._print_credentials()
            return
        ctx = SimpleNamespace(
            rng=random.Random(options["seed"]), options=options, stdout=self.stdout, credentials=[]
        )
        with transaction.atomic():
            for seeder in seeders():
                self.stdout.write(f"  seeding {seeder.name}…")
                seeder.fn(ctx)
        if connection.vendor == "postgresql":
            # Bulk-inserted tables have no statistics yet; without them the planner ignores the
            # search indexes (an 8 s client search instead of 70 ms).
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self.stdout.write(self.style.SUCCESS("Demo business ready."))
        self._print_credentials(ctx.credentials)

    def _print_credentials(self, credentials: list | None = None) -> None:
        from crm.accounts.seed import DEMO_PASSWORD, DEMO_STAFF

        credentials = credentials or [(u, DEMO_PASSWORD, str(r.label)) for u, r, *_ in DEMO_STAFF]
        self.stdout.write("Logins (username / password / role):")
        for username, password, role in credentials:
            self.stdout.write(f"  {username:<12} {password}  {role}")
