"""Responses as third-party identity providers lay them out, and the algorithms we refuse."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.test import Client

from rathaus.identity.levels import TrustLevel, session_trust_level
from rathaus.identity.saml.config import service_provider
from rathaus.identity.saml.keys import generate_key_pair
from rathaus.identity.session import current_citizen, session_attributes
from rathaus.identity.testing import ERIKA

from . import opensaml_peer as peer
from .saml_peer import Started, idp, post_answer, start

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalog")]


def _session_of(client: Client) -> Any:
    return client.get("/healthz").wsgi_request


def _answer(started: Started, **kwargs: Any) -> bytes:
    sp, provider = service_provider(), idp()
    options: dict[str, Any] = {
        "started": started, "sp_entity_id": sp.entity_id,
        "encrypt_for": sp.encryption.cert_pem, "idp_entity_id": provider.entity_id,
        "signing_key": provider.keys.key_pem, "signing_cert": provider.keys.cert_pem,
        "attributes": {key: value for key, value in ERIKA.items()
                       if key in {"given_name", "family_name", "date_of_birth"}},
        "bpk2": "erika-bpk2"}
    options.update(kwargs)
    return peer.response(**options)


def _signed_in(encryption: peer.Encryption) -> dict[str, Any]:
    client = Client()
    started = start(client)
    response = post_answer(client, started, _answer(started, encryption=encryption))
    assert response.status_code == 302, response.content.decode()[:3000]
    request = _session_of(client)
    assert current_citizen(request) is not None
    assert session_trust_level(request) == TrustLevel.HIGH
    return {key: attribute.value for key, attribute in session_attributes(request).items()}


def test_the_key_beside_the_data_referenced_by_retrieval_method_is_found() -> None:
    attributes = _signed_in(peer.Encryption(placement="peer"))
    assert attributes["given_name"] == ERIKA["given_name"]


def test_the_key_inside_the_data_with_xmlenc11_oaep_and_sha256() -> None:
    attributes = _signed_in(peer.Encryption(
        placement="inline", data=peer.AES256_GCM, key=peer.RSA_OAEP,
        oaep_digest=peer.SHA256, oaep_mgf=peer.MGF1_SHA256))
    assert attributes["family_name"] == ERIKA["family_name"]


def test_a_key_beside_the_data_found_by_its_reference_and_ours_among_several() -> None:
    other = generate_key_pair("other-sp")
    attributes = _signed_in(peer.Encryption(
        placement="peer_unreferenced", recipient=service_provider().entity_id,
        foreign_key_first=other.cert_pem))
    assert attributes["date_of_birth"] == ERIKA["date_of_birth"]


def test_an_assertion_using_prefixes_declared_on_the_response_is_read() -> None:
    attributes = _signed_in(peer.Encryption(placement="peer", inherit_namespaces=True))
    assert attributes["given_name"] == ERIKA["given_name"]


def _refused(caplog: Any, code: str, **kwargs: Any) -> str:
    caplog.set_level(logging.WARNING, logger="rathaus.identity.saml")
    client = Client()
    started = start(client)
    response = post_answer(client, started, _answer(started, **kwargs))
    assert response.status_code == 400
    body = response.content.decode()
    assert "Sie wurden nicht angemeldet" in body
    assert f"SAML response refused: {code}" in caplog.text
    assert current_citizen(_session_of(client)) is None
    return str(caplog.text)


@pytest.mark.parametrize(("encryption", "named"), [
    (peer.Encryption(data=peer.AES256_CBC), "aes256-cbc"),
    (peer.Encryption(data=peer.TRIPLEDES_CBC), "tripledes-cbc"),
    (peer.Encryption(key=peer.RSA_1_5), "rsa-1_5"),
    (peer.Encryption(key=peer.RSA_OAEP, oaep_digest="http://www.w3.org/2001/04/xmldsig-more#md5"),
     "md5"),
])
def test_encryption_outside_the_allow_list_is_refused_before_decrypting(
        caplog: Any, encryption: peer.Encryption, named: str) -> None:
    log = _refused(caplog, "unsupported_algorithm", encryption=encryption)
    assert named in log


def test_a_signature_by_another_key_says_why(caplog: Any) -> None:
    stranger = generate_key_pair("stranger-idp")
    log = _refused(caplog, "bad_signature", signing_key=stranger.key_pem,
                   signing_cert=stranger.cert_pem)
    assert "does not verify with the certificate SHA256:" in log
    assert "Signature verification failed: )" not in log
