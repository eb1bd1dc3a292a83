"""A SAML identity provider that answers like BundID, for tests and the development simulator.

It reads the portal's signed AuthnRequest and answers with a Response signed with RSASSA-PSS
whose assertion is signed and then encrypted with AES-256-GCM for the portal's encryption
certificate, as BundID does. It is never used with production settings (system check).
Tests use its keyword arguments to produce the forged and broken answers the portal must
refuse.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from lxml import etree

from rathaus.identity.attributes import BPK2_OID, BY_KEY, BY_OID
from rathaus.identity.levels import TrustLevel

from .authn_request import CLASS_REFS, LEVELS_BY_CLASS_REF, instant, new_id
from .config import POST_BINDING
from .response import BEARER, SUCCESS
from .xml import NS, KeyPair, SignatureError, encrypt, parse, q, sign, to_bytes, verify


@dataclass(frozen=True)
class ParsedRequest:
    request_id: str
    issuer: str
    acs_url: str
    level: TrustLevel
    attribute_oids: tuple[str, ...]
    display_name: str
    language: str = ""


class LocalIdentityProvider:
    def __init__(self, *, entity_id: str, sso_url: str, slo_url: str, keys: KeyPair) -> None:
        self.entity_id = entity_id
        self.sso_url = sso_url
        self.slo_url = slo_url
        self.keys = keys

    def metadata(self) -> bytes:
        root = etree.Element(q("md", "EntityDescriptor"), nsmap={"md": NS["md"], "ds": NS["ds"]},
                             entityID=self.entity_id)
        idp = etree.SubElement(root, q("md", "IDPSSODescriptor"),
                               protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol",
                               WantAuthnRequestsSigned="true")
        key = etree.SubElement(idp, q("md", "KeyDescriptor"), use="signing")
        data = etree.SubElement(etree.SubElement(key, q("ds", "KeyInfo")), q("ds", "X509Data"))
        etree.SubElement(data, q("ds", "X509Certificate")).text = self.keys.cert_base64
        etree.SubElement(idp, q("md", "SingleLogoutService"), Binding=POST_BINDING,
                         Location=self.slo_url)
        etree.SubElement(idp, q("md", "SingleSignOnService"), Binding=POST_BINDING,
                         Location=self.sso_url)
        return to_bytes(root)

    def read_request(self, saml_request: str, sp_certificates: list[bytes]) -> ParsedRequest:
        """Check the portal's signature on an AuthnRequest and return what it asks for."""
        document = parse(base64.b64decode(saml_request))
        request = verify(document, sp_certificates)
        if request.get("Destination") != self.sso_url:
            raise SignatureError("the request is meant for another identity provider")
        class_ref = request.findtext(
            f"{q('samlp', 'RequestedAuthnContext')}/{q('saml', 'AuthnContextClassRef')}") or ""
        extension = request.find(f"{q('samlp', 'Extensions')}/{q('akdb', 'AuthenticationRequest')}")
        oids: tuple[str, ...] = ()
        display = language = ""
        if extension is not None:
            oids = tuple(element.get("Name", "") for element in extension.iterfind(
                f".//{q('akdb', 'RequestedAttribute')}"))
            display = extension.findtext(f".//{q('classic-ui', 'OrganizationDisplayName')}") or ""
            language = extension.findtext(f".//{q('classic-ui', 'Lang')}") or ""
        return ParsedRequest(
            request_id=request.get("ID", ""), issuer=request.findtext(q("saml", "Issuer")) or "",
            acs_url=request.get("AssertionConsumerServiceURL", ""),
            level=LEVELS_BY_CLASS_REF.get(class_ref.strip(), TrustLevel.BASIC),
            attribute_oids=oids, display_name=display, language=language)

    def response(
        self, *, in_response_to: str, acs_url: str, audience: str, encrypt_for: bytes,
        level: TrustLevel, bpk2: str, attributes: Mapping[str, str],
        attribute_level: TrustLevel | None = None, requested_oids: tuple[str, ...] | None = None,
        now: dt.datetime | None = None, lifetime: dt.timedelta = dt.timedelta(minutes=5),
        destination: str | None = None, status: str = SUCCESS,
        sign_response: bool = True, sign_assertion: bool = True, encrypt_assertion: bool = True,
        signing_keys: KeyPair | None = None,
        after_assertion_signed: Callable[[etree._Element], None] | None = None,
    ) -> bytes:
        """Return the XML of a Response; the keyword arguments make it wrong in one way."""
        now = now or dt.datetime.now(dt.UTC)
        keys = signing_keys or self.keys
        root = etree.Element(q("samlp", "Response"), nsmap={"samlp": NS["samlp"],
                                                            "saml": NS["saml"]})
        root.set("ID", new_id())
        root.set("Version", "2.0")
        root.set("IssueInstant", instant(now))
        root.set("Destination", acs_url if destination is None else destination)
        root.set("InResponseTo", in_response_to)
        etree.SubElement(root, q("saml", "Issuer")).text = self.entity_id
        status_element = etree.SubElement(root, q("samlp", "Status"))
        etree.SubElement(status_element, q("samlp", "StatusCode"), Value=status)
        if status == SUCCESS:
            assertion = self._assertion(
                in_response_to=in_response_to, acs_url=acs_url, audience=audience, level=level,
                bpk2=bpk2, attributes=attributes, attribute_level=attribute_level,
                requested_oids=requested_oids, now=now, lifetime=lifetime)
            if sign_assertion:
                assertion = sign(assertion, keys)
            if after_assertion_signed is not None:
                after_assertion_signed(assertion)
            if encrypt_assertion:
                holder = etree.SubElement(root, q("saml", "EncryptedAssertion"))
                holder.append(encrypt(assertion, encrypt_for))
            else:
                root.append(assertion)
        if sign_response:
            root = sign(root, keys)
        return to_bytes(root)

    def _assertion(self, *, in_response_to: str, acs_url: str, audience: str,
                   level: TrustLevel, bpk2: str, attributes: Mapping[str, str],
                   attribute_level: TrustLevel | None, requested_oids: tuple[str, ...] | None,
                   now: dt.datetime, lifetime: dt.timedelta) -> etree._Element:
        until = instant(now + lifetime)
        assertion = etree.Element(q("saml", "Assertion"), nsmap={"saml": NS["saml"],
                                                                 "akdb": NS["akdb"]})
        assertion.set("ID", new_id())
        assertion.set("Version", "2.0")
        assertion.set("IssueInstant", instant(now))
        etree.SubElement(assertion, q("saml", "Issuer")).text = self.entity_id
        subject = etree.SubElement(assertion, q("saml", "Subject"))
        etree.SubElement(subject, q("saml", "NameID"),
                         Format="urn:oasis:names:tc:SAML:2.0:nameid-format:transient").text = (
            new_id())
        confirmation = etree.SubElement(subject, q("saml", "SubjectConfirmation"), Method=BEARER)
        etree.SubElement(confirmation, q("saml", "SubjectConfirmationData"),
                         InResponseTo=in_response_to, NotOnOrAfter=until, Recipient=acs_url)
        conditions = etree.SubElement(assertion, q("saml", "Conditions"),
                                      NotBefore=instant(now - dt.timedelta(seconds=5)),
                                      NotOnOrAfter=until)
        restriction = etree.SubElement(conditions, q("saml", "AudienceRestriction"))
        etree.SubElement(restriction, q("saml", "Audience")).text = audience
        statement = etree.SubElement(assertion, q("saml", "AuthnStatement"),
                                     AuthnInstant=instant(now), SessionIndex=new_id())
        context = etree.SubElement(statement, q("saml", "AuthnContext"))
        etree.SubElement(context, q("saml", "AuthnContextClassRef")).text = CLASS_REFS.get(
            level, "STORK-QAA-Level-1") if level != TrustLevel.NONE else "unknown"
        values = etree.SubElement(assertion, q("saml", "AttributeStatement"))
        per_attribute = CLASS_REFS.get(attribute_level or level, "STORK-QAA-Level-1")
        if bpk2:
            self._attribute(values, BPK2_OID, bpk2, per_attribute)
        for key, value in attributes.items():
            oid = BY_KEY[key].oid
            if requested_oids is None or oid in requested_oids:
                self._attribute(values, oid, value, per_attribute)
        return assertion

    @staticmethod
    def _attribute(parent: etree._Element, oid: str, value: str, level: str) -> None:
        element = etree.SubElement(parent, q("saml", "Attribute"), Name=oid,
                                   NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri")
        element.set(f"{{{NS['akdb']}}}TrustLevel", level)
        if oid in BY_OID:
            element.set("FriendlyName", BY_OID[oid].key)
        etree.SubElement(element, q("saml", "AttributeValue")).text = value


def logout_response(idp: LocalIdentityProvider, *, saml_request: str,
                    sp_certificates: list[bytes], destination: str) -> bytes:
    """Answer a signed LogoutRequest with a signed success (single logout)."""
    request = verify(parse(base64.b64decode(saml_request)), sp_certificates)
    if request.tag != q("samlp", "LogoutRequest"):
        raise SignatureError("not a LogoutRequest")
    root = etree.Element(q("samlp", "LogoutResponse"), nsmap={"samlp": NS["samlp"],
                                                              "saml": NS["saml"]})
    root.set("ID", new_id())
    root.set("Version", "2.0")
    root.set("IssueInstant", instant(dt.datetime.now(dt.UTC)))
    root.set("Destination", destination)
    root.set("InResponseTo", request.get("ID", ""))
    etree.SubElement(root, q("saml", "Issuer")).text = idp.entity_id
    status = etree.SubElement(root, q("samlp", "Status"))
    etree.SubElement(status, q("samlp", "StatusCode"), Value=SUCCESS)
    return to_bytes(sign(root, idp.keys))
