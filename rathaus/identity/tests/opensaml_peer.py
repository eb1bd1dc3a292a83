"""Responses laid out the way third-party identity providers (OpenSAML, Shibboleth) build them.

Independent of the portal's own identity provider (``rathaus.identity.saml.idp``): the XML is
written here by hand and encrypted with ``cryptography`` directly, so that the service
provider is tested against messages it did not shape. What OpenSAML does and our own IdP does
not:

- prefixes ``saml2p``/``saml2``/``xs``/``xsi`` declared once on the Response, attribute values
  typed ``xsi:type="xs:string"`` (a prefix used only inside an attribute value, hence
  ``InclusiveNamespaces PrefixList="xs"`` in the assertion's signature);
- the ``xenc:EncryptedKey`` placed beside the ``xenc:EncryptedData`` in the EncryptedAssertion
  (OpenSAML's default key placement "peer"), referenced by ``ds:RetrievalMethod``;
- ``xenc11:rsa-oaep`` with an explicit digest and mask generation function.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import re
import uuid
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding as asymmetric
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from lxml import etree
from signxml.algorithms import DigestAlgorithm, SignatureMethod
from signxml.signer import SignatureReference, XMLSigner

SAML2P = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML2 = "urn:oasis:names:tc:SAML:2.0:assertion"
DS = "http://www.w3.org/2000/09/xmldsig#"
XENC = "http://www.w3.org/2001/04/xmlenc#"
XENC11 = "http://www.w3.org/2009/xmlenc11#"
XS = "http://www.w3.org/2001/XMLSchema"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
AKDB = "https://www.akdb.de/request/2018/09"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
ON_RESPONSE = {"saml2p": SAML2P, "saml2": SAML2, "xs": XS, "xsi": XSI}

AES128_GCM = f"{XENC11}aes128-gcm"
AES256_GCM = f"{XENC11}aes256-gcm"
AES256_CBC = f"{XENC}aes256-cbc"
TRIPLEDES_CBC = f"{XENC}tripledes-cbc"
RSA_OAEP_MGF1P = f"{XENC}rsa-oaep-mgf1p"
RSA_OAEP = f"{XENC11}rsa-oaep"
RSA_1_5 = f"{XENC}rsa-1_5"
SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
MGF1_SHA256 = f"{XENC11}mgf1sha256"


@dataclass(frozen=True)
class Encryption:
    """How the assertion is encrypted and where its key is placed."""

    data: str = AES128_GCM
    key: str = RSA_OAEP_MGF1P
    # "peer": beside the data, referenced by ds:RetrievalMethod (OpenSAML's default);
    # "peer_unreferenced": beside the data, found by its xenc:DataReference only;
    # "inline": inside the data's ds:KeyInfo.
    placement: str = "peer"
    recipient: str | None = None
    # Another service provider's key, put first: it must be passed over.
    foreign_key_first: bytes | None = None
    # The plaintext relies on prefixes declared on the Response (no declarations of its own).
    inherit_namespaces: bool = False
    oaep_digest: str | None = None
    oaep_mgf: str | None = None


def _id() -> str:
    return "_" + uuid.uuid4().hex


def _instant(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _e(parent: etree._Element | None, namespace: str, tag: str, text: str | None = None,
       **attributes: str) -> etree._Element:
    name = f"{{{namespace}}}{tag}"
    element = (etree.Element(name) if parent is None
               else etree.SubElement(parent, name))
    for key, value in attributes.items():
        element.set(key, value)
    if text is not None:
        element.text = text
    return element


def _sign(element: etree._Element, *, key_pem: bytes, cert_pem: bytes,
          method: SignatureMethod, inclusive: list[str] | None = None) -> etree._Element:
    """Sign enveloped, with the signature right after the Issuer, as OpenSAML places it."""
    issuer = element.find(f"{{{SAML2}}}Issuer")
    assert issuer is not None
    issuer.addnext(etree.Element(f"{{{DS}}}Signature", {"Id": "placeholder"}, nsmap={"ds": DS}))
    signer = XMLSigner(signature_algorithm=method, digest_algorithm=DigestAlgorithm.SHA256,
                       c14n_algorithm=EXC_C14N)
    signer.namespaces = {"ds": DS}
    # The prefix list goes on the reference's exclusive c14n transform only, as Shibboleth
    # writes it; SignedInfo's own canonicalization names none.
    reference = SignatureReference(URI=f"#{element.get('ID')}", inclusive_ns_prefixes=inclusive)
    signed: etree._Element = signer.sign(
        element, key=key_pem, cert=cert_pem.decode(), reference_uri=[reference],
        id_attribute="ID")
    return signed


def _pad_cbc(plaintext: bytes, block: int) -> bytes:
    """XML Encryption's padding: random bytes, the last one says how many were added."""
    count = block - len(plaintext) % block
    return plaintext + os.urandom(count - 1) + bytes([count])


def _encrypt_data(algorithm: str, plaintext: bytes) -> tuple[bytes, bytes]:
    """Return (content key, CipherValue bytes) for the assertion."""
    if algorithm in (AES128_GCM, AES256_GCM):
        key = os.urandom(16 if algorithm == AES128_GCM else 32)
        iv = os.urandom(12)
        return key, iv + AESGCM(key).encrypt(iv, plaintext, None)
    if algorithm == AES256_CBC:
        key, iv = os.urandom(32), os.urandom(16)
        encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
        return key, iv + encryptor.update(_pad_cbc(plaintext, 16)) + encryptor.finalize()
    if algorithm == TRIPLEDES_CBC:
        from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES

        key, iv = os.urandom(24), os.urandom(8)
        encryptor = Cipher(TripleDES(key), modes.CBC(iv)).encryptor()
        return key, iv + encryptor.update(_pad_cbc(plaintext, 8)) + encryptor.finalize()
    raise ValueError(algorithm)


def _wrap_key(encryption: Encryption, content_key: bytes, public_key: RSAPublicKey) -> bytes:
    if encryption.key == RSA_1_5:
        return public_key.encrypt(content_key, asymmetric.PKCS1v15())
    digest: hashes.HashAlgorithm = (hashes.SHA256() if encryption.oaep_digest == SHA256
                                    else hashes.SHA1())  # noqa: S303 - OAEP's default
    mgf_hash: hashes.HashAlgorithm = (hashes.SHA256() if encryption.oaep_mgf == MGF1_SHA256
                                      else hashes.SHA1())  # noqa: S303
    return public_key.encrypt(content_key, asymmetric.OAEP(
        mgf=asymmetric.MGF1(mgf_hash), algorithm=digest, label=None))


def _encrypted_key(parent: etree._Element, encryption: Encryption, content_key: bytes,
                   cert_pem: bytes, *, data_id: str, recipient: str | None) -> etree._Element:
    certificate = x509.load_pem_x509_certificate(cert_pem)
    public_key = certificate.public_key()
    assert isinstance(public_key, RSAPublicKey)
    key = _e(parent, XENC, "EncryptedKey", Id=_id())
    if recipient:
        key.set("Recipient", recipient)
    method = _e(key, XENC, "EncryptionMethod", Algorithm=encryption.key)
    if encryption.key != RSA_1_5:
        _e(method, DS, "DigestMethod", Algorithm=encryption.oaep_digest or SHA1)
        if encryption.key == RSA_OAEP:
            _e(method, XENC11, "MGF", Algorithm=encryption.oaep_mgf or f"{XENC11}mgf1sha1")
    info = _e(key, DS, "KeyInfo")
    der = certificate.public_bytes(serialization.Encoding.DER)
    _e(_e(info, DS, "X509Data"), DS, "X509Certificate", base64.b64encode(der).decode())
    _e(_e(key, XENC, "CipherData"), XENC, "CipherValue",
       base64.b64encode(_wrap_key(encryption, content_key, public_key)).decode())
    _e(_e(key, XENC, "ReferenceList"), XENC, "DataReference", URI=f"#{data_id}")
    return key


def _plaintext(assertion: etree._Element, *, inherit: bool) -> bytes:
    text = etree.tostring(assertion, encoding="utf-8")
    if not inherit:
        return text
    # Drop the declarations the Response already makes from the assertion's start tag: the
    # decrypted element must then take them from its context (XML Encryption, section 4.5).
    end = text.index(b">")
    head = re.sub(rb'\s+xmlns:(saml2|xs|xsi)="[^"]*"', b"", text[:end])
    return head + text[end:]


def response(*, started: Any, sp_entity_id: str, encrypt_for: bytes, idp_entity_id: str,
             signing_key: bytes, signing_cert: bytes, attributes: dict[str, str], bpk2: str,
             level: str = "STORK-QAA-Level-4", encryption: Encryption | None = None,
             method: SignatureMethod = SignatureMethod.RSA_SHA256,
             assertion_method: SignatureMethod = SignatureMethod.RSA_SHA256) -> bytes:
    """Return a signed Response with an encrypted, signed assertion for ``started``."""
    from rathaus.identity.attributes import BPK2_OID, BY_KEY

    encryption = encryption or Encryption()
    now = dt.datetime.now(dt.UTC)
    until = _instant(now + dt.timedelta(minutes=5))
    root = etree.Element(f"{{{SAML2P}}}Response", nsmap=ON_RESPONSE)
    root.set("Destination", started.parsed.acs_url)
    root.set("ID", _id())
    root.set("InResponseTo", started.parsed.request_id)
    root.set("IssueInstant", _instant(now))
    root.set("Version", "2.0")
    _e(root, SAML2, "Issuer", idp_entity_id)
    status = _e(root, SAML2P, "Status")
    _e(status, SAML2P, "StatusCode", Value="urn:oasis:names:tc:SAML:2.0:status:Success")

    # The assertion is built inside the Response, so it declares nothing itself.
    assertion = _e(root, SAML2, "Assertion", ID=_id(), IssueInstant=_instant(now), Version="2.0")
    _e(assertion, SAML2, "Issuer", idp_entity_id)
    subject = _e(assertion, SAML2, "Subject")
    _e(subject, SAML2, "NameID", _id(),
       Format="urn:oasis:names:tc:SAML:2.0:nameid-format:transient")
    confirmation = _e(subject, SAML2, "SubjectConfirmation",
                      Method="urn:oasis:names:tc:SAML:2.0:cm:bearer")
    _e(confirmation, SAML2, "SubjectConfirmationData", InResponseTo=started.parsed.request_id,
       NotOnOrAfter=until, Recipient=started.parsed.acs_url)
    conditions = _e(assertion, SAML2, "Conditions",
                    NotBefore=_instant(now - dt.timedelta(seconds=5)), NotOnOrAfter=until)
    _e(_e(conditions, SAML2, "AudienceRestriction"), SAML2, "Audience", sp_entity_id)
    statement = _e(assertion, SAML2, "AuthnStatement", AuthnInstant=_instant(now),
                   SessionIndex=_id())
    _e(_e(statement, SAML2, "AuthnContext"), SAML2, "AuthnContextClassRef", level)
    values = _e(assertion, SAML2, "AttributeStatement")
    for oid, value in [(BPK2_OID, bpk2)] + [(BY_KEY[key].oid, value)
                                            for key, value in attributes.items()]:
        attribute = _e(values, SAML2, "Attribute", Name=oid,
                       NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri")
        attribute.set(f"{{{AKDB}}}TrustLevel", level)
        _e(attribute, SAML2, "AttributeValue", value).set(f"{{{XSI}}}type", "xs:string")
    root.remove(assertion)
    # Signed while it still has the Response's namespaces in scope. (OpenSAML adds
    # InclusiveNamespaces PrefixList="xs" here; signxml's signer digests such a reference
    # without the prefix list, so this peer leaves it out.)
    holder_context = etree.Element(f"{{{SAML2P}}}Response", nsmap=ON_RESPONSE)
    holder_context.append(assertion)
    signed = _sign(assertion, key_pem=signing_key, cert_pem=signing_cert,
                   method=assertion_method)
    plaintext = _plaintext(signed, inherit=encryption.inherit_namespaces)

    content_key, cipher = _encrypt_data(encryption.data, plaintext)
    holder = _e(root, SAML2, "EncryptedAssertion")
    data_id = _id()
    data = _e(holder, XENC, "EncryptedData", Id=data_id,
              Type="http://www.w3.org/2001/04/xmlenc#Element")
    _e(data, XENC, "EncryptionMethod", Algorithm=encryption.data)
    info = _e(data, DS, "KeyInfo")
    cipher_data = _e(data, XENC, "CipherData")
    _e(cipher_data, XENC, "CipherValue", base64.b64encode(cipher).decode())
    key_parent = info if encryption.placement == "inline" else holder
    if encryption.foreign_key_first is not None:
        _encrypted_key(key_parent, encryption, os.urandom(len(content_key)),
                       encryption.foreign_key_first, data_id=data_id,
                       recipient="https://other-sp.example/metadata")
    key = _encrypted_key(key_parent, encryption, content_key, encrypt_for, data_id=data_id,
                         recipient=encryption.recipient)
    if encryption.placement == "peer":
        _e(info, DS, "RetrievalMethod", Type=f"{XENC}EncryptedKey", URI=f"#{key.get('Id')}")
    if len(info) == 0:
        data.remove(info)

    signed_response = _sign(root, key_pem=signing_key, cert_pem=signing_cert, method=method)
    # signxml hands back a tree without the declarations nothing visible uses; OpenSAML keeps
    # them on the Response. Exclusive c14n ignores unused declarations, so the signature holds.
    attributes = {str(key): str(value) for key, value in signed_response.attrib.items()}
    declared = etree.Element(signed_response.tag, attributes, nsmap=ON_RESPONSE)
    for child in signed_response:
        declared.append(child)
    return etree.tostring(declared, encoding="utf-8")
