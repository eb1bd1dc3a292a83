from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from rathaus.appointments.config import CalendarsInvalid, install_calendars, read_calendars
from rathaus.appointments.models import Calendar
from rathaus.appointments.services import sync_slots


class Command(BaseCommand):
    help = ("Create the shipped appointment calendars that do not exist yet "
            "(services/_calendars.yaml) and their slots for the booking window.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", type=Path, default=None,
                            help="calendar file (default: _calendars.yaml in RATHAUS_SERVICES_DIR)")
        parser.add_argument("--update", action="store_true",
                            help="overwrite existing calendars (admin changes are lost)")
        parser.add_argument("--check", action="store_true", help="only validate the file")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"] or Path(settings.RATHAUS_SERVICES_DIR) / "_calendars.yaml"
        try:
            config = read_calendars(path)
        except CalendarsInvalid as error:
            raise CommandError(str(error)) from error
        if options["check"]:
            self.stdout.write(f"{len(config.calendars)} calendars are valid.")
            return
        installed = install_calendars(config, update=options["update"])
        for calendar in Calendar.objects.filter(slug__in=installed):
            sync_slots(calendar=calendar)
        self.stdout.write(f"Calendars installed: {', '.join(installed) or 'none (all exist)'}.")
