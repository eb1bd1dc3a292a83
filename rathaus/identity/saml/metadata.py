"""The service provider metadata BundID is given (generated from settings, not a file)."""

from __future__ import annotations

from lxml import etree

from .config import POST_BINDING, service_provider
from .xml import NS, KeyPair, q, to_bytes


def _key_descriptor(parent: etree._Element, use: str, keys: KeyPair) -> None:
    descriptor = etree.SubElement(parent, q("md", "KeyDescriptor"), use=use)
    data = etree.SubElement(etree.SubElement(descriptor, q("ds", "KeyInfo")), q("ds", "X509Data"))
    etree.SubElement(data, q("ds", "X509Certificate")).text = keys.cert_base64
    if use == "encryption":
        etree.SubElement(descriptor, q("md", "EncryptionMethod"),
                         Algorithm="http://www.w3.org/2009/xmlenc11#aes256-gcm")


def sp_metadata() -> bytes:
    sp = service_provider()
    root = etree.Element(q("md", "EntityDescriptor"), nsmap={"md": NS["md"], "ds": NS["ds"]},
                         entityID=sp.entity_id)
    descriptor = etree.SubElement(
        root, q("md", "SPSSODescriptor"), AuthnRequestsSigned="true",
        WantAssertionsSigned="true" if sp.want_assertions_signed else "false",
        protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol")
    _key_descriptor(descriptor, "signing", sp.signing)
    _key_descriptor(descriptor, "encryption", sp.encryption)
    if sp.single_logout:
        etree.SubElement(descriptor, q("md", "SingleLogoutService"), Binding=POST_BINDING,
                         Location=sp.slo_url)
    etree.SubElement(descriptor, q("md", "AssertionConsumerService"), Binding=POST_BINDING,
                     Location=sp.acs_url, index="0", isDefault="true")
    organization = etree.SubElement(root, q("md", "Organization"))
    for tag in ("OrganizationName", "OrganizationDisplayName"):
        etree.SubElement(organization, q("md", tag),
                         {"{http://www.w3.org/XML/1998/namespace}lang": "de"}).text = (
            sp.organization_display_name)
    from django.conf import settings

    etree.SubElement(organization, q("md", "OrganizationURL"),
                     {"{http://www.w3.org/XML/1998/namespace}lang": "de"}).text = (
        settings.RATHAUS_BASE_URL + "/")
    if sp.contact_email:
        contact = etree.SubElement(root, q("md", "ContactPerson"), contactType="technical")
        etree.SubElement(contact, q("md", "EmailAddress")).text = f"mailto:{sp.contact_email}"
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + to_bytes(root)
