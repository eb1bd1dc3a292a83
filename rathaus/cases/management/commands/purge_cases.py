from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from rathaus.cases.retention import purge_cases


class Command(BaseCommand):
    help = ("Delete ended cases past their service's retention period (keeping anonymous "
            "statistics), except those under legal hold. Run daily.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true",
                            help="List the cases that would be deleted; change nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        report = purge_cases(dry_run=options["dry_run"])
        if options["dry_run"]:
            for item in report.due:
                self.stdout.write(f"{item.reference} {item.service} ended "
                                  f"{item.ended_at:%Y-%m-%d}, kept {item.retention_days} days")
            self.stdout.write(f"Would delete {len(report.due)} case(s).")
            return
        self.stdout.write(f"Deleted {report.cases} case(s) past their retention period "
                          f"({report.uploads} upload(s), {report.messages} mailbox message(s), "
                          f"{report.notices} notice(s), {report.files} file(s)).")
