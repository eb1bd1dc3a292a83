"""Single logout with BundID (HTTP-POST binding), when the town switches it on."""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass

from django.http import HttpRequest
from django.utils import timezone
from lxml import etree

from rathaus.identity.session import idp_session

from .authn_request import encode, instant, new_id
from .config import ConfigurationError, identity_provider, service_provider
from .response import SUCCESS
from .xml import NS, SignatureError, XmlError, parse, q, sign, verify

log = logging.getLogger("rathaus.identity.saml")


@dataclass(frozen=True)
class Outgoing:
    action: str
    saml_request: str
    relay_state: str


def start(request: HttpRequest) -> Outgoing | None:
    """Return the signed LogoutRequest to post to BundID, or None when none is due."""
    held = idp_session(request)
    if not held or not held.get("name_id"):
        return None
    try:
        sp, idp = service_provider(), identity_provider()
    except ConfigurationError:
        return None
    if not sp.single_logout or not idp.slo_url or held.get("issuer") != idp.entity_id:
        return None
    root = etree.Element(q("samlp", "LogoutRequest"), nsmap={"samlp": NS["samlp"],
                                                            "saml": NS["saml"]})
    request_id = new_id()
    root.set("ID", request_id)
    root.set("Version", "2.0")
    root.set("IssueInstant", instant(timezone.now()))
    root.set("Destination", idp.slo_url)
    etree.SubElement(root, q("saml", "Issuer")).text = sp.entity_id
    name_id = etree.SubElement(root, q("saml", "NameID"))
    name_id.text = held["name_id"]
    if held.get("name_id_format"):
        name_id.set("Format", held["name_id_format"])
    if held.get("session_index"):
        etree.SubElement(root, q("samlp", "SessionIndex")).text = held["session_index"]
    return Outgoing(action=idp.slo_url, saml_request=encode(sign(root, sp.signing)),
                    relay_state=request_id)


def finish(saml_response: str) -> bool:
    """True when BundID answered our LogoutRequest with a signed success."""
    if not saml_response:
        return False
    try:
        document = parse(base64.b64decode(saml_response))
        response = verify(document, list(identity_provider().certificates))
    except (ValueError, XmlError, SignatureError, ConfigurationError) as error:
        log.warning("SAML LogoutResponse refused: %s", error)
        return False
    status = response.find(f"{q('samlp', 'Status')}/{q('samlp', 'StatusCode')}")
    return status is not None and status.get("Value") == SUCCESS
