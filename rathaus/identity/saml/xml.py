"""XML for SAML: safe parsing, signatures (signxml) and encryption (python-xmlsec).

BundID signs with RSASSA-PSS (``sha256-rsa-MGF1``) and encrypts assertions with AES-GCM; the
xmlsec1 1.2 of Debian 12 that pysaml2 calls cannot verify RSASSA-PSS. Signatures therefore go
through signxml (pure Python on ``cryptography``), encryption through python-xmlsec, whose
wheel carries libxmlsec1 1.3 with AES-GCM and RSA-OAEP (docs/decisions/0009).
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import quoteattr

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
    "xenc11": "http://www.w3.org/2009/xmlenc11#",
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
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
# Canonicalization and transforms a SAML signature may name (SAML core 5.4.3/5.4.4).
C14N_METHODS = frozenset({
    EXC_C14N, "http://www.w3.org/2001/10/xml-exc-c14n#WithComments",
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
    "http://www.w3.org/2006/12/xml-c14n11"})
TRANSFORMS = C14N_METHODS | {ENVELOPED}

# Encryption: only AES-GCM for the data (CBC is open to padding-oracle attacks on XML
# encryption) and only RSA-OAEP for the key (RSA-1_5 is Bleichenbacher-prone). Checked before
# anything is decrypted. OAEP's digest may be SHA-1: OAEP does not rest on collision
# resistance, and SHA-1 is OpenSAML's default for rsa-oaep-mgf1p.
_XENC, _XENC11 = "http://www.w3.org/2001/04/xmlenc#", "http://www.w3.org/2009/xmlenc11#"
DATA_ENCRYPTION_METHODS = frozenset({f"{_XENC11}aes128-gcm", f"{_XENC11}aes192-gcm",
                                     f"{_XENC11}aes256-gcm"})
KEY_TRANSPORT_METHODS = frozenset({f"{_XENC}rsa-oaep-mgf1p", f"{_XENC11}rsa-oaep"})
OAEP_DIGEST_METHODS = frozenset({
    "http://www.w3.org/2000/09/xmldsig#sha1", f"{_XENC}sha256",
    "http://www.w3.org/2001/04/xmldsig-more#sha384", f"{_XENC}sha512"})
OAEP_MGF_METHODS = frozenset({f"{_XENC11}mgf1sha1", f"{_XENC11}mgf1sha224",
                              f"{_XENC11}mgf1sha256", f"{_XENC11}mgf1sha384",
                              f"{_XENC11}mgf1sha512"})
ELEMENT_TYPE = f"{_XENC}Element"

# python-xmlsec's bundled stubs lack several names it has at run time.
xmlsec: Any = _xmlsec

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                          dtd_validation=False, remove_comments=True, huge_tree=False)


class XmlError(Exception):
    """The document is not XML we accept (syntax, DTD, entity tricks)."""


class SignatureError(Exception):
    """No valid signature by the expected key over the expected element."""


class UnsupportedAlgorithm(XmlError, SignatureError):
    """The message names an algorithm outside the allow-list; nothing was decrypted or trusted."""


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


def _check_signature_algorithms(signature: etree._Element) -> None:
    """Refuse a signature whose methods are not on the allow-list, before checking it."""
    signed_info = signature.find(q("ds", "SignedInfo"))
    if signed_info is None:
        raise SignatureError("the signature has no SignedInfo")
    allowed_methods = {method.value for method in SIGNATURE_METHODS}
    allowed_digests = {method.value for method in DIGEST_METHODS}
    checks = [(signed_info.find(q("ds", "CanonicalizationMethod")), C14N_METHODS,
               "canonicalization"),
              (signed_info.find(q("ds", "SignatureMethod")), allowed_methods, "signature method")]
    for reference in signed_info.findall(q("ds", "Reference")):
        checks.append((reference.find(q("ds", "DigestMethod")), allowed_digests, "digest"))
        checks.extend((transform, TRANSFORMS, "transform") for transform in reference.iterfind(
            f"{q('ds', 'Transforms')}/{q('ds', 'Transform')}"))
    for node, allowed, what in checks:
        algorithm = "" if node is None else node.get("Algorithm", "")
        if algorithm not in allowed:
            raise UnsupportedAlgorithm(f"{what} {algorithm or '(none)'} is not accepted")


def _describe(cert_pem: bytes) -> str:
    """Name a certificate in the log: its subject and the start of its SHA-256 fingerprint."""
    cert = x509.load_pem_x509_certificate(cert_pem)
    fingerprint = hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()
    return f"certificate {cert.subject.rfc4514_string()} sha256:{fingerprint[:16]}"


def _reason(error: Exception) -> str:
    """Say why signxml refused, in words an operator can act on (no key material)."""
    message = str(error)
    if message.startswith("Signature verification failed"):
        return ("the signature value does not match SignedInfo under this key (signed by "
                "another key, or SignedInfo altered)")
    return message


def verify(element: etree._Element, certificates: list[bytes]) -> etree._Element:
    """Return the element that a valid signature by one of ``certificates`` covers.

    The signature must be a child of ``element`` and reference ``element`` itself by its ID;
    callers go on with the returned copy only, never with the tree they passed in, so that
    nothing outside the signed bytes can be read (signature wrapping). Algorithms outside the
    allow-list raise ``UnsupportedAlgorithm`` before anything is checked.
    """
    signatures = element.findall(q("ds", "Signature"))
    if len(signatures) != 1:
        raise SignatureError("expected exactly one signature on the element")
    references = signatures[0].findall(f"{q('ds', 'SignedInfo')}/{q('ds', 'Reference')}")
    element_id = element.get("ID")
    if len(references) != 1 or not element_id or references[0].get("URI") != f"#{element_id}":
        raise SignatureError("the signature does not cover this element (one reference to "
                             f"#{element_id} expected)")
    _check_signature_algorithms(signatures[0])
    config = SignatureConfiguration(signature_methods=SIGNATURE_METHODS,
                                    digest_algorithms=DIGEST_METHODS, expect_references=1)
    failures = []
    for cert in certificates:
        try:
            result = XMLVerifier().verify(to_bytes(element), x509_cert=cert.decode(),
                                          id_attribute="ID", expect_config=config)
        except (InvalidSignature, InvalidInput, ValueError) as error:
            failures.append(f"{_describe(cert)}: {_reason(error)}")
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


def _algorithm(parent: etree._Element, what: str, allowed: frozenset[str]) -> etree._Element:
    method = parent.find(q("xenc", "EncryptionMethod"))
    algorithm = "" if method is None else method.get("Algorithm", "")
    if method is None or algorithm not in allowed:
        raise UnsupportedAlgorithm(f"{what} {algorithm or '(none)'} is not accepted")
    return method


def _check_key_transport(encrypted_key: etree._Element) -> None:
    method = _algorithm(encrypted_key, "key transport", KEY_TRANSPORT_METHODS)
    digest = method.find(q("ds", "DigestMethod"))
    if digest is not None and digest.get("Algorithm", "") not in OAEP_DIGEST_METHODS:
        raise UnsupportedAlgorithm(f"OAEP digest {digest.get('Algorithm', '')} is not accepted")
    mgf = method.find(f"{{{NS['xenc11']}}}MGF")
    if mgf is not None and (method.get("Algorithm") != f"{_XENC11}rsa-oaep"
                            or mgf.get("Algorithm", "") not in OAEP_MGF_METHODS):
        raise UnsupportedAlgorithm(f"OAEP mask generation {mgf.get('Algorithm', '')} is not "
                                   "accepted")
    if encrypted_key.find(f"{q('xenc', 'CipherData')}/{q('xenc', 'CipherValue')}") is None:
        raise XmlError("the EncryptedKey carries no CipherValue")


def _encrypted_keys(holder: etree._Element, encrypted_data: etree._Element,
                    recipient: str) -> list[etree._Element]:
    """The EncryptedKeys meant for us: inline in KeyInfo, or siblings in the holder.

    A sibling is found by the ``ds:RetrievalMethod`` that names it, or, without one, taken if its
    ``Recipient`` is absent or names us (SAML core 6.2: several keys for several recipients).
    """
    key_info = encrypted_data.find(q("ds", "KeyInfo"))
    inline = [] if key_info is None else key_info.findall(q("xenc", "EncryptedKey"))
    siblings = holder.findall(q("xenc", "EncryptedKey"))
    retrieved = []
    if key_info is not None:
        for method in key_info.findall(q("ds", "RetrievalMethod")):
            if method.get("Type") != f"{_XENC}EncryptedKey":
                continue
            uri = method.get("URI", "")
            retrieved += [key for key in siblings if uri.startswith("#")
                          and key.get("Id") == uri[1:]]
    if not inline and not retrieved:
        retrieved = siblings
    return [key for key in inline + retrieved if key.get("Recipient") in (None, "", recipient)]


def _in_context(plaintext: bytes, namespaces: Mapping[str | None, str]) -> etree._Element:
    """Parse a decrypted element with the namespaces in scope where it was encrypted."""
    if plaintext.startswith(b"<?xml"):
        plaintext = plaintext[plaintext.find(b"?>") + 2:]
    declarations = " ".join(
        f"xmlns={quoteattr(uri)}" if prefix is None else f"xmlns:{prefix}={quoteattr(uri)}"
        for prefix, uri in namespaces.items())
    wrapper = parse(f"<rathaus-decrypted {declarations}>".encode() + plaintext
                    + b"</rathaus-decrypted>")
    children = list(wrapper)
    if len(children) != 1 or (wrapper.text or "").strip() or (children[0].tail or "").strip():
        raise XmlError("the encrypted content is not one element")
    element: etree._Element = children[0]
    return element


def decrypt(holder: etree._Element, private_keys: list[bytes], *, recipient: str = "",
            namespaces: Mapping[str | None, str] | None = None) -> etree._Element:
    """Decrypt the ``xenc:EncryptedData`` in ``holder`` (e.g. ``saml:EncryptedAssertion``).

    The key may be inline in ``ds:KeyInfo`` or a sibling ``xenc:EncryptedKey`` (OpenSAML's
    layout, named by ``ds:RetrievalMethod``). Every algorithm is checked against the
    allow-list first; libxmlsec then sees a copy with only the vetted key in it, and the
    plaintext is parsed with the namespaces in scope at ``holder`` (prefixes declared on the
    Response), plus ``namespaces``: the signed copy signxml returns is exclusive-c14n output,
    which keeps a declaration only where the signed bytes use it, so the caller passes the
    declarations in scope in the document as received.
    """
    found = holder.findall(q("xenc", "EncryptedData"))
    if len(found) != 1:
        raise XmlError(f"expected one EncryptedData, found {len(found)}")
    encrypted_data = found[0]
    if encrypted_data.get("Type", ELEMENT_TYPE) != ELEMENT_TYPE:
        raise XmlError(f"EncryptedData of type {encrypted_data.get('Type')!r}, not an element")
    _algorithm(encrypted_data, "data encryption", DATA_ENCRYPTION_METHODS)
    if encrypted_data.find(f"{q('xenc', 'CipherData')}/{q('xenc', 'CipherValue')}") is None:
        raise XmlError("the EncryptedData carries no CipherValue (CipherReference is refused)")
    keys = _encrypted_keys(holder, encrypted_data, recipient)
    if not keys:
        raise XmlError("no EncryptedKey for this service provider")
    for encrypted_key in keys:
        _check_key_transport(encrypted_key)
    errors = []
    for encrypted_key in keys:
        candidate = _vetted_copy(encrypted_data, encrypted_key)
        for key_pem in private_keys:
            manager = xmlsec.KeysManager()
            manager.add_key(xmlsec.Key.from_memory(key_pem, xmlsec.KeyFormat.PEM, None))
            try:
                result = xmlsec.EncryptionContext(manager).decrypt(copy.deepcopy(candidate))
            except xmlsec.Error as error:
                errors.append(str(error))
                continue
            if not isinstance(result, bytes):
                raise XmlError("libxmlsec replaced the element instead of returning it")
            return _in_context(result, {**holder.nsmap, **(namespaces or {})})
    raise XmlError(f"could not decrypt with our key(s) ({len(keys)} EncryptedKey tried): "
                   + "; ".join(errors))


def _vetted_copy(encrypted_data: etree._Element, encrypted_key: etree._Element) -> etree._Element:
    """A standalone EncryptedData whose KeyInfo holds only ``encrypted_key``, itself keyless.

    Without ``Type`` libxmlsec returns the plaintext instead of parsing it out of context; the
    key's own KeyInfo (a certificate naming our key) is dropped, as we try our keys in turn.
    """
    data = etree.Element(q("xenc", "EncryptedData"), nsmap={"xenc": NS["xenc"], "ds": NS["ds"]})
    for child in encrypted_data:
        if child.tag != q("ds", "KeyInfo"):
            data.append(copy.deepcopy(child))
    key = copy.deepcopy(encrypted_key)
    for element in key.findall(q("ds", "KeyInfo")):
        key.remove(element)
    key_info = etree.Element(q("ds", "KeyInfo"))
    key_info.append(key)
    data.insert(1, key_info)
    return parse(to_bytes(data))
