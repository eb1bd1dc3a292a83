from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from rathaus.cases.conversation import remind_lapsed_deadlines


class Command(BaseCommand):
    help = ("Remind clerks of requests to applicants whose deadline has passed without a reply "
            "(once per request). Run hourly.")

    def handle(self, *args: Any, **options: Any) -> None:
        report = remind_lapsed_deadlines()
        for reference in report.reminded:
            self.stdout.write(f"deadline lapsed: {reference}")
        self.stdout.write(f"Reminded of {len(report.reminded)} lapsed deadline(s).")
