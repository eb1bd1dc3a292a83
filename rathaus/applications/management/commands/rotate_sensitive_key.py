from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rathaus.applications.sealed import reseal_everything
from rathaus.core import sealing


class Command(BaseCommand):
    help = ("Seal all sensitive answers and files again with the newest key (docs/"
            "data-protection.md). With RATHAUS_SENSITIVE_KEYS the newest is the first one "
            "configured; without it a new key is generated into the key file. Safe to repeat "
            "and to interrupt.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--keep-key", action="store_true",
            help="Key file only: re-seal with its newest key instead of generating a new one "
                 "(to finish an interrupted rotation).")
        parser.add_argument(
            "--forget-old-keys", action="store_true",
            help="Key file only: afterwards keep only the newest key in the file.")

    def handle(self, *args: Any, **options: Any) -> None:
        from_settings = sealing.configured_in_settings()
        if from_settings and (options["keep_key"] or options["forget_old_keys"]):
            raise CommandError(
                "The keys come from RATHAUS_SENSITIVE_KEYS: put the new key first there, run "
                "this command, then remove the old keys from the setting.")
        if not from_settings and not options["keep_key"]:
            sealing.add_key_to_file()
            self.stdout.write(f"Generated a new key in {sealing.key_file()}.")
        ring = sealing.keys()
        self.stdout.write(f"Newest key: {sealing.key_id(ring[0])} ({len(ring)} key(s) "
                          f"configured).")
        try:
            done = reseal_everything()
        except sealing.KeyUnavailable as error:
            raise CommandError(f"{error}: keep every old key configured until the rotation "
                               "has finished.") from None
        self.stdout.write(
            f"Re-sealed {done.answers} answer(s) in {done.rows} row(s) and {done.files} "
            f"file(s); {done.unchanged_rows} row(s) and {done.unchanged_files} file(s) "
            "needed nothing.")
        for label, count in sorted(done.by_model.items()):
            self.stdout.write(f"  {label}: {count}")
        if options["forget_old_keys"]:
            removed = sealing.remove_old_keys_from_file()
            self.stdout.write(f"Removed {removed} old key(s) from the key file.")
        elif len(ring) > 1:
            self.stdout.write("Everything is sealed with the newest key: the old keys can be "
                              "removed now.")
