from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from rathaus.catalog.loader import CatalogInvalid, load_directory
from rathaus.catalog.models import Origin
from rathaus.catalog.services import Conflict, publish_catalog


def describe_conflict(conflict: Conflict) -> str:
    """Say which file differs from which version, who published it, and how to decide."""
    if conflict.published_at is None:
        by = f" by {conflict.published_by}" if conflict.published_by else ""
        return (
            f"services/{conflict.path} differs from version {conflict.number}, saved in the "
            f"service editor{by} and not published yet; kept it; run "
            f"`load_services --take-file {conflict.slug}` to take the file"
        )
    when = timezone.localtime(conflict.published_at).strftime("%Y-%m-%d %H:%M")
    if conflict.origin == Origin.IMPORT:
        town = f" of {conflict.import_town}" if conflict.import_town else ""
        where = f"imported from the bundle {conflict.import_bundle}{town} on {when}"
    else:
        where = f"published in the admin on {when}"
    if conflict.published_by:
        where += f" by {conflict.published_by}"
    return (
        f"services/{conflict.path} differs from version {conflict.number} {where}; kept "
        f"version {conflict.number}; run `load_services --take-file {conflict.slug}` to take "
        "the file"
    )


class Command(BaseCommand):
    help = "Validate the service definitions and publish changed ones as new versions."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dir", type=Path, default=None,
                            help="directory with the definitions (default: RATHAUS_SERVICES_DIR)")
        parser.add_argument("--check", action="store_true",
                            help="only validate; publish nothing")
        parser.add_argument(
            "--take-file", action="append", default=[], metavar="SLUG", dest="take_file",
            help="publish this service's file even though its current version was published "
                 "in the admin or imported (repeatable)",
        )

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
        take_file = frozenset(options["take_file"])
        unknown = take_file - {service.spec.slug for service in loaded.services}
        if unknown:
            raise CommandError(
                f"--take-file names no file in {directory}: {', '.join(sorted(unknown))}"
            )
        report = publish_catalog(loaded=loaded, take_file=take_file)
        for conflict in report.kept:
            self.stderr.write(describe_conflict(conflict))
        kept = f", {len(report.kept)} kept (published elsewhere)" if report.kept else ""
        self.stdout.write(
            f"Published: {len(report.created)} new, {len(report.new_versions)} with a new "
            f"version, {len(report.unchanged)} unchanged{kept}."
        )
