from __future__ import annotations

import csv
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import translation

from rathaus.staff import maturity


class Command(BaseCommand):
    help = ("Print the OZG maturity level of every active service with its criteria and what "
            "is missing for the next level, as JSON (a list, one object per service) or CSV "
            "(one row per service).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument("--language", choices=["de", "en"], default="de",
                            help="language of the texts (default: de)")

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(options["language"]):
            found = maturity.assess_catalog()
            if options["format"] == "json":
                self.stdout.write(json.dumps(maturity.as_rows(found), ensure_ascii=False,
                                             indent=2))
                return
            keys = [criterion.key for criterion in maturity.criteria()]
            writer = csv.writer(self.stdout, lineterminator="\n")
            writer.writerow(["slug", "title", "department", "level", "level_name",
                             *[f"{key}_status" for key in keys], "missing_for_next_level"])
            for assessment in found:
                writer.writerow([assessment.slug, assessment.title, assessment.department,
                                 assessment.level, assessment.level_name,
                                 *[assessment.check(key).status for key in keys],
                                 " | ".join(assessment.missing_for_next)])
