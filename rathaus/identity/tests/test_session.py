"""The session API every sign-in ends in."""

from __future__ import annotations

import pytest
from django.test import Client

from rathaus.identity.levels import TrustLevel, session_trust_level
from rathaus.identity.models import Citizen, SignInSource
from rathaus.identity.people import person_key
from rathaus.identity.session import current_citizen, session_attributes
from rathaus.identity.testing import sign_in_client

pytestmark = pytest.mark.django_db


def _request(client: Client):  # type: ignore[no-untyped-def]
    response = client.get("/healthz")
    return response.wsgi_request


def test_sign_in_stores_only_the_keyed_person_key() -> None:
    client = Client()
    citizen = sign_in_client(client, bpk2="raw-bpk2-value", level=TrustLevel.HIGH)
    assert citizen.person_key == person_key(bundid_key="raw-bpk2-value")
    assert "raw-bpk2-value" not in citizen.person_key
    assert citizen.source == SignInSource.BUNDID
    assert citizen.highest_level == TrustLevel.HIGH


def test_the_same_person_is_found_again_and_keeps_the_highest_level() -> None:
    first = sign_in_client(Client(), bpk2="same", level=TrustLevel.HIGH)
    again = sign_in_client(Client(), bpk2="same", level=TrustLevel.BASIC)
    assert again.pk == first.pk
    assert Citizen.objects.get(pk=first.pk).highest_level == TrustLevel.HIGH


def test_the_session_knows_level_citizen_and_attributes() -> None:
    client = Client()
    citizen = sign_in_client(client, level=TrustLevel.SUBSTANTIAL)
    request = _request(client)
    assert session_trust_level(request) == TrustLevel.SUBSTANTIAL
    current = current_citizen(request)
    assert current is not None
    assert current.pk == citizen.pk
    attributes = session_attributes(request)
    assert attributes["family_name"].value == "Mustermann"
    assert attributes["family_name"].verified


def test_values_typed_in_at_level_basic_are_not_verified() -> None:
    client = Client()
    sign_in_client(client, level=TrustLevel.BASIC)
    assert not session_attributes(_request(client))["given_name"].verified


def test_another_person_signing_in_on_the_same_browser_gets_a_clean_session() -> None:
    client = Client()
    sign_in_client(client, bpk2="first")
    session = client.session
    session["unfinished"] = "answers of the first person"
    session.save()
    sign_in_client(client, bpk2="second")
    assert "unfinished" not in client.session


def test_signing_in_again_at_a_higher_level_keeps_what_the_session_held() -> None:
    client = Client()
    sign_in_client(client, bpk2="same", level=TrustLevel.BASIC)
    before = client.session.session_key
    session = client.session
    session["unfinished"] = "answers"
    session.save()
    sign_in_client(client, bpk2="same", level=TrustLevel.HIGH)
    assert client.session["unfinished"] == "answers"
    assert client.session.session_key != before


def test_a_deleted_account_signs_the_session_out() -> None:
    client = Client()
    citizen = sign_in_client(client)
    citizen.delete()
    request = _request(client)
    assert current_citizen(request) is None
    assert session_trust_level(request) == TrustLevel.NONE
