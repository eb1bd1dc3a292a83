from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rathaus.catalog.bundle import (
    KEEP_LOCAL,
    BundleInvalid,
    ImportPlan,
    ImportRefused,
    import_bundle,
    plan_import,
    read_bundle,
)
from rathaus.catalog.hooks import bundle_parts


def _mapping(values: list[str]) -> dict[str, str]:
    mapping = {}
    for value in values:
        theirs, sep, ours = value.partition("=")
        if not sep or not theirs or not ours:
            raise CommandError(f"--map-department {value!r}: write THEIRS=OURS")
        mapping[theirs] = ours
    return mapping


class Command(BaseCommand):
    help = ("Import service definitions from another town's bundle (export_services --bundle) "
            "as new versions, or preview what the import would do.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("bundle", type=Path, metavar="FILE.zip")
        parser.add_argument("--preview", action="store_true",
                            help="show what would be created, changed or left alone; "
                                 "change nothing")
        parser.add_argument("--map-department", action="append", default=[],
                            metavar="THEIRS=OURS", dest="map_department",
                            help="use our department OURS for the bundle's THEIRS (repeatable)")
        parser.add_argument("--keep-local", default="", metavar="PARTS",
                            help="comma-separated parts to keep ours where the service or "
                                 f"department exists: {', '.join(sorted(KEEP_LOCAL))}")
        parser.add_argument("--service", action="append", default=[], metavar="SLUG",
                            dest="service", help="import only this service (repeatable)")
        parser.add_argument("--force-service", action="append", default=[], metavar="SLUG",
                            dest="force_service",
                            help="take the bundle's version even though ours was changed here "
                                 "since the last import (repeatable)")
        parser.add_argument("--force-template", action="append", default=[],
                            metavar="PART:KEY", dest="force_template",
                            help="take the bundle's notice template or text block even though "
                                 "ours differs, as the preview names it, e.g. "
                                 "notices:hund-anmelden/granted (repeatable)")

    def handle(self, *args: Any, **options: Any) -> None:
        arguments: dict[str, Any] = {
            "department_map": _mapping(options["map_department"]),
            "keep_local": {part.strip() for part in options["keep_local"].split(",")
                           if part.strip()},
            "only": set(options["service"]), "force": set(options["force_service"]),
            "force_parts": frozenset(options["force_template"]),
        }
        try:
            bundle = read_bundle(options["bundle"])
            if options["preview"]:
                plan = plan_import(bundle=bundle, **arguments)
                self._preview(plan)
                if plan.errors:
                    raise ImportRefused(plan.errors)
                return
            report = import_bundle(bundle=bundle, **arguments)
        except BundleInvalid as error:
            raise CommandError(f"{error}; nothing was imported") from error
        except ImportRefused as refused:
            for message in refused.errors:
                self.stderr.write(message)
            raise CommandError(f"{len(refused.errors)} problem(s); nothing was imported") \
                from refused
        for item in report.refused:
            self.stderr.write(f"{item.slug}: {item.reason}")
        for part in report.parts.get("refused", []):
            self.stderr.write(f"{part.name}: {part.plan.reason}")
        self.stdout.write(
            f"Imported from {bundle.name} ({bundle.town}): {len(report.created)} new, "
            f"{len(report.changed)} with a new version, {len(report.unchanged)} unchanged, "
            f"{len(report.refused)} kept because changed here."
        )
        if report.parts:
            counts = {action: len(report.parts.get(action, []))
                      for action in ("create", "change", "unchanged", "refused")}
            self.stdout.write(
                f"Templates and text blocks: {counts['create']} new, {counts['change']} "
                f"changed, {counts['unchanged']} unchanged, {counts['refused']} kept because "
                "ours differs.")

    def _preview(self, plan: ImportPlan) -> None:
        bundle = plan.bundle
        self.stdout.write(f"Bundle {bundle.name} of {bundle.town}, exported {bundle.exported_at}:")
        words = {"create": "would be created", "change": "would get a new version",
                 "unchanged": "is the same here: left alone",
                 "refused": "would be left alone"}
        for item in plan.services:
            self.stdout.write(f"  {item.slug} (their version {item.version}): "
                              f"{words[item.action]}")
            ids = [f"LeiKa {item.leika}"] if item.leika else []
            ids += [f"FIM {name} {value}" for name, value in item.fim.items()]
            if ids:
                self.stdout.write(f"      {', '.join(ids)}")
            if item.reason:
                self.stdout.write(f"      {item.reason}")
            for change in item.changes:
                self.stdout.write(f"      {change}")
        part_words = {"create": "would be created", "change": "would get a new text",
                      "unchanged": "is the same here: left alone",
                      "refused": "differs from ours: left alone"}
        labels = {name: bundle_parts[name].label for name in bundle_parts}
        for part in plan.parts:
            word = ("cannot be imported here (see below)" if part.plan.error
                    else part_words[part.plan.action])
            self.stdout.write(f"  {labels[part.part]} {part.name} (for our department "
                              f"{part.target.department}): {word}")
            if part.plan.reason:
                self.stdout.write(f"      {part.plan.reason}")
            for change in part.plan.changes:
                self.stdout.write(f"      {change}")
        for department in plan.departments:
            if department.action == "mapped":
                line = f"is mapped to our {department.ours!r}"
            elif department.action == "existing":
                line = "is ours too (same short name)"
            else:
                line = ("is unmapped and not here: would be created (or give "
                        f"--map-department {department.theirs}=OURS)")
            self.stdout.write(f"  department {department.theirs!r} {line}")
        for message in plan.errors:
            self.stderr.write(message)
