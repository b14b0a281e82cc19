"""``python manage.py bench SUITE --json``: the product's own benchmarks, one JSON object a suite.

Suites register themselves with ``crm.core.registry.register_bench``; ``bench list`` names them."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from crm.core.registry import bench_suites


class Command(BaseCommand):
    help = "Run one of Kolo's benchmark suites and print its figures as JSON."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any):  # type: ignore[override]
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        # Each suite's own options (e.g. --clients N) are accepted; unknown suites fail below.
        # Two suites may share an option name with different defaults, so the parser knows no
        # defaults: ``handle`` applies the chosen suite's own.
        for suite in bench_suites().values():
            for option, spec in suite.options.items():
                flag = "--" + option.replace("_", "-")
                if not any(flag in a.option_strings for a in parser._actions):
                    without_default = {k: v for k, v in spec.items() if k != "default"}
                    parser.add_argument(flag, dest=option, default=None, **without_default)
        return parser

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("suite", help="suite name, or 'list'")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        suites = bench_suites()
        name = options["suite"]
        if name == "list":
            for suite in suites.values():
                self.stdout.write(f"{suite.name:<12} {suite.help}")
            return
        if name not in suites:
            raise CommandError(f"unknown suite {name!r}; known: {', '.join(sorted(suites))}")
        suite = suites[name]
        kwargs = {}
        for option, spec in suite.options.items():
            value = options.get(option)
            value = spec.get("default") if value is None else value
            if value is not None:
                kwargs[option] = value
        result = {"suite": name, **suite.fn(**kwargs)}
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))
        else:
            for key, value in result.items():
                self.stdout.write(f"{key:<32} {value}")
