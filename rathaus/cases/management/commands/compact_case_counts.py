from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from rathaus.cases import tally


class Command(BaseCommand):
    help = ("Fold the case counts the triggers write into one row per department, service, "
            "state and assignee (hourly), or count them afresh from the cases (--rebuild).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rebuild", action="store_true",
                            help="Re-create the triggers and count every case again.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["rebuild"]:
            written = tally.install()
            self.stdout.write(f"Counted the cases afresh: {written} row(s).")
            return
        before, after = tally.compact()
        if options["verbosity"]:
            self.stdout.write(f"Folded {before} row(s) of case counts into {after}.")
