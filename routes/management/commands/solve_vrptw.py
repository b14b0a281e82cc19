"""python manage.py solve_vrptw FILE [--time-limit SECONDS] --json"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandParser

from routes.optimizer.vrptw import solve_solomon


class Command(BaseCommand):
    help = "Solve a Solomon-format VRPTW file with the product's optimiser."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--time-limit", type=float, default=10.0)
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: object, **options: object) -> None:
        result = solve_solomon(options["file"], time_limit=float(options["time_limit"]))
        if options["json"]:
            self.stdout.write(json.dumps(result))
        else:
            self.stdout.write(
                f"{result['instance']}: {result['vehicles']} vehicles, "
                f"distance {result['distance']:.2f}, feasible {result['feasible']}, "
                f"{result['seconds']:.1f} s"
            )
