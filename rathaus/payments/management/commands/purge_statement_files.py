from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from rathaus.payments.statements import purge_statement_files


class Command(BaseCommand):
    help = ("Delete the files of bank statements applied more than "
            "RATHAUS_CASH_STATEMENT_FILE_DAYS ago (their lines stay). Run daily.")

    def handle(self, *args: Any, **options: Any) -> None:
        done = purge_statement_files()
        if options["verbosity"] > 0:
            self.stdout.write(
                f"Deleted the files of {done.emptied} applied statement(s) and "
                f"{done.deleted} upload(s) never applied, older than "
                f"{settings.RATHAUS_CASH_STATEMENT_FILE_DAYS} days.")
