from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from rathaus.catalog.loader import CatalogInvalid, load_directory
from rathaus.catalog.services import publish_catalog


class Command(BaseCommand):
    help = "Validate the service definitions and publish changed ones as new versions."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dir", type=Path, default=None,
                            help="directory with the definitions (default: RATHAUS_SERVICES_DIR)")
        parser.add_argument("--check", action="store_true",
                            help="only validate; publish nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        directory: Path = options["dir"] or settings.RATHAUS_SERVICES_DIR
        try:
            loaded = load_directory(directory)
        except CatalogInvalid as invalid:
            for error in invalid.errors:
                self.stderr.write(str(error))
            raise CommandError(
                f"{len(invalid.errors)} error(s) in the service definitions; nothing was published"
            ) from invalid
        if options["check"]:
            self.stdout.write(f"{len(loaded.services)} service definitions are valid.")
            return
        report = publish_catalog(loaded=loaded)
        self.stdout.write(
            f"Published: {len(report.created)} new, {len(report.new_versions)} with a new "
            f"version, {len(report.unchanged)} unchanged."
        )
