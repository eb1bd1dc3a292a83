"""Delete unanswered BundID sign-in requests and expired assertion IDs (run hourly)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from rathaus.identity.saml.flow import purge


class Command(BaseCommand):
    help = "Delete unanswered BundID sign-in requests and assertion IDs past their expiry."

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = purge()
        if options["verbosity"] > 0:
            self.stdout.write(f"Deleted {deleted} sign-in record(s).")
