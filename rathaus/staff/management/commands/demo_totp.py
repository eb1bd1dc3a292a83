from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = ("Development only: print the current code of a user's authenticator app, so that demo "
            "accounts can sign in without a phone.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        if getattr(settings, "RATHAUS_PRODUCTION", False) or not settings.RATHAUS_DEV_TOOLS:
            raise CommandError("demo_totp works only in the development demo")
        device = TOTPDevice.objects.filter(user__username=options["username"],
                                           confirmed=True).first()
        if device is None:
            raise CommandError(f"{options['username']} has no authenticator app set up")
        code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits,
                    drift=device.drift)
        self.stdout.write(f"{code:0{device.digits}d}")
