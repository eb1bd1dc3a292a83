"""Answers from an identity provider this project did not write (OpenSAML's layout)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.test import Client

from rathaus.identity.levels import TrustLevel, session_trust_level
from rathaus.identity.saml.config import service_provider
from rathaus.identity.saml.keys import generate_key_pair
from rathaus.identity.session import current_citizen, session_attributes

from .saml_peer import idp, post_answer, start
from .third_party_idp import (
    AES128_GCM,
    AES256_CBC,
    MGF1_SHA256,
    RSA_1_5,
    RSA_OAEP,
    SHA256,
    TRIPLEDES_CBC,
    Layout,
    Recipient,
    ThirdPartyIdentityProvider,
    xmlsec,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalog")]


def _answer(client: Client, layout: Layout, *, signing: Any = None) -> Any:
    started = start(client)
    sp = service_provider()
    keys = signing or idp().keys
    third_party = ThirdPartyIdentityProvider(entity_id=idp().entity_id, key_pem=keys.key_pem,
                                             cert_pem=keys.cert_pem)
    xml = third_party.response(
        in_response_to=started.parsed.request_id, acs_url=started.parsed.acs_url,
        audience=sp.entity_id, recipient=Recipient(sp.encryption.cert_pem, sp.entity_id),
        bpk2="opensaml-bpk2", family_name="Schröder", layout=layout)
    return post_answer(client, started, xml)


def _signed_in(client: Client, response: Any) -> None:
    assert response.status_code == 302, response.content.decode()[:3000]
    request = client.get("/healthz").wsgi_request
    assert current_citizen(request) is not None
    assert session_trust_level(request) == TrustLevel.HIGH
    assert session_attributes(request)["family_name"].value == "Schröder"


def _refused(client: Client, response: Any, caplog: Any, log_line: str) -> None:
    assert response.status_code == 400
    body = response.content.decode()
    assert "Die Antwort von BundID konnte nicht geprüft werden" in body or (
        "The answer from BundID could not be verified" in body), body[:3000]
    assert log_line in caplog.text, caplog.text
    assert current_citizen(client.get("/healthz").wsgi_request) is None


@pytest.mark.parametrize("layout", [
    Layout(),  # OpenSAML's default: sibling EncryptedKey, ds:RetrievalMethod, Recipient
    Layout(key_placement="inline"),
    Layout(retrieval_method=False),  # a sibling EncryptedKey found by its Recipient alone
    Layout(key_algorithm=RSA_OAEP, oaep_digest=SHA256, oaep_mgf=MGF1_SHA256,
           data_algorithm=AES128_GCM),
], ids=["sibling-retrieval-method", "inline", "sibling-by-recipient", "xmlenc11-rsa-oaep"])
def test_an_opensaml_style_answer_signs_the_citizen_in(layout: Layout) -> None:
    client = Client()
    _signed_in(client, _answer(client, layout))


def test_several_encrypted_keys_for_several_recipients_one_of_them_ours() -> None:
    other = generate_key_pair("another portal")
    client = Client()
    layout = Layout(other_recipients=[Recipient(other.cert_pem, "https://other.example/sp")])
    _signed_in(client, _answer(client, layout))


def test_prefixes_declared_only_on_the_response_are_read_after_decryption() -> None:
    """saml2, ds, xenc, xs and xsi declared on samlp:Response; the plaintext declares none."""
    client = Client()
    _signed_in(client, _answer(client, Layout(inherited_namespaces=True)))


@pytest.mark.parametrize(("layout", "detail"), [
    (Layout(key_placement="inline", data_algorithm=AES256_CBC),
     "data encryption http://www.w3.org/2001/04/xmlenc#aes256-cbc is not accepted"),
    (Layout(key_placement="inline", data_algorithm=TRIPLEDES_CBC),
     "data encryption http://www.w3.org/2001/04/xmlenc#tripledes-cbc is not accepted"),
    (Layout(key_placement="inline", key_algorithm=RSA_1_5),
     "key transport http://www.w3.org/2001/04/xmlenc#rsa-1_5 is not accepted"),
], ids=["aes-cbc", "3des-cbc", "rsa-1_5"])
def test_a_refused_encryption_algorithm_is_named_in_the_log(
        caplog: Any, layout: Layout, detail: str) -> None:
    caplog.set_level(logging.WARNING, logger="rathaus.identity.saml")
    client = Client()
    _refused(client, _answer(client, layout), caplog,
             f"SAML response refused: unsupported_algorithm ({detail})")


def test_a_sha1_signature_is_refused_as_an_unsupported_algorithm(caplog: Any) -> None:
    caplog.set_level(logging.WARNING, logger="rathaus.identity.saml")
    client = Client()
    layout = Layout(key_placement="inline", signature_method=xmlsec.Transform.RSA_SHA1)
    _refused(client, _answer(client, layout), caplog,
             "SAML response refused: unsupported_algorithm (Response signature: signature "
             "method http://www.w3.org/2000/09/xmldsig#rsa-sha1 is not accepted)")


def test_a_signature_by_another_key_says_why_in_the_log(caplog: Any) -> None:
    caplog.set_level(logging.WARNING, logger="rathaus.identity.saml")
    client = Client()
    response = _answer(client, Layout(key_placement="inline"),
                       signing=generate_key_pair("attacker"))
    _refused(client, response, caplog, "the signature value does not match SignedInfo under "
                                       "this key (signed by another key, or SignedInfo altered)")
    assert "sha256:" in caplog.text  # which of the IdP's certificates was tried
    assert "PRIVATE KEY" not in caplog.text


def test_an_unknown_signature_method_is_refused_as_unsupported(caplog: Any) -> None:
    """Checked against the allow-list before signxml sees it (it was a bad_signature)."""
    caplog.set_level(logging.WARNING, logger="rathaus.identity.saml")
    client = Client()
    started = start(client)
    sp = service_provider()
    keys = idp().keys
    xml = ThirdPartyIdentityProvider(
        entity_id=idp().entity_id, key_pem=keys.key_pem, cert_pem=keys.cert_pem).response(
        in_response_to=started.parsed.request_id, acs_url=started.parsed.acs_url,
        audience=sp.entity_id, recipient=Recipient(sp.encryption.cert_pem, sp.entity_id),
        bpk2="opensaml-bpk2", family_name="Schröder", layout=Layout(key_placement="inline"))
    xml = xml.replace(b"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
                      b"urn:example:signature:unknown")
    _refused(client, post_answer(client, started, xml), caplog,
             "SAML response refused: unsupported_algorithm (Response signature: signature "
             "method urn:example:signature:unknown is not accepted)")
