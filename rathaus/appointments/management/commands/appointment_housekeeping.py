from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from rathaus.appointments import outbox, services
from rathaus.appointments.stats import counter
from rathaus.appointments.tasks import send_reminders


class Command(BaseCommand):
    help = ("Run every minute: free lapsed holds, let unanswered offers lapse and pass them on, "
            "draw closed request windows, keep slots current, send tomorrow's reminders "
            "and confirmations still due, "
            "remove personal data past the retention period.")

    def handle(self, *args: Any, **options: Any) -> None:
        freed = services.release_lapsed()
        lapsed = services.expire_offers()
        drawn = services.draw_due_releases()
        slots = services.sync_all_slots()
        reminders = send_reminders.call()
        confirmations = outbox.send_due()
        purged = services.purge_personal_data()
        counter.flush()
        self.stdout.write(
            f"freed {freed} holds, {lapsed} offers lapsed, {drawn} draws, {slots} slot changes, "
            f"{reminders} reminders, {confirmations} confirmations, "
            f"{purged} records anonymised")
