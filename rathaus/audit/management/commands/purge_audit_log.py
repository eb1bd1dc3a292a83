from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from rathaus.audit.services import purge_audit_events


class Command(BaseCommand):
    help = "Delete audit events older than RATHAUS_AUDIT_RETENTION_DAYS. Run daily."

    def handle(self, *args: Any, **options: Any) -> None:
        count = purge_audit_events()
        self.stdout.write(f"Deleted {count} audit event(s) older than "
                          f"{settings.RATHAUS_AUDIT_RETENTION_DAYS} days.")
