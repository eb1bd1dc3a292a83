from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from rathaus.cases.text_blocks import load_default_blocks


class Command(BaseCommand):
    help = "Create the shipped text blocks that do not exist yet (edited ones are kept)."

    def handle(self, *args: Any, **options: Any) -> None:
        report = load_default_blocks()
        for name in report.created:
            self.stdout.write(f"created {name}")
        for name in report.kept:
            self.stdout.write(f"kept {name} (exists)")
        for slug in report.missing_services:
            self.stdout.write(self.style.WARNING(f"service {slug} not published: skipped"))
