"""XML for SAML: safe parsing, signatures (signxml) and encryption (python-xmlsec).

BundID signs with RSASSA-PSS (``sha256-rsa-MGF1``) and encrypts assertions with AES-GCM; the
xmlsec1 1.2 of Debian 12 that pysaml2 calls cannot verify RSASSA-PSS. Signatures therefore go
through signxml (pure Python on ``cryptography``), encryption through python-xmlsec, whose
wheel carries libxmlsec1 1.3 with AES-GCM and RSA-OAEP (docs/decisions/0009).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import xmlsec as _xmlsec
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree
from signxml.algorithms import DigestAlgorithm, SignatureMethod
from signxml.exceptions import InvalidInput, InvalidSignature
from signxml.signer import XMLSigner
from signxml.verifier import SignatureConfiguration, XMLVerifier

NS = {
    "samlp": "urn:oasis:names:tc:SAML:2.0:protocol",
    "saml": "urn:oasis:names:tc:SAML:2.0:assertion",
    "md": "urn:oasis:names:tc:SAML:2.0:metadata",
    "ds": "http://www.w3.org/2000/09/xmldsig#",
    "xenc": "http://www.w3.org/2001/04/xmlenc#",
    "akdb": "https://www.akdb.de/request/2018/09",
    "classic-ui": "https://www.akdb.de/request/2018/09/classic-ui/v1",
}

# Accepted on what the identity provider sends; SHA-1 and HMAC never.
SIGNATURE_METHODS = frozenset({
    SignatureMethod.SHA256_RSA_MGF1, SignatureMethod.SHA384_RSA_MGF1,
    SignatureMethod.SHA512_RSA_MGF1, SignatureMethod.RSA_SHA256, SignatureMethod.RSA_SHA384,
    SignatureMethod.RSA_SHA512,
})
DIGEST_METHODS = frozenset({DigestAlgorithm.SHA256, DigestAlgorithm.SHA384,
                            DigestAlgorithm.SHA512})
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"

# python-xmlsec's bundled stubs lack several names it has at run time.
xmlsec: Any = _xmlsec

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                          dtd_validation=False, remove_comments=True, huge_tree=False)


class XmlError(Exception):
    """The document is not XML we accept (syntax, DTD, entity tricks)."""


class SignatureError(Exception):
    """No valid signature by the expected key over the expected element."""


def q(prefix: str, tag: str) -> str:
    return f"{{{NS[prefix]}}}{tag}"


def parse(data: bytes) -> etree._Element:
    """Parse untrusted XML: no DTD, no entities, no network, no comments."""
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise XmlError("document type declarations are not accepted")
    try:
        return etree.fromstring(data, parser=_PARSER)
    except etree.XMLSyntaxError as error:
        raise XmlError(str(error)) from error


def to_bytes(element: etree._Element) -> bytes:
    return etree.tostring(element, xml_declaration=False, encoding="utf-8")


@dataclass(frozen=True)
class KeyPair:
    """A private key in PEM and its certificate in PEM."""

    key_pem: bytes
    cert_pem: bytes

    @property
    def cert_base64(self) -> str:
        """The certificate's DER in base64, as KeyInfo and metadata carry it."""
        return "".join(line for line in self.cert_pem.decode().splitlines()
                       if "-----" not in line)


def certificate_from_base64(value: str) -> bytes:
    """Return PEM for a certificate given as base64 DER (as in metadata)."""
    der = "".join(value.split())
    cert = x509.load_der_x509_certificate(_b64decode(der))
    return cert.public_bytes(serialization.Encoding.PEM)


def _b64decode(value: str) -> bytes:
    import base64

    return base64.b64decode(value, validate=True)


def sign(element: etree._Element, keys: KeyPair, *,
         method: SignatureMethod = SignatureMethod.SHA256_RSA_MGF1) -> etree._Element:
    """Return ``element`` with an enveloped signature placed right after its Issuer.

    SAML's schema wants ``ds:Signature`` directly after ``saml:Issuer``; signxml puts the
    signature where a placeholder ``ds:Signature Id="placeholder"`` stands.
    """
    issuer = element.find(q("saml", "Issuer"))
    placeholder = etree.Element(q("ds", "Signature"), {"Id": "placeholder"}, nsmap={"ds": NS["ds"]})
    if issuer is not None:
        issuer.addnext(placeholder)
    else:
        element.insert(0, placeholder)
    signer = XMLSigner(signature_algorithm=method, digest_algorithm=DigestAlgorithm.SHA256,
                       c14n_algorithm=EXC_C14N)
    signer.namespaces = {"ds": NS["ds"]}
    signed: etree._Element = signer.sign(element, key=keys.key_pem, cert=keys.cert_pem.decode(),
                                          reference_uri=element.get("ID"), id_attribute="ID")
    return signed


def verify(element: etree._Element, certificates: list[bytes]) -> etree._Element:
    """Return the element that a valid signature by one of ``certificates`` covers.

    The signature must be a child of ``element`` and reference ``element`` itself by its ID;
    callers go on with the returned copy only, never with the tree they passed in, so that
    nothing outside the signed bytes can be read (signature wrapping).
    """
    signatures = element.findall(q("ds", "Signature"))
    if len(signatures) != 1:
        raise SignatureError("expected exactly one signature on the element")
    reference = signatures[0].find(f"{q('ds', 'SignedInfo')}/{q('ds', 'Reference')}")
    element_id = element.get("ID")
    if reference is None or not element_id or reference.get("URI") != f"#{element_id}":
        raise SignatureError("the signature does not cover this element")
    config = SignatureConfiguration(signature_methods=SIGNATURE_METHODS,
                                    digest_algorithms=DIGEST_METHODS, expect_references=1)
    failures = []
    for cert in certificates:
        try:
            result = XMLVerifier().verify(to_bytes(element), x509_cert=cert.decode(),
                                          id_attribute="ID", expect_config=config)
        except (InvalidSignature, InvalidInput) as error:
            failures.append(str(error))
            continue
        signed = result.signed_xml  # type: ignore[union-attr]
        if signed is None or signed.tag != element.tag or signed.get("ID") != element_id:
            raise SignatureError("the signed element is not the element checked")
        return signed
    raise SignatureError("; ".join(failures) or "no certificate to check against")


def encrypt(element: etree._Element, recipient_cert_pem: bytes) -> etree._Element:
    """Return ``xenc:EncryptedData`` of ``element`` for the holder of the certificate.

    AES-256-GCM for the content, the key transported with RSA-OAEP. The element is encrypted
    as a document of its own, so that the plaintext carries every namespace it uses.
    """
    element = parse(to_bytes(element))
    manager = xmlsec.KeysManager()
    manager.add_key(xmlsec.Key.from_memory(recipient_cert_pem, xmlsec.KeyFormat.CERT_PEM, None))
    template = xmlsec.template.encrypted_data_create(
        element, xmlsec.Transform.AES256_GCM, type=xmlsec.EncryptionType.ELEMENT, ns="xenc")
    xmlsec.template.encrypted_data_ensure_cipher_value(template)
    key_info = xmlsec.template.encrypted_data_ensure_key_info(template, ns="dsig")
    encrypted_key = xmlsec.template.add_encrypted_key(key_info, xmlsec.Transform.RSA_OAEP)
    xmlsec.template.encrypted_data_ensure_cipher_value(encrypted_key)
    context = xmlsec.EncryptionContext(manager)
    context.key = xmlsec.Key.generate(xmlsec.KeyData.AES, 256, xmlsec.KeyDataType.SESSION)
    encrypted: etree._Element = context.encrypt_xml(template, element)
    return encrypted


def decrypt(encrypted_data: etree._Element, private_keys: list[bytes]) -> etree._Element:
    """Decrypt an ``xenc:EncryptedData`` element with one of our private keys (PEM)."""
    errors = []
    for key_pem in private_keys:
        manager = xmlsec.KeysManager()
        manager.add_key(xmlsec.Key.from_memory(key_pem, xmlsec.KeyFormat.PEM, None))
        copy = parse(to_bytes(encrypted_data))
        try:
            result = xmlsec.EncryptionContext(manager).decrypt(copy)
        except xmlsec.Error as error:
            errors.append(str(error))
            continue
        if isinstance(result, bytes):
            return parse(result)
        decrypted: etree._Element = result
        return decrypted
    raise XmlError("could not decrypt: " + "; ".join(errors))
