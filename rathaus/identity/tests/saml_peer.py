"""Drive a real SAML exchange between the portal and the in-process identity provider."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from html import unescape
from typing import Any

from django.test import Client
from lxml import etree

from rathaus.identity.levels import TrustLevel
from rathaus.identity.saml.config import service_provider
from rathaus.identity.saml.flow import BROWSER_COOKIE
from rathaus.identity.saml.idp import LocalIdentityProvider, ParsedRequest
from rathaus.identity.saml.simulator import simulator_idp
from rathaus.identity.testing import ERIKA

FIELD = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')
ACTION = re.compile(r'<form method="post" action="([^"]+)" data-autosubmit')


@dataclass
class Started:
    action: str
    saml_request: str
    relay_state: str
    parsed: ParsedRequest
    request_xml: etree._Element
    browser_secret: str


def form_fields(html: str) -> tuple[str, dict[str, str]]:
    action = ACTION.search(html)
    assert action is not None, html[:2000]
    return unescape(action.group(1)), {name: unescape(value)
                                       for name, value in FIELD.findall(html)}


def idp() -> LocalIdentityProvider:
    return simulator_idp()


def start(client: Client, *, level: str = "high", next_url: str = "/de/") -> Started:
    response = client.post("/identity/saml/login/", {"level": level, "next": next_url})
    assert response.status_code == 200
    assert BROWSER_COOKIE in response.cookies
    secret = response.cookies[BROWSER_COOKIE].value
    action, fields = form_fields(response.content.decode())
    parsed = idp().read_request(fields["SAMLRequest"], [service_provider().signing.cert_pem])
    return Started(action=action, saml_request=fields["SAMLRequest"],
                   relay_state=fields["RelayState"], parsed=parsed,
                   request_xml=etree.fromstring(base64.b64decode(fields["SAMLRequest"])),
                   browser_secret=secret)


def answer_xml(started: Started, *, level: TrustLevel = TrustLevel.HIGH,
               bpk2: str = "erika-bpk2", **kwargs: Any) -> bytes:
    sp = service_provider()
    options: dict[str, Any] = {
        "in_response_to": started.parsed.request_id, "acs_url": started.parsed.acs_url,
        "audience": sp.entity_id, "encrypt_for": sp.encryption.cert_pem, "level": level,
        "bpk2": bpk2, "attributes": ERIKA, "requested_oids": started.parsed.attribute_oids}
    options.update(kwargs)
    return idp().response(**options)


def post_answer(client: Client, started: Started, xml: bytes) -> Any:
    return client.post("/identity/saml/acs/", {
        "SAMLResponse": base64.b64encode(xml).decode(), "RelayState": started.relay_state})


def sign_in(client: Client, *, level: str = "high", next_url: str = "/de/",
            **kwargs: Any) -> Any:
    started = start(client, level=level, next_url=next_url)
    return post_answer(client, started, answer_xml(started, **kwargs))
