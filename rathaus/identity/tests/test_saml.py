"""Sign-in with BundID: the real SAML exchange against the in-process identity provider."""

from __future__ import annotations

import base64
import datetime as dt
import logging

import pytest
from django.test import Client, override_settings
from lxml import etree

from rathaus.identity.attributes import BPK2_OID, BY_KEY
from rathaus.identity.levels import TrustLevel, session_trust_level
from rathaus.identity.models import Citizen, PendingSignIn, UsedAssertion
from rathaus.identity.people import person_key
from rathaus.identity.saml import flow
from rathaus.identity.saml.keys import generate_key_pair
from rathaus.identity.saml.xml import NS, q, sign, to_bytes
from rathaus.identity.session import current_citizen, session_attributes

from .saml_peer import answer_xml, post_answer, sign_in, start

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalog")]

PSS = "http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1"


def _session_of(client: Client):  # type: ignore[no-untyped-def]
    return client.get("/healthz").wsgi_request


@pytest.mark.parametrize(("level", "expected"), [
    ("basic", TrustLevel.BASIC), ("substantial", TrustLevel.SUBSTANTIAL),
    ("high", TrustLevel.HIGH)])
def test_a_complete_sign_in_at_each_level(level: str, expected: TrustLevel) -> None:
    client = Client()
    started = start(client, level=level, next_url="/de/services/")
    response = post_answer(client, started, answer_xml(started, level=expected))
    assert response.status_code == 302
    assert response["Location"] == "/de/services/"
    request = _session_of(client)
    assert session_trust_level(request) == expected
    citizen = current_citizen(request)
    assert citizen is not None
    assert citizen.person_key == person_key(bundid_key="erika-bpk2")
    attributes = session_attributes(request)
    assert attributes["family_name"].value == "Mustermann"
    assert attributes["family_name"].level == expected
    assert not PendingSignIn.objects.exists()
    assert UsedAssertion.objects.count() == 1


def test_the_authn_request_asks_for_the_level_and_only_the_attributes_used() -> None:
    started = start(Client(), level="substantial")
    request = started.request_xml
    assert request.get("Destination") == started.action
    assert request.get("ProtocolBinding") == "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
    context = request.find(q("samlp", "RequestedAuthnContext"))
    assert context is not None
    assert context.get("Comparison") == "minimum"
    assert context.findtext(q("saml", "AuthnContextClassRef")) == "STORK-QAA-Level-3"
    extension = request.find(f"{q('samlp', 'Extensions')}/{q('akdb', 'AuthenticationRequest')}")
    assert extension is not None
    assert extension.get("Version") == "2"
    requested = {element.get("Name"): element.get("RequiredAttribute") for element in
                 extension.iterfind(f".//{q('akdb', 'RequestedAttribute')}")}
    assert requested[BPK2_OID] == "true"
    # The shipped services prefill name, birth date and address; nobody uses the birthplace.
    for key in ("given_name", "family_name", "date_of_birth", "street_address", "postal_code",
                "city"):
        assert BY_KEY[key].oid in requested
    assert BY_KEY["place_of_birth"].oid not in requested
    assert BY_KEY["nationality"].oid not in requested
    display = extension.findtext(f".//{q('classic-ui', 'OrganizationDisplayName')}")
    assert display == "Stadt Musterstadt"
    method = request.find(f"{q('ds', 'Signature')}/{q('ds', 'SignedInfo')}/"
                          f"{q('ds', 'SignatureMethod')}")
    assert method is not None
    assert method.get("Algorithm") == PSS


@override_settings(RATHAUS_SAML={**__import__("django.conf").conf.settings.RATHAUS_SAML,
                                 "ONLINE_SERVICE_ID": "NI-MUSTERSTADT-0001"})
def test_the_online_service_id_is_sent_when_configured() -> None:
    started = start(Client())
    assert started.request_xml.findtext(f".//{q('classic-ui', 'OnlineServiceId')}") == (
        "NI-MUSTERSTADT-0001")


def test_the_response_is_signed_with_pss_and_the_assertion_encrypted_with_aes_gcm() -> None:
    started = start(Client())
    response = etree.fromstring(answer_xml(started))
    method = response.find(f"{q('ds', 'Signature')}/{q('ds', 'SignedInfo')}/"
                           f"{q('ds', 'SignatureMethod')}")
    assert method is not None
    assert method.get("Algorithm") == PSS
    encryption = response.find(f".//{{{NS['xenc']}}}EncryptionMethod")
    assert encryption is not None
    assert encryption.get("Algorithm") == "http://www.w3.org/2009/xmlenc11#aes256-gcm"
    assert b"Mustermann" not in answer_xml(started)


def test_step_up_keeps_what_the_session_held_and_returns_to_the_page() -> None:
    client = Client()
    started = start(client, level="basic")
    post_answer(client, started, answer_xml(started, level=TrustLevel.BASIC))
    session = client.session
    session["answers-being-entered"] = {"street": "Heidestraße"}
    session.save()
    response = sign_in(client, level="high", next_url="/de/apply/some-draft/address/")
    assert response["Location"] == "/de/apply/some-draft/address/"
    assert client.session["answers-being-entered"] == {"street": "Heidestraße"}
    assert session_trust_level(_session_of(client)) == TrustLevel.HIGH


def test_the_answer_continues_the_session_that_started_the_sign_in() -> None:
    """BundID posts cross-site: the browser does not send the Lax session cookie."""
    client = Client()
    started = start(client)
    session = client.session
    session["answers-being-entered"] = "kept"
    session.save()
    started_session = client.session.session_key
    xml = answer_xml(started)
    del client.cookies["sessionid"]
    response = post_answer(client, started, xml)
    assert response.status_code == 302
    assert client.session["answers-being-entered"] == "kept"
    assert client.session.session_key != started_session  # rotated at sign-in


def test_next_must_stay_on_this_site() -> None:
    response = sign_in(Client(), next_url="https://evil.example/steal")
    assert response["Location"] != "https://evil.example/steal"


def test_metadata_describes_the_service_provider() -> None:
    response = Client().get("/identity/saml/metadata/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/samlmetadata+xml"
    root = etree.fromstring(response.content)
    assert root.get("entityID") == "http://127.0.0.1:8000/identity/saml/metadata/"
    descriptor = root.find(q("md", "SPSSODescriptor"))
    assert descriptor is not None
    assert descriptor.get("AuthnRequestsSigned") == "true"
    assert descriptor.get("WantAssertionsSigned") == "true"
    keys = descriptor.findall(q("md", "KeyDescriptor"))
    uses = sorted(element.get("use", "") for element in keys)
    assert uses == ["encryption", "signing"]
    acs = descriptor.find(q("md", "AssertionConsumerService"))
    assert acs is not None
    assert acs.get("Location") == "http://127.0.0.1:8000/identity/saml/acs/"
    assert acs.get("Binding") == "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"


# --- Attacks: each is refused with a clear message and a log entry ---------------------------

def _refused(client: Client, response, code: str, caplog) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 400
    body = response.content.decode()
    assert "Sie wurden nicht angemeldet" in body or "You have not been signed in" in body
    assert code in body
    assert f"SAML response refused: {code}" in caplog.text
    assert current_citizen(_session_of(client)) is None
    assert session_trust_level(_session_of(client)) == TrustLevel.NONE


def _attack(caplog, code: str, **kwargs) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.WARNING, logger="rathaus.identity.saml")
    client = Client()
    started = start(client)
    _refused(client, post_answer(client, started, answer_xml(started, **kwargs)), code, caplog)


def test_an_unsigned_response_is_refused(caplog) -> None:  # type: ignore[no-untyped-def]
    _attack(caplog, "unsigned", sign_response=False)


def test_an_unsigned_assertion_is_refused(caplog) -> None:  # type: ignore[no-untyped-def]
    _attack(caplog, "unsigned", sign_assertion=False)


def test_a_signature_by_another_key_is_refused(caplog) -> None:  # type: ignore[no-untyped-def]
    _attack(caplog, "bad_signature", signing_keys=generate_key_pair("attacker"))


def test_an_assertion_altered_after_signing_is_refused(caplog) -> None:  # type: ignore[no-untyped-def]
    def alter(assertion: etree._Element) -> None:
        for value in assertion.iter(q("saml", "AttributeValue")):
            if value.text == "Mustermann":
                value.text = "Musterfrau"

    _attack(caplog, "bad_signature", after_assertion_signed=alter)


def test_a_response_altered_after_signing_is_refused(caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.WARNING, logger="rathaus.identity.saml")
    client = Client()
    started = start(client)
    xml = answer_xml(started).replace(b'Version="2.0"', b'Version="2.0" Consent="x"', 1)
    _refused(client, post_answer(client, started, xml), "bad_signature", caplog)
    assert "Digest mismatch for reference 0 (#_" in caplog.text  # the log says what failed


def test_signature_wrapping_is_refused(caplog) -> None:  # type: ignore[no-untyped-def]
    """A forged response wraps the genuine signed one; the signature covers only the latter."""
    caplog.set_level(logging.WARNING, logger="rathaus.identity.saml")
    client = Client()
    genuine_started = start(client)
    genuine = etree.fromstring(answer_xml(genuine_started, bpk2="victim-bpk2"))
    forged = etree.fromstring(answer_xml(genuine_started, bpk2="attacker-bpk2",
                                         sign_response=False))
    forged.set("ID", "_forged")
    # The genuine signature moves to the forged root, the genuine response hides inside.
    signature = genuine.find(q("ds", "Signature"))
    assert signature is not None
    forged.insert(1, signature)
    extensions = etree.SubElement(forged, q("samlp", "Extensions"))
    extensions.append(genuine)
    response = post_answer(client, genuine_started, to_bytes(forged))
    _refused(client, response, "bad_signature", caplog)


def test_a_wrong_audience_is_refused(caplog) -> None:  # type: ignore[no-untyped-def]
    _attack(caplog, "wrong_audience", audience="https://other-portal.example/")


def test_a_wrong_destination_is_refused(caplog) -> None:  # type: ignore[no-untyped-def]
    _attack(caplog, "wrong_destination", destination="https://other-portal.example/acs/")


def test_an_expired_response_is_refused(caplog) -> None:  # type: ignore[no-untyped-def]
    _attack(caplog, "expired", now=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=20))


def test_a_response_not_yet_valid_is_refused(caplog) -> None:  # type: ignore[no-untyped-def]
    _attack(caplog, "expired", now=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=20))


def test_a_replayed_response_is_refused(caplog) -> None:  # type: ignore[no-untyped-def]
    """The same answer again, e.g. from the browser history: its request is used up."""
    caplog.set_level(logging.WARNING, logger="rathaus.identity.saml")
    client = Client()
    started = start(client)
    xml = answer_xml(started)
    assert post_answer(client, started, xml).status_code == 302
    client.post("/identity/sign-out/")
    client.cookies[flow.BROWSER_COOKIE] = started.browser_secret
    _refused(client, post_answer(client, started, xml), "unknown_request", caplog)


def test_a_replayed_assertion_is_refused_even_for_an_open_request(caplog) -> None:  # type: ignore[no-untyped-def]
    """Even if its request were still open, an assertion ID counts once."""
    caplog.set_level(logging.WARNING, logger="rathaus.identity.saml")
    client = Client()
    started = start(client)
    xml = answer_xml(started)
    assert post_answer(client, started, xml).status_code == 302
    client.post("/identity/sign-out/")
    PendingSignIn.objects.create(request_id=started.parsed.request_id,
                                 browser_hash=flow._hash(started.browser_secret),
                                 level=TrustLevel.HIGH)
    client.cookies[flow.BROWSER_COOKIE] = started.browser_secret
    _refused(client, post_answer(client, started, xml), "replayed", caplog)


def test_an_unknown_in_response_to_is_refused(caplog) -> None:  # type: ignore[no-untyped-def]
    _attack(caplog, "unknown_request", in_response_to="_never-asked")


def test_a_level_lower_than_requested_is_refused(caplog) -> None:  # type: ignore[no-untyped-def]
    _attack(caplog, "level_too_low", level=TrustLevel.SUBSTANTIAL)


def test_a_missing_person_key_is_refused(caplog) -> None:  # type: ignore[no-untyped-def]
    _attack(caplog, "missing_person_key", bpk2="")


def test_an_unencrypted_assertion_is_refused(caplog) -> None:  # type: ignore[no-untyped-def]
    _attack(caplog, "not_encrypted", encrypt_assertion=False)


def test_an_assertion_encrypted_for_another_key_is_refused(caplog) -> None:  # type: ignore[no-untyped-def]
    _attack(caplog, "not_decryptable", encrypt_for=generate_key_pair("other-sp").cert_pem)


def test_an_answer_in_another_browser_is_refused(caplog) -> None:  # type: ignore[no-untyped-def]
    """Login CSRF: an attacker's valid answer posted from the victim's browser."""
    caplog.set_level(logging.WARNING, logger="rathaus.identity.saml")
    attacker = Client()
    started = start(attacker)
    xml = answer_xml(started, bpk2="attacker-bpk2")
    victim = Client()
    _refused(victim, post_answer(victim, started, xml), "other_browser", caplog)


def test_a_cancelled_sign_in_says_so(caplog) -> None:  # type: ignore[no-untyped-def]
    _attack(caplog, "idp_status", status="urn:oasis:names:tc:SAML:2.0:status:Responder")


def test_garbage_is_refused_without_an_error_page(caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.WARNING, logger="rathaus.identity.saml")
    client = Client()
    for value in ["", "not base64 !!", base64.b64encode(b"<x/>").decode(),
                  base64.b64encode(b'<!DOCTYPE x [<!ENTITY e "x">]><x>&e;</x>').decode()]:
        response = client.post("/identity/saml/acs/", {"SAMLResponse": value})
        assert response.status_code == 400
    assert Citizen.objects.count() == 0


def test_the_assertion_consumer_only_takes_post() -> None:
    assert Client().get("/identity/saml/acs/").status_code == 405


# --- Sign-out -----------------------------------------------------------------------------------

def test_sign_out_ends_the_portal_session() -> None:
    client = Client()
    sign_in(client)
    response = client.post("/identity/sign-out/")
    assert response.status_code == 200
    assert "Sie wurden abgemeldet." in response.content.decode()
    assert current_citizen(_session_of(client)) is None
    assert session_trust_level(_session_of(client)) == TrustLevel.NONE


def test_sign_out_sends_a_signed_logout_request_where_single_logout_is_on() -> None:
    from django.conf import settings

    with override_settings(RATHAUS_SAML={**settings.RATHAUS_SAML, "SINGLE_LOGOUT": True}):
        client = Client()
        sign_in(client)
        response = client.post("/identity/sign-out/")
        assert response.status_code == 200
        from .saml_peer import form_fields, idp

        action, fields = form_fields(response.content.decode())
        assert action == idp().slo_url
        request = etree.fromstring(base64.b64decode(fields["SAMLRequest"]))
        assert request.tag == q("samlp", "LogoutRequest")
        assert request.find(q("ds", "Signature")) is not None
        assert request.findtext(q("samlp", "SessionIndex"))
        assert current_citizen(_session_of(client)) is None
        assert "form-action 'self' http://127.0.0.1:8000" in response["Content-Security-Policy"]
        # The identity provider ends its session and answers with a signed LogoutResponse.
        answered = client.post("/identity/simulator/slo/", fields)
        slo_action, slo_fields = form_fields(answered.content.decode())
        assert slo_action == "http://127.0.0.1:8000/identity/saml/slo/"
        done = client.post(slo_action, slo_fields).content.decode()
        assert "Sie wurden vom Portal und von BundID abgemeldet." in done


def test_a_signed_logout_response_is_accepted_and_a_forged_one_is_not() -> None:
    from rathaus.identity.saml import logout

    from .saml_peer import idp

    def logout_response(keys) -> str:  # type: ignore[no-untyped-def]
        root = etree.Element(q("samlp", "LogoutResponse"), nsmap={"samlp": NS["samlp"],
                                                                  "saml": NS["saml"]},
                             ID="_lr", Version="2.0")
        etree.SubElement(root, q("saml", "Issuer")).text = idp().entity_id
        status = etree.SubElement(root, q("samlp", "Status"))
        etree.SubElement(status, q("samlp", "StatusCode"),
                         Value="urn:oasis:names:tc:SAML:2.0:status:Success")
        return base64.b64encode(to_bytes(sign(root, keys))).decode()

    assert logout.finish(logout_response(idp().keys))
    assert not logout.finish(logout_response(generate_key_pair("attacker")))
    assert not logout.finish("")


def test_housekeeping_removes_old_requests_and_expired_assertion_ids() -> None:
    from django.core.management import call_command
    from django.utils import timezone

    client = Client()
    started = start(client)
    post_answer(client, started, answer_xml(started))
    start(Client())
    PendingSignIn.objects.update(created_at=timezone.now() - dt.timedelta(hours=1))
    call_command("purge_sign_ins", verbosity=0)
    assert UsedAssertion.objects.count() == 1  # still within its validity
    assert not PendingSignIn.objects.exists()
    UsedAssertion.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    call_command("purge_sign_ins", verbosity=0)
    assert not UsedAssertion.objects.exists()


def test_bundid_and_the_answer_speak_the_language_the_sign_in_started_in(caplog) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    started = start(client, next_url="/en/services/")
    assert started.request_xml.findtext(f".//{q('classic-ui', 'Lang')}") == "en"
    response = post_answer(client, started, answer_xml(started, bpk2=""))
    assert response.status_code == 400
    assert "You have not been signed in" in response.content.decode()
    assert start(Client(), next_url="/de/").request_xml.findtext(
        f".//{q('classic-ui', 'Lang')}") == "de"


def test_development_keys_are_generated_once_even_when_asked_at_once(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from concurrent.futures import ThreadPoolExecutor

    from rathaus.identity.saml.keys import ensure_key_pair

    with ThreadPoolExecutor(4) as pool:
        pairs = list(pool.map(lambda _n: ensure_key_pair(tmp_path, "sp-signing", "t"), range(4)))
    assert len({pair.cert_pem for pair in pairs}) == 1
    assert oct((tmp_path / "sp-signing.key").stat().st_mode & 0o777) == "0o600"
