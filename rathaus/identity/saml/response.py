"""Checking BundID's answer: every rule that decides whether a Response signs anybody in.

Order matters: nothing of the message is believed before its signature is checked, and after
that only the signed copy that signxml returns is read (signature wrapping). Each refusal
raises ``Rejected`` with a code; the view logs it with the details and shows the citizen a
clear message for the code.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from dataclasses import dataclass, field

from lxml import etree

from rathaus.identity.attributes import BPK2_OID, BY_OID
from rathaus.identity.levels import TrustLevel
from rathaus.identity.session import Attribute

from .authn_request import LEVELS_BY_CLASS_REF
from .config import IdentityProvider, ServiceProvider
from .xml import NS, SignatureError, UnsupportedAlgorithm, XmlError, decrypt, parse, q, verify

SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"
BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
MAX_RESPONSE_BYTES = 512 * 1024


class Rejected(Exception):
    """The response signs nobody in. ``code`` names the rule; ``detail`` is for the log only."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Verified:
    """What a response that passed every check says."""

    in_response_to: str
    assertion_id: str
    assertion_expires: dt.datetime
    level: TrustLevel
    bpk2: str
    attributes: dict[str, Attribute] = field(default_factory=dict)
    name_id: str = ""
    name_id_format: str = ""
    session_index: str = ""
    status_code: str = SUCCESS


def decode(saml_response: str) -> bytes:
    if len(saml_response) > MAX_RESPONSE_BYTES * 4 // 3 + 4:
        raise Rejected("malformed", "response too large")
    try:
        return base64.b64decode(saml_response, validate=False)
    except (binascii.Error, ValueError) as error:
        raise Rejected("malformed", f"not base64: {error}") from error


def _time(value: str | None, what: str) -> dt.datetime:
    if not value:
        raise Rejected("malformed", f"{what} missing")
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise Rejected("malformed", f"{what} is not a time: {value!r}") from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment


def _one(parent: etree._Element, path: str, what: str) -> etree._Element:
    found = parent.findall(path)
    if len(found) != 1:
        raise Rejected("malformed", f"expected one {what}, found {len(found)}")
    return found[0]


def check_response(data: bytes, *, sp: ServiceProvider, idp: IdentityProvider,
                   now: dt.datetime) -> Verified:
    """Return what a valid, signed response with an encrypted assertion says, or raise."""
    skew = dt.timedelta(seconds=sp.clock_skew)
    try:
        document = parse(data)
    except XmlError as error:
        raise Rejected("malformed", str(error)) from error
    if document.tag != q("samlp", "Response") or document.get("Version") != "2.0":
        raise Rejected("malformed", f"not a SAML 2.0 Response: {document.tag}")
    if document.find(q("ds", "Signature")) is None:
        raise Rejected("unsigned", "the Response carries no signature")
    try:
        response = verify(document, list(idp.certificates))
    except UnsupportedAlgorithm as error:
        raise Rejected("unsupported_algorithm", f"Response signature: {error}") from error
    except SignatureError as error:
        raise Rejected("bad_signature", str(error)) from error

    issuer = response.findtext(q("saml", "Issuer"))
    if issuer is not None and issuer.strip() != idp.entity_id:
        raise Rejected("wrong_issuer", f"Response issuer {issuer!r}")
    if response.get("Destination") != sp.acs_url:
        raise Rejected("wrong_destination", f"Destination {response.get('Destination')!r}")
    in_response_to = response.get("InResponseTo", "")
    if not in_response_to:
        raise Rejected("unknown_request", "no InResponseTo: unsolicited responses are refused")
    status = response.find(f"{q('samlp', 'Status')}/{q('samlp', 'StatusCode')}")
    status_code = "" if status is None else status.get("Value", "")
    if status_code != SUCCESS:
        inner = None if status is None else status.find(q("samlp", "StatusCode"))
        detail = f"{status_code} / {'' if inner is None else inner.get('Value', '')}"
        raise Rejected("idp_status", detail)
    if response.findall(q("saml", "Assertion")):
        raise Rejected("not_encrypted", "the assertion must be encrypted")
    holder = _one(response, q("saml", "EncryptedAssertion"), "encrypted assertion")
    # The same element as received, for the prefixes the plaintext may use (see decrypt).
    received = _one(document, q("saml", "EncryptedAssertion"), "encrypted assertion")
    try:
        assertion = decrypt(holder, list(sp.decryption_keys), recipient=sp.entity_id,
                            namespaces=received.nsmap)
    except UnsupportedAlgorithm as error:
        raise Rejected("unsupported_algorithm", str(error)) from error
    except XmlError as error:
        raise Rejected("not_decryptable", str(error)) from error
    if assertion.tag != q("saml", "Assertion"):
        raise Rejected("malformed", f"the encrypted element is a {assertion.tag}")
    if assertion.find(q("ds", "Signature")) is not None or sp.want_assertions_signed:
        if assertion.find(q("ds", "Signature")) is None:
            raise Rejected("unsigned", "the assertion carries no signature")
        try:
            assertion = verify(assertion, list(idp.certificates))
        except UnsupportedAlgorithm as error:
            raise Rejected("unsupported_algorithm", f"assertion signature: {error}") from error
        except SignatureError as error:
            raise Rejected("bad_signature", f"assertion: {error}") from error
    return _check_assertion(assertion, sp=sp, idp=idp, now=now, skew=skew,
                            in_response_to=in_response_to)


def _check_assertion(assertion: etree._Element, *, sp: ServiceProvider, idp: IdentityProvider,
                     now: dt.datetime, skew: dt.timedelta, in_response_to: str) -> Verified:
    assertion_id = assertion.get("ID", "")
    if not assertion_id:
        raise Rejected("malformed", "the assertion has no ID")
    if (assertion.findtext(q("saml", "Issuer")) or "").strip() != idp.entity_id:
        raise Rejected("wrong_issuer", "assertion issuer")

    subject = _one(assertion, q("saml", "Subject"), "Subject")
    confirmations = [
        element.find(q("saml", "SubjectConfirmationData"))
        for element in subject.findall(q("saml", "SubjectConfirmation"))
        if element.get("Method") == BEARER]
    if not confirmations or confirmations[0] is None:
        raise Rejected("malformed", "no bearer subject confirmation")
    confirmation = confirmations[0]
    if confirmation.get("Recipient") != sp.acs_url:
        raise Rejected("wrong_destination", f"Recipient {confirmation.get('Recipient')!r}")
    if confirmation.get("InResponseTo") != in_response_to:
        raise Rejected("unknown_request", "the assertion answers another request")
    confirmation_end = _time(confirmation.get("NotOnOrAfter"), "SubjectConfirmationData "
                             "NotOnOrAfter")
    if now >= confirmation_end + skew:
        raise Rejected("expired", f"subject confirmation ended {confirmation_end.isoformat()}")

    conditions = _one(assertion, q("saml", "Conditions"), "Conditions")
    not_before = conditions.get("NotBefore")
    if not_before and now + skew < _time(not_before, "NotBefore"):
        raise Rejected("expired", f"not valid before {not_before}")
    not_on_or_after = _time(conditions.get("NotOnOrAfter"), "Conditions NotOnOrAfter")
    if now >= not_on_or_after + skew:
        raise Rejected("expired", f"valid until {not_on_or_after.isoformat()}")
    audiences = [(element.text or "").strip() for element in conditions.iterfind(
        f"{q('saml', 'AudienceRestriction')}/{q('saml', 'Audience')}")]
    if sp.entity_id not in audiences:
        raise Rejected("wrong_audience", f"audiences {audiences}")

    statement = _one(assertion, q("saml", "AuthnStatement"), "AuthnStatement")
    class_ref = (statement.findtext(
        f"{q('saml', 'AuthnContext')}/{q('saml', 'AuthnContextClassRef')}") or "").strip()
    level = LEVELS_BY_CLASS_REF.get(class_ref)
    if level is None:
        raise Rejected("level_too_low", f"unknown AuthnContextClassRef {class_ref!r}")

    values, bpk2 = _attributes(assertion)
    if not bpk2:
        raise Rejected("missing_person_key", "no bPK2 attribute")
    name_id = subject.find(q("saml", "NameID"))
    return Verified(
        in_response_to=in_response_to, assertion_id=assertion_id,
        assertion_expires=min(not_on_or_after, confirmation_end) + skew,
        level=level, bpk2=bpk2, attributes=values,
        name_id="" if name_id is None else (name_id.text or "").strip(),
        name_id_format="" if name_id is None else name_id.get("Format", ""),
        session_index=statement.get("SessionIndex", ""))


def _attribute_level(element: etree._Element) -> TrustLevel | None:
    """BundID's per-attribute ``akdb:TrustLevel``: a STORK class ref (or a level name)."""
    raw = element.get(f"{{{NS['akdb']}}}TrustLevel") or element.get("TrustLevel") or ""
    raw = raw.strip()
    if raw in LEVELS_BY_CLASS_REF:
        return LEVELS_BY_CLASS_REF[raw]
    if raw.upper() in TrustLevel.__members__:
        return TrustLevel[raw.upper()]
    return None


def _attributes(assertion: etree._Element) -> tuple[dict[str, Attribute], str]:
    values: dict[str, Attribute] = {}
    bpk2 = ""
    for element in assertion.iterfind(
            f"{q('saml', 'AttributeStatement')}/{q('saml', 'Attribute')}"):
        name = element.get("Name", "")
        value = (element.findtext(q("saml", "AttributeValue")) or "").strip()
        if not value:
            continue
        if name == BPK2_OID:
            bpk2 = value
        elif name in BY_OID:
            values[BY_OID[name].key] = Attribute(value=value[:500],
                                                 level=_attribute_level(element))
    return values, bpk2
