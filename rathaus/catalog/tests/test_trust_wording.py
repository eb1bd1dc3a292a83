"""Trust levels are named as they are: nothing is higher than "high"."""

from __future__ import annotations

import pytest
from django.test import Client

from rathaus.appointments.tests.pages import text
from rathaus.identity.levels import TrustLevel

pytestmark = pytest.mark.django_db


def test_only_the_highest_level_is_highest() -> None:
    assert [level.is_highest for level in TrustLevel] == [False, False, False, True]


def test_a_service_at_high_does_not_offer_anything_higher(client: Client, catalog: None) -> None:
    page = text(client.get("/de/services/fuehrungszeugnis/"))

    assert ("Um online einen Antrag zu stellen, melden Sie sich mit Ihrem BundID-Konto auf dem "
            "Vertrauensniveau „hoch (Online-Ausweis)“ an.") in page
    assert "oder höher" not in page


def test_a_service_below_high_still_says_or_higher(client: Client, catalog: None) -> None:
    page = text(client.get("/de/services/gewerbe-anmelden/"))

    assert "„substanziell (z. B. ELSTER-Zertifikat)“ oder höher" in page


def test_the_sign_in_page_of_a_high_service_says_high(client: Client, catalog: None) -> None:
    response = client.get("/en/services/fuehrungszeugnis/apply/")
    page = text(response)

    assert response.status_code == 403
    assert ("you need to sign in with your BundID account at the trust level “high (online ID "
            "card)”.") in page
    assert "or higher" not in page
