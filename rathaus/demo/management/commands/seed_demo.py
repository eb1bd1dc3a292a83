from __future__ import annotations

import datetime
import os
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from rathaus.account.demo import seed_welcome_message
from rathaus.appointments.models import Calendar, DrawMethod, Release
from rathaus.appointments.services import open_release
from rathaus.catalog.models import Service, ServiceDailyCount
from rathaus.staff.demo import DEMO_PASSWORD, DEMO_SECRET, seed_demo_staff

# Page views of the last days, so a fresh demo shows a "most used" list; real counts replace them.
DEMO_VIEWS = {
    "hund-anmelden": 41, "meldebescheinigung": 38, "fuehrungszeugnis": 30,
    "geburtsurkunde": 27, "gewerbe-anmelden": 19, "kindergartenplatz-anmelden": 17,
}


class Command(BaseCommand):
    help = ("Add demo content to an embedded (development) install: an admin account, demo staff, "
            "page views.")

    def handle(self, *args: Any, **options: Any) -> None:
        if getattr(settings, "RATHAUS_PRODUCTION", False):
            raise CommandError("seed_demo refuses to run with production settings")
        password = os.environ.get("RATHAUS_DEMO_ADMIN_PASSWORD", "rathaus-demo-admin")
        user_model = get_user_model()
        if not user_model.objects.filter(username="admin").exists():
            user_model.objects.create_superuser("admin", "admin@localhost", password)
            self.stdout.write(f"Demo admin account: admin / {password} (at /admin/)")
        self.seed_staff()
        self.seed_release()
        if seed_welcome_message():
            self.stdout.write("Demo persona Erika has a welcome message in Mein Rathaus")
        if ServiceDailyCount.objects.exists():
            return
        today = timezone.localdate()
        for slug, views in DEMO_VIEWS.items():
            service = Service.objects.filter(slug=slug).first()
            if service is None:
                continue
            for days_ago in range(3):
                ServiceDailyCount.objects.create(
                    service=service, day=today - datetime.timedelta(days=days_ago),
                    views=views - days_ago * 3,
                )

    def seed_staff(self) -> None:
        """Demo staff with a known password and a fixed authenticator secret (README)."""
        created = seed_demo_staff()
        if created:
            self.stdout.write(
                f"Demo staff accounts: {', '.join(created)} / {DEMO_PASSWORD} at /de/staff/login/; "
                f"code: manage.py demo_totp USER (or add the key {DEMO_SECRET} to an "
                "authenticator app)")

    def seed_release(self) -> None:
        """Open a request window for the vaccination centre's next Mondays, drawn in a week."""
        calendar = Calendar.objects.filter(slug="impfzentrum").first()
        if calendar is None or Release.objects.filter(calendar=calendar).exists():
            return
        now = timezone.now()
        closes = timezone.make_aware(datetime.datetime.combine(
            timezone.localdate() + datetime.timedelta(days=6), datetime.time(18)))
        monday = closes.date() + datetime.timedelta(days=7 - closes.weekday())
        open_release(calendar=calendar, opens_at=now - datetime.timedelta(hours=1),
                     closes_at=closes, slots_from=monday,
                     slots_until=monday + datetime.timedelta(days=7),
                     method=DrawMethod.WEIGHTED)
        self.stdout.write(f"Demo draw for the vaccination centre closes {closes:%d.%m.%Y %H:%M}")
