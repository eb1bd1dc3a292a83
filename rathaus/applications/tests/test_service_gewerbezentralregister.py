"""The Central Trade and Industry Register is run by the Federal Office of Justice: a link-out."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

SLUG = "gewerbezentralregister"


def test_service_page_explains_and_links_to_the_federal_office(client: Client,
                                                               catalog: None) -> None:
    body = client.get(f"/de/services/{SLUG}/").content.decode()

    assert "Auskunft aus dem Gewerbezentralregister" in body
    assert 'href="https://www.fuehrungszeugnis.bund.de"' in body
    assert "Auskunft online beim Bundesamt für Justiz beantragen" in body
    assert "Online-Ausweisfunktion" in body
    assert "persönlich im Ordnungsamt" in body, "the way without the online ID is explained"
    assert "§ 150" in body
    assert "13 €" in body
    assert f'href="/de/services/{SLUG}/apply/"' not in body, "no form of our own"
    assert "Online beantragen" not in body

    english = client.get(f"/en/services/{SLUG}/").content.decode()
    assert "Apply online at the Federal Office of Justice" in english
    assert "Central Trade and Industry Register" in english


def test_there_is_no_form_to_fill_in(client: Client, catalog: None) -> None:
    assert client.get(f"/de/services/{SLUG}/apply/").status_code == 404
