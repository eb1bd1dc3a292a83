"""A citizen reads a service page: what it is, who may apply, what it costs, how to apply."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from rathaus.identity.levels import TrustLevel

from .definitions import link_out_service, publish, service, write_catalog

pytestmark = pytest.mark.django_db


def get_page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def label(level: TrustLevel, language: str = "de") -> str:
    with translation.override(language):
        return escape(str(level.label))


def test_dog_tax_page_tells_everything_needed_before_applying(client: Client, hund: None) -> None:
    page = get_page(client, "/de/services/hund-anmelden/")

    expected = [
        "Hund zur Hundesteuer anmelden",
        # what it is: every paragraph line of the description
        "Wer in der Stadt einen Hund hält, der älter als drei Monate ist, muss ihn zur "
        "Hundesteuer anmelden.",
        "Mehrere Hunde können Sie in einem Antrag anmelden.",
        "Halterinnen und Halter eines Hundes mit Hauptwohnsitz in der Stadt.",
        "Nummer des Mikrochips (Transponder) jedes Hundes",
        "Angaben zur Hundehaftpflichtversicherung",
        "Die Anmeldung ist gebührenfrei. Die Hundesteuer beträgt 96 € im Jahr",
        "In der Regel zwei Wochen",
        "Hundesteuersatzung der Stadt",
        "Niedersächsisches Kommunalabgabengesetz (NKAG)",
        "Steueramt",
        "99102013104000",
    ]
    for text in expected:
        assert escape(text) in page, text
    assert 'href="mailto:steueramt@musterstadt.example"' in page
    assert label(TrustLevel.NONE) in page
    with translation.override("de"):
        apply_url = reverse("applications:start", args=["hund-anmelden"])
    assert apply_url == "/de/services/hund-anmelden/apply/"
    assert f'href="{apply_url}"' in page


def test_english_page_shows_the_english_definition(client: Client, hund: None) -> None:
    page = get_page(client, "/en/services/hund-anmelden/")

    assert "Register a dog for dog tax" in page
    assert "Dog keepers whose main residence is in the town." in page
    assert "Usually two weeks" in page
    assert "Tax Office" in page
    assert "Hundesteuersatzung" not in page
    assert 'href="/en/services/hund-anmelden/apply/"' in page


@pytest.fixture
def services_dir(tmp_path: Path) -> Path:
    return write_catalog(
        tmp_path,
        service(
            "anwohnerparken", "Bewohnerparkausweis beantragen", "Residents' parking permit",
            department="buergerdienste", trust_level="substantial",
            trust_reason={"de": "Wir prüfen Ihren Wohnsitz anhand Ihrer Identität.",
                          "en": "We check your residence against your identity."},
            legal_basis=[{"title": {"de": "Straßenverkehrsordnung § 45", "en": "Road Traffic Act"},
                          "url": "https://www.gesetze-im-internet.de/stvo_2013/__45.html"}],
        ),
        service(
            "laubsaecke", "Laubsäcke bestellen", "Order leaf bags",
            trust_reason={"de": "Diesen Grund braucht hier niemand.",
                          "en": "Nobody needs this reason here."},
        ),
        link_out_service(
            "personalausweis", "Personalausweis online beantragen", "Apply for an ID card online",
            category="ausweise", life_situations=["reisen"],
        ),
    )


def test_service_needing_sign_in_explains_why(client: Client, services_dir: Path) -> None:
    publish(services_dir)

    page = get_page(client, "/de/services/anwohnerparken/")

    assert 'role="note"' in page
    assert "Wir prüfen Ihren Wohnsitz anhand Ihrer Identität." in page
    assert label(TrustLevel.SUBSTANTIAL) in page
    assert 'href="mailto:buergerdienste@musterstadt.example"' in page
    assert 'href="https://www.gesetze-im-internet.de/stvo_2013/__45.html"' in page
    assert escape("Straßenverkehrsordnung § 45") in page


def test_service_without_sign_in_shows_no_sign_in_notice(client: Client,
                                                         services_dir: Path) -> None:
    publish(services_dir)

    page = get_page(client, "/de/services/laubsaecke/")

    assert 'role="note"' not in page
    assert "Diesen Grund braucht hier niemand." not in page
    assert label(TrustLevel.NONE) in page
    assert 'href="/de/services/laubsaecke/apply/"' in page


def test_link_out_service_sends_the_citizen_to_the_provider(client: Client,
                                                           services_dir: Path) -> None:
    publish(services_dir)

    page = get_page(client, "/de/services/personalausweis/")

    assert 'href="https://id.bund.example/personalausweis"' in page
    assert "Zum Online-Dienst des Bundes" in page
    assert escape("Bundesamt für Ausweise") in page
    assert "/de/services/personalausweis/apply/" not in page, "no own form to apply online"
    assert client.get("/de/services/personalausweis/apply/").status_code == 404


def test_inactive_service_has_no_page(client: Client, services_dir: Path) -> None:
    from rathaus.catalog.models import Service

    publish(services_dir)
    Service.objects.filter(slug="laubsaecke").update(is_active=False)

    assert client.get("/de/services/laubsaecke/").status_code == 404
    assert 'href="/de/services/laubsaecke/"' not in get_page(client, "/de/services/")
