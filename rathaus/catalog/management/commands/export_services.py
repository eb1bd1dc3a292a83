from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from rathaus.catalog.export import (
    MANIFEST,
    BundleInfo,
    ExportError,
    bundle_bytes,
    definition_yaml,
    published_versions,
)
from rathaus.catalog.hooks import bundle_parts


class Command(BaseCommand):
    help = ("Write the published version of services as YAML in the form of services/, or as a "
            "bundle for another town.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slugs", nargs="*", metavar="SLUG",
                            help="the services to export (default: all published)")
        parser.add_argument("--output", type=Path, default=None,
                            help="a directory to write one <slug>.yaml per service into "
                                 "(default: one service's YAML to standard output)")
        parser.add_argument("--bundle", type=Path, default=None, metavar="FILE.zip",
                            help="write a bundle for another town (manifest, definitions, "
                                 "the departments, topics and life situations they use, their "
                                 "notice templates and text blocks)")

    def handle(self, *args: Any, **options: Any) -> None:
        slugs: list[str] = options["slugs"]
        output: Path | None = options["output"]
        bundle: Path | None = options["bundle"]
        if output is not None and bundle is not None:
            raise CommandError("give either --output or --bundle, not both")
        try:
            versions = published_versions(slugs)
        except ExportError as error:
            raise CommandError(str(error)) from error
        if not versions:
            raise CommandError("no service is published: nothing to export")
        if bundle is not None:
            info = BundleInfo(town=settings.RATHAUS_TOWN["name"], exported_at=timezone.now())
            data = bundle_bytes(versions, info=info)
            try:
                bundle.write_bytes(data)
            except OSError as error:
                raise CommandError(f"cannot write {bundle}: {error.strerror}") from error
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                parts = json.loads(archive.read(MANIFEST))["parts"]
            held = "".join(f", {len(part['items'])} {bundle_parts[name].label}(s)"
                           for name, part in parts.items())
            self.stderr.write(f"Wrote {len(versions)} service(s){held} to the bundle {bundle}.")
            return
        if output is None:
            if len(versions) != 1:
                raise CommandError("name one service to write it to standard output, or give "
                                   "--output DIRECTORY for several")
            self.stdout.write(definition_yaml(versions[0]), ending="")
            return
        try:
            output.mkdir(parents=True, exist_ok=True)
            for version in versions:
                (output / f"{version.service.slug}.yaml").write_text(
                    definition_yaml(version), encoding="utf-8")
        except OSError as error:
            raise CommandError(f"cannot write to {output}: {error.strerror}") from error
        self.stderr.write(f"Wrote {len(versions)} service definition(s) to {output}.")
