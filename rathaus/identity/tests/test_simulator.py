"""The development-only BundID simulator: personas at any level, real SAML, never in production."""

from __future__ import annotations

import pytest
from django.core.checks import run_checks
from django.test import Client, override_settings

from rathaus.identity.levels import TrustLevel, session_trust_level
from rathaus.identity.session import current_citizen, session_attributes

from .saml_peer import form_fields

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalog")]


def _through_simulator(client: Client, *, level: str, persona: str, confirmed: int) -> Client:
    started = client.post("/identity/saml/login/", {"level": level, "next": "/de/"})
    action, fields = form_fields(started.content.decode())
    assert action == "http://127.0.0.1:8000/identity/simulator/sso/"
    page = client.post("/identity/simulator/sso/", fields)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Erika Mustermann" in html
    assert "nur für entwicklung und tests" in html.lower()
    answered = client.post("/identity/simulator/answer/", {
        "persona": persona, "level": confirmed, "SAMLRequest": fields["SAMLRequest"],
        "RelayState": fields["RelayState"]})
    assert answered.status_code == 200
    acs, response_fields = form_fields(answered.content.decode())
    assert acs == "http://127.0.0.1:8000/identity/saml/acs/"
    done = client.post("/identity/saml/acs/", response_fields)
    assert done.status_code == 302, done.content.decode()[:500]
    return client


def test_a_persona_signs_in_at_level_high_through_the_simulator() -> None:
    client = _through_simulator(Client(), level="high", persona="erika",
                                confirmed=int(TrustLevel.HIGH))
    request = client.get("/healthz").wsgi_request
    assert session_trust_level(request) == TrustLevel.HIGH
    assert current_citizen(request) is not None
    assert session_attributes(request)["city"].value == "Köln"
    assert session_attributes(request)["city"].verified


def test_special_characters_arrive_intact() -> None:
    client = _through_simulator(Client(), level="basic", persona="ayse",
                                confirmed=int(TrustLevel.SUBSTANTIAL))
    attributes = session_attributes(client.get("/healthz").wsgi_request)
    assert attributes["family_name"].value == "Yılmaz-Schröder"
    assert attributes["street_address"].value == "Straße des 17. Juni 135"


def test_the_simulator_preselects_the_level_asked_for() -> None:
    client = Client()
    started = client.post("/identity/saml/login/", {"level": "substantial"})
    _action, fields = form_fields(started.content.decode())
    html = client.post("/identity/simulator/sso/", fields).content.decode()
    assert 'value="3" checked' in html


def test_the_simulator_refuses_a_request_not_signed_by_the_portal() -> None:
    response = Client().post("/identity/simulator/sso/", {"SAMLRequest": "PHg+PC94Pg=="})
    assert response.status_code == 400


@override_settings(RATHAUS_BUNDID_SIMULATOR=False)
def test_the_simulator_is_gone_when_switched_off() -> None:
    assert Client().post("/identity/simulator/sso/", {"SAMLRequest": "x"}).status_code == 404


@override_settings(RATHAUS_PRODUCTION=True, RATHAUS_BUNDID_SIMULATOR=True)
def test_production_settings_refuse_to_start_with_the_simulator() -> None:
    assert "rathaus.E003" in [error.id for error in run_checks()]


@override_settings(RATHAUS_BUNDID_SIMULATOR=False)
def test_without_idp_metadata_sign_in_says_it_is_unavailable() -> None:
    response = Client().post("/identity/saml/login/", {"level": "high"})
    assert response.status_code == 503
    assert "BundID" in response.content.decode()
