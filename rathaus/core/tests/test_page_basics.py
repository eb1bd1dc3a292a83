"""What every page has: a favicon, a description for search engines, an honest sender."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client

from rathaus.settings.base import town_sender

pytestmark = pytest.mark.django_db


def description(page: str) -> str:
    match = re.search(r'<meta name="description" content="([^"]*)">', page)
    assert match is not None, "the page has no meta description"
    return match.group(1)


def test_every_page_links_a_favicon_that_loads(client: Client, catalog: None) -> None:
    page = client.get("/de/").content.decode()
    icons = re.findall(r'<link rel="icon" href="([^"]+)"', page)

    assert icons == ["/static/rathaus/img/favicon.svg", "/static/rathaus/img/favicon.ico"]
    for icon in icons:
        response = client.get(icon)
        assert response.status_code == 200, icon
        body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
        response.close()
        assert body.startswith(b"<svg") or body.startswith(b"\x00\x00\x01\x00"), icon


def test_favicon_ico_at_the_root_is_answered(client: Client) -> None:
    response = client.get("/favicon.ico")

    assert response.status_code == 302
    assert response["Location"] == "/static/rathaus/img/favicon.ico"
    assert "max-age=86400" in response["Cache-Control"]
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    icon.close()


def test_a_service_page_is_described_by_its_summary(client: Client, catalog: None) -> None:
    german = client.get("/de/services/hund-anmelden/").content.decode()
    english = client.get("/en/services/hund-anmelden/").content.decode()

    assert description(german) == (
        "Melden Sie Ihren Hund innerhalb von zwei Wochen nach Beginn der Haltung oder nach dem "
        "Zuzug an."
    )
    assert description(english).startswith("Register your dog within two weeks")


@pytest.mark.parametrize("path", ["/de/", "/de/impressum/", "/de/services/", "/de/?q=hund",
                                  "/de/appointments/"])
def test_other_pages_have_a_sensible_default_description(client: Client, catalog: None,
                                                         path: str) -> None:
    text = description(client.get(path).content.decode())

    assert text == ("Dienstleistungen der Stadt Musterstadt online: Anträge stellen, Termine "
                    "buchen und den Stand Ihrer Anträge verfolgen, rund um die Uhr.")


def test_the_demo_sends_as_the_town_not_as_localhost(settings: Any) -> None:
    if os.environ.get("RATHAUS_EMAIL_FROM"):
        pytest.skip("RATHAUS_EMAIL_FROM is set in this environment")
    assert settings.DEFAULT_FROM_EMAIL == "Stadt Musterstadt <rathaus@musterstadt.example>"
    mail.EmailMessage("Betreff", "Text", to=["erika@example.org"]).send()
    assert mail.outbox[0].from_email == "Stadt Musterstadt <rathaus@musterstadt.example>"
    assert "localhost" not in mail.outbox[0].message()["From"]


def test_the_sender_follows_the_town_settings() -> None:
    assert town_sender({"name": "Stadt Bad Münder (Deister)", "email": "info@bad-muender.de"}) \
        == '"Stadt Bad Münder (Deister)" <rathaus@bad-muender.de>'


def test_production_takes_the_sender_from_rathaus_email_from() -> None:
    code = ("import django; django.setup(); from django.conf import settings; "
            "print(settings.DEFAULT_FROM_EMAIL, settings.SERVER_EMAIL, sep='|')")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "rathaus.settings.production",
           "RATHAUS_SECRET_KEY": "x" * 50,
           "RATHAUS_EMAIL_FROM": "Gemeinde Beispiel <noreply@beispiel.de>"}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,  # noqa: S603
                            text=True, check=True, cwd=settings.BASE_DIR)

    assert result.stdout.strip() == (
        "Gemeinde Beispiel <noreply@beispiel.de>|Gemeinde Beispiel <noreply@beispiel.de>"
    )
