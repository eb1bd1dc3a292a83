from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from rathaus.cases.notice_delivery import end_lapsed_provisions


class Command(BaseCommand):
    help = ("End the provision of notices not retrieved within ten days and flag them for "
            "postal delivery (each once). Run hourly.")

    def handle(self, *args: Any, **options: Any) -> None:
        ended = end_lapsed_provisions()
        if options["verbosity"]:
            self.stdout.write(f"Ended {ended} provision(s); their notices go by post.")
