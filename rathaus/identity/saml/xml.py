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
from signxml.exceptions import InvalidDigest, InvalidInput, InvalidSignature
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

_XENC = NS["xenc"]
_XENC11 = NS["xenc11"]
# Accepted on what is encrypted for us, checked before anything is decrypted: the assertion
# with AES-GCM (what our metadata names; CBC modes are open to padding-oracle attacks), its key
# transported with RSA-OAEP (RSA PKCS#1 v1.5 is open to Bleichenbacher's attack). SHA-1 inside
# OAEP's mask generation is no signature and stays acceptable: it is the default of
# rsa-oaep-mgf1p, which most identity providers send.
DATA_ENCRYPTION_METHODS = frozenset({
    f"{_XENC11}aes128-gcm", f"{_XENC11}aes192-gcm", f"{_XENC11}aes256-gcm"})
KEY_TRANSPORT_METHODS = frozenset({f"{_XENC}rsa-oaep-mgf1p", f"{_XENC11}rsa-oaep"})
OAEP_DIGEST_METHODS = frozenset({
    "http://www.w3.org/2000/09/xmldsig#sha1", "http://www.w3.org/2001/04/xmlenc#sha256",
    "http://www.w3.org/2001/04/xmldsig-more#sha384", "http://www.w3.org/2001/04/xmlenc#sha512"})
OAEP_MGF_METHODS = frozenset({
    f"{_XENC11}mgf1sha1", f"{_XENC11}mgf1sha256", f"{_XENC11}mgf1sha384", f"{_XENC11}mgf1sha512"})
ENCRYPTED_KEY_TYPE = f"{_XENC}EncryptedKey"

# python-xmlsec's bundled stubs lack several names it has at run time.
xmlsec: Any = _xmlsec

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                          dtd_validation=False, remove_comments=True, huge_tree=False)


class XmlError(Exception):
    """The document is not XML we accept (syntax, DTD, entity tricks)."""


class SignatureError(Exception):
    """No valid signature by the expected key over the expected element."""


class AlgorithmError(XmlError):
    """Encrypted with an algorithm we do not accept."""


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
            failures.append(_why(error, cert))
            continue
        except etree.LxmlError as error:
            raise SignatureError(f"the signed element is not XML we accept: {error}") from error
        signed = result.signed_xml  # type: ignore[union-attr]
        if signed is None or signed.tag != element.tag or signed.get("ID") != element_id:
            raise SignatureError("the signed element is not the element checked")
        return signed
    raise SignatureError("; ".join(failures) or "no certificate to check against")


def fingerprint(cert_pem: bytes) -> str:
    """Return the start of a certificate's SHA-256 fingerprint, to name it in a log line."""
    from cryptography.hazmat.primitives import hashes

    digest = x509.load_pem_x509_certificate(cert_pem).fingerprint(hashes.SHA256())
    return "SHA256:" + digest.hex(":", 1)[:23].upper()


def _why(error: Exception, cert_pem: bytes) -> str:
    """Say in words why a signature did not verify against one certificate."""
    name = fingerprint(cert_pem)
    if isinstance(error, InvalidDigest):
        return f"{error}: the signed content was changed after signing"
    if isinstance(error, InvalidInput):
        return f"not accepted ({error})"
    reason = str(error)
    if reason.startswith("Signature verification failed:") and not reason.split(":", 1)[1].strip():
        return (f"the signature value does not verify with the certificate {name}: signed by "
                "another key, or the signed information was changed after signing")
    return f"{reason} (certificate {name})"


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


def check_encryption_algorithms(holder: etree._Element) -> None:
    """Refuse ``holder`` unless every algorithm it names for encryption is on our allow-list."""
    if holder.find(f".//{{{_XENC}}}AgreementMethod") is not None:
        raise AlgorithmError("key agreement (xenc:AgreementMethod) is not accepted")
    for data_or_key in holder.iter(f"{{{_XENC}}}EncryptedData", f"{{{_XENC}}}EncryptedKey"):
        kind = etree.QName(data_or_key).localname
        method = data_or_key.find(f"{{{_XENC}}}EncryptionMethod")
        algorithm = "" if method is None else method.get("Algorithm", "")
        allowed = DATA_ENCRYPTION_METHODS if kind == "EncryptedData" else KEY_TRANSPORT_METHODS
        if algorithm not in allowed:
            raise AlgorithmError(f"{kind} algorithm {algorithm or '(none named)'!r}; accepted: "
                                 + ", ".join(sorted(allowed)))
        if method is None:
            continue
        for digest in method.iterfind(q("ds", "DigestMethod")):
            if digest.get("Algorithm", "") not in OAEP_DIGEST_METHODS:
                raise AlgorithmError(f"OAEP digest {digest.get('Algorithm')!r}")
        for mgf in method.iterfind(f"{{{_XENC11}}}MGF"):
            if (algorithm != f"{_XENC11}rsa-oaep"
                    or mgf.get("Algorithm", "") not in OAEP_MGF_METHODS):
                raise AlgorithmError(f"OAEP mask generation {mgf.get('Algorithm')!r}")


def _key_candidates(holder: etree._Element, data: etree._Element,
                    recipient: str) -> list[etree._Element]:
    """Return the EncryptedKeys that may open ``data``, ours first.

    Both layouts the SAML schema allows: the key inside the data's ``ds:KeyInfo``, or beside
    the data in the EncryptedAssertion (OpenSAML's default), referenced by a
    ``ds:RetrievalMethod`` or by the key's ``xenc:DataReference``, or not referenced at all.
    Keys addressed to another ``Recipient`` are left out.
    """
    key_info = data.find(q("ds", "KeyInfo"))
    found: list[etree._Element] = []
    if key_info is not None:
        found.extend(key_info.iterfind(f"{{{_XENC}}}EncryptedKey"))
        for retrieval in key_info.iterfind(q("ds", "RetrievalMethod")):
            uri = retrieval.get("URI", "")
            kind = retrieval.get("Type", ENCRYPTED_KEY_TYPE)
            if kind != ENCRYPTED_KEY_TYPE or not uri.startswith("#"):
                continue
            found.extend(key for key in holder.iterfind(f"{{{_XENC}}}EncryptedKey")
                         if key.get("Id") == uri[1:])
    if not found:
        data_id = data.get("Id", "")
        for key in holder.iterfind(f"{{{_XENC}}}EncryptedKey"):
            references = [item.get("URI", "") for item in key.iterfind(
                f"{{{_XENC}}}ReferenceList/{{{_XENC}}}DataReference")]
            if not references or (data_id and f"#{data_id}" in references):
                found.append(key)
    return [key for key in found if key.get("Recipient") in (None, "", recipient)]


def _with_every_namespace_in_scope(element: etree._Element,
                                   declared: dict[str | None, str]) -> etree._Element:
    """Return a copy of ``element`` that declares every namespace in scope where it stands.

    Serialising an element alone declares only the prefixes its names use; an encrypted
    assertion may use others declared on the Response (``xsi``, ``xs``). ``declared`` adds the
    Response's declarations as received for prefixes the element does not have in scope.
    """
    import copy as copying

    nsmap: dict[Any, str] = {**declared, **element.nsmap}
    attributes: dict[str, str] = {str(key): str(value) for key, value in element.attrib.items()}
    twin = etree.Element(element.tag, attributes, nsmap=nsmap)
    twin.text = element.text
    for child in element:
        twin.append(copying.deepcopy(child))
    return twin


def decrypt_assertion(holder: etree._Element, private_keys: list[bytes], *,
                      recipient: str,
                      declared: dict[str | None, str] | None = None) -> etree._Element:
    """Decrypt the ``xenc:EncryptedData`` of a ``saml:EncryptedAssertion`` with one of our keys.

    Everything happens in a copy of the whole EncryptedAssertion, which carries every
    namespace declared above it: a key placed beside the data is found, and a decrypted
    assertion that uses prefixes declared on the Response reads as it was written.
    ``declared`` are the Response's own declarations as received: the signed copy that
    signature checking returns keeps only those exclusive canonicalisation saw in use.
    """
    copy = parse(to_bytes(_with_every_namespace_in_scope(holder, declared or {})))
    check_encryption_algorithms(copy)
    data_elements = copy.findall(f"{{{_XENC}}}EncryptedData")
    if len(data_elements) != 1:
        raise XmlError(f"expected one EncryptedData, found {len(data_elements)}")
    candidates = _key_candidates(copy, data_elements[0], recipient)
    if not candidates:
        raise XmlError("no EncryptedKey for this service provider: none in the KeyInfo, none "
                       "beside the data, or all for another Recipient")
    errors = []
    for index in range(len(candidates)):
        for key_pem in private_keys:
            # A fresh copy each time, with only this key where python-xmlsec looks for it.
            attempt = parse(to_bytes(copy))
            data = attempt.find(f"{{{_XENC}}}EncryptedData")
            assert data is not None
            key = _key_candidates(attempt, data, recipient)[index]
            key_info = data.find(q("ds", "KeyInfo"))
            if key_info is None:
                key_info = etree.Element(q("ds", "KeyInfo"))
                data.find(f"{{{_XENC}}}EncryptionMethod").addnext(key_info)  # type: ignore[union-attr]
            for child in list(key_info):
                key_info.remove(child)
            key_info.append(key)
            manager = xmlsec.KeysManager()
            manager.add_key(xmlsec.Key.from_memory(key_pem, xmlsec.KeyFormat.PEM, None))
            try:
                result = xmlsec.EncryptionContext(manager).decrypt(data)
            except xmlsec.Error as error:
                errors.append(str(error))
                continue
            if isinstance(result, bytes):
                raise XmlError("the encrypted data is not an element")
            # python-xmlsec parses the plaintext in the context of the EncryptedAssertion, but
            # its nodes may refer to declarations no serialisation of the assertion alone
            # repeats (a prefix only an attribute deep inside uses). Writing out the whole
            # EncryptedAssertion, which declares them all, and reading it again gives a tree
            # whose assertion serialises with every namespace it needs.
            position = list(attempt).index(result) if result.getparent() is attempt else -1
            if position < 0:
                raise XmlError("the decrypted content is not an element of the assertion")
            decrypted: etree._Element = parse(to_bytes(attempt))[position]
            return decrypted
    raise XmlError("could not decrypt with our key(s): " + "; ".join(errors))
