from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from rathaus.applications.services import purge_expired_drafts


class Command(BaseCommand):
    help = "Delete drafts (and their files) not changed for 30 days. Run daily."

    def handle(self, *args: Any, **options: Any) -> None:
        count = purge_expired_drafts()
        self.stdout.write(f"Deleted {count} expired draft(s).")
