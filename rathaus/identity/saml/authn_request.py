"""The AuthnRequest Rathaus sends to BundID (HTTP-POST binding, signed)."""

from __future__ import annotations

import base64
import datetime as dt
import secrets

from django.utils.translation import get_language
from lxml import etree

from rathaus.identity.attributes import BPK2_OID, BY_KEY
from rathaus.identity.levels import TrustLevel

from .config import POST_BINDING, IdentityProvider, ServiceProvider
from .xml import NS, q, sign, to_bytes

# STORK QAA class references BundID understands, by trust level.
CLASS_REFS = {
    TrustLevel.BASIC: "STORK-QAA-Level-1",
    TrustLevel.SUBSTANTIAL: "STORK-QAA-Level-3",
    TrustLevel.HIGH: "STORK-QAA-Level-4",
}
LEVELS_BY_CLASS_REF = {
    "STORK-QAA-Level-1": TrustLevel.BASIC,
    "STORK-QAA-Level-2": TrustLevel.BASIC,
    "STORK-QAA-Level-3": TrustLevel.SUBSTANTIAL,
    "STORK-QAA-Level-4": TrustLevel.HIGH,
}


def new_id() -> str:
    # An xs:ID must not start with a digit.
    return "_" + secrets.token_hex(20)


def instant(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_authn_request(*, sp: ServiceProvider, idp: IdentityProvider, level: TrustLevel,
                        attributes: list[str], request_id: str,
                        now: dt.datetime) -> etree._Element:
    """Return the signed AuthnRequest asking for at least ``level`` and only ``attributes``."""
    if level == TrustLevel.NONE:
        level = TrustLevel.BASIC
    root = etree.Element(q("samlp", "AuthnRequest"), nsmap={
        "samlp": NS["samlp"], "saml": NS["saml"]})
    root.set("ID", request_id)
    root.set("Version", "2.0")
    root.set("IssueInstant", instant(now))
    root.set("Destination", idp.sso_url)
    root.set("AssertionConsumerServiceURL", sp.acs_url)
    root.set("ProtocolBinding", POST_BINDING)
    etree.SubElement(root, q("saml", "Issuer")).text = sp.entity_id
    extensions = etree.SubElement(root, q("samlp", "Extensions"))
    extensions.append(akdb_extension(sp, attributes))
    context = etree.SubElement(root, q("samlp", "RequestedAuthnContext"), Comparison="minimum")
    etree.SubElement(context, q("saml", "AuthnContextClassRef")).text = CLASS_REFS[level]
    return sign(root, sp.signing)


def akdb_extension(sp: ServiceProvider, attributes: list[str]) -> etree._Element:
    """BundID's mandatory ``akdb:AuthenticationRequest`` (version 2).

    It lists the attributes the portal uses (data minimisation), the person key as the only
    required one, and what BundID shows the citizen: the organisation and the online service.
    """
    request = etree.Element(q("akdb", "AuthenticationRequest"), nsmap={"akdb": NS["akdb"]},
                            Version="2")
    requested = etree.SubElement(request, q("akdb", "RequestedAttributes"))
    etree.SubElement(requested, q("akdb", "RequestedAttribute"), Name=BPK2_OID,
                     RequiredAttribute="true")
    for key in attributes:
        etree.SubElement(requested, q("akdb", "RequestedAttribute"), Name=BY_KEY[key].oid,
                         RequiredAttribute="false")
    display = etree.SubElement(request, q("akdb", "DisplayInformation"))
    version = etree.SubElement(display, q("classic-ui", "Version"),
                               nsmap={"classic-ui": NS["classic-ui"]})
    etree.SubElement(version, q("classic-ui", "OrganizationDisplayName")).text = (
        sp.organization_display_name)
    # BundID shows its pages in the portal's page language.
    etree.SubElement(version, q("classic-ui", "Lang")).text = (get_language() or "de")[:2]
    if sp.online_service_id:
        etree.SubElement(version, q("classic-ui", "OnlineServiceId")).text = sp.online_service_id
    return request


def encode(element: etree._Element) -> str:
    """Base64 of the XML, as the HTTP-POST binding carries it in ``SAMLRequest``."""
    return base64.b64encode(to_bytes(element)).decode()
