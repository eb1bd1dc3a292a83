"""Answers laid out the way a third-party identity provider on OpenSAML writes them.

Independent of the portal's own test identity provider (``saml/idp.py``): the XML is written as
text with OpenSAML's prefixes (``saml2p``, ``saml2``, ``ds``, ``xenc``, ``xenc11``, ``xs``,
``xsi``), signed with python-xmlsec and encrypted with ``cryptography``. By default the
``xenc:EncryptedKey`` is a sibling of ``xenc:EncryptedData`` inside ``saml2:EncryptedAssertion``,
named from ``EncryptedData``'s ``ds:KeyInfo`` by ``ds:RetrievalMethod`` (OpenSAML's default
"peer" key placement), and it carries ``Recipient`` and the certificate it was encrypted for.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

import xmlsec as _xmlsec
from cryptography import x509
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import padding as asymmetric_padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from lxml import etree

xmlsec: Any = _xmlsec

SAML2P = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML2 = "urn:oasis:names:tc:SAML:2.0:assertion"
DS = "http://www.w3.org/2000/09/xmldsig#"
XENC = "http://www.w3.org/2001/04/xmlenc#"
XENC11 = "http://www.w3.org/2009/xmlenc11#"
XS = "http://www.w3.org/2001/XMLSchema"
XSI = "http://www.w3.org/2001/XMLSchema-instance"

AES256_GCM = f"{XENC11}aes256-gcm"
AES128_GCM = f"{XENC11}aes128-gcm"
AES256_CBC = f"{XENC}aes256-cbc"
TRIPLEDES_CBC = f"{XENC}tripledes-cbc"
RSA_OAEP_MGF1P = f"{XENC}rsa-oaep-mgf1p"
RSA_OAEP = f"{XENC11}rsa-oaep"
RSA_1_5 = f"{XENC}rsa-1_5"
SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"
SHA256 = f"{XENC}sha256"
MGF1_SHA256 = f"{XENC11}mgf1sha256"
STORK_HIGH = "STORK-QAA-Level-4"

# SHA-1 here is OAEP's hash, as OpenSAML writes rsa-oaep-mgf1p (no collision resistance needed).
_HASHES: dict[str, hashes.HashAlgorithm] = {SHA1: hashes.SHA1(),  # noqa: S303
                                            SHA256: hashes.SHA256()}
_MGF_HASHES: dict[str, hashes.HashAlgorithm] = {f"{XENC11}mgf1sha1": hashes.SHA1(),  # noqa: S303
                                                 MGF1_SHA256: hashes.SHA256()}


@dataclass
class Recipient:
    """Whom the assertion's key is encrypted for."""

    cert_pem: bytes
    entity_id: str


@dataclass
class Layout:
    """How the answer is written; the defaults are OpenSAML's."""

    key_placement: str = "sibling"  # or "inline" (EncryptedKey inside EncryptedData's KeyInfo)
    retrieval_method: bool = True
    data_algorithm: str = AES256_GCM
    key_algorithm: str = RSA_OAEP_MGF1P
    oaep_digest: str | None = SHA1
    oaep_mgf: str | None = None
    inherited_namespaces: bool = False  # every prefix declared on the Response only
    signature_method: Any = None  # an xmlsec.Transform; RSA-SHA256 when None
    other_recipients: list[Recipient] = field(default_factory=list)


def _id() -> str:
    return "_" + secrets.token_hex(16)


def _instant(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _cert_base64(cert_pem: bytes) -> str:
    cert = x509.load_pem_x509_certificate(cert_pem)
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


def _declare(*pairs: tuple[str, str]) -> str:
    return "".join(f' xmlns:{prefix}="{uri}"' for prefix, uri in pairs)


class ThirdPartyIdentityProvider:
    def __init__(self, *, entity_id: str, key_pem: bytes, cert_pem: bytes) -> None:
        self.entity_id = entity_id
        self.key_pem = key_pem
        self.cert_pem = cert_pem

    def response(self, *, in_response_to: str, acs_url: str, audience: str,
                 recipient: Recipient, bpk2: str, family_name: str,
                 layout: Layout | None = None) -> bytes:
        layout = layout or Layout()
        now = dt.datetime.now(dt.UTC)
        until = _instant(now + dt.timedelta(minutes=5))
        inherit = layout.inherited_namespaces
        on_response = _declare(("saml2p", SAML2P), ("saml2", SAML2))
        if inherit:
            on_response += _declare(("ds", DS), ("xenc", XENC), ("xenc11", XENC11), ("xs", XS),
                                    ("xsi", XSI))
        on_assertion = "" if inherit else _declare(("saml2", SAML2), ("xs", XS), ("xsi", XSI))
        assertion_id = _id()
        assertion = (
            f'<saml2:Assertion{on_assertion} ID="{assertion_id}" IssueInstant="{_instant(now)}" '
            f'Version="2.0"><saml2:Issuer>{self.entity_id}</saml2:Issuer>'
            '<saml2:Subject><saml2:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:'
            f'transient">{_id()}</saml2:NameID><saml2:SubjectConfirmation Method="urn:oasis:'
            f'names:tc:SAML:2.0:cm:bearer"><saml2:SubjectConfirmationData InResponseTo='
            f'"{in_response_to}" NotOnOrAfter="{until}" Recipient="{acs_url}"/>'
            f'</saml2:SubjectConfirmation></saml2:Subject><saml2:Conditions NotBefore='
            f'"{_instant(now - dt.timedelta(seconds=5))}" NotOnOrAfter="{until}">'
            f'<saml2:AudienceRestriction><saml2:Audience>{audience}</saml2:Audience>'
            f'</saml2:AudienceRestriction></saml2:Conditions><saml2:AuthnStatement AuthnInstant='
            f'"{_instant(now)}" SessionIndex="{_id()}"><saml2:AuthnContext>'
            f'<saml2:AuthnContextClassRef>{STORK_HIGH}</saml2:AuthnContextClassRef>'
            '</saml2:AuthnContext></saml2:AuthnStatement><saml2:AttributeStatement>'
            + self._attribute("urn:oid:1.3.6.1.4.1.25484.494450.3", bpk2)
            + self._attribute("urn:oid:2.5.4.4", family_name)
            + "</saml2:AttributeStatement></saml2:Assertion>")
        # OpenSAML signs the assertion where it stands, then encrypts its serialization.
        response_id = _id()
        head = (f'<saml2p:Response{on_response} Destination="{acs_url}" ID="{response_id}" '
                f'InResponseTo="{in_response_to}" IssueInstant="{_instant(now)}" Version="2.0">'
                f'<saml2:Issuer>{self.entity_id}</saml2:Issuer><saml2p:Status>'
                '<saml2p:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/>'
                "</saml2p:Status>")
        document = etree.fromstring((head + assertion + "</saml2p:Response>").encode())
        self._sign(document[2], layout)
        text = etree.tostring(document).decode()
        match = re.search(r"<saml2:Assertion.*</saml2:Assertion>", text, re.S)
        assert match is not None
        plaintext = match.group(0).encode()
        if inherit:
            assert b"xmlns" not in plaintext.split(b">", 1)[0]
        encrypted = self._encrypted_assertion(plaintext, recipient, layout)
        response = etree.fromstring((head + encrypted + "</saml2p:Response>").encode())
        self._sign(response, layout)
        return etree.tostring(response)

    @staticmethod
    def _attribute(name: str, value: str) -> str:
        return (f'<saml2:Attribute Name="{name}" NameFormat="urn:oasis:names:tc:SAML:2.0:'
                'attrname-format:uri"><saml2:AttributeValue xsi:type="xs:string">'
                f"{value}</saml2:AttributeValue></saml2:Attribute>")

    def _sign(self, element: etree._Element, layout: Layout) -> None:
        """Enveloped signature after the Issuer, exclusive c14n, ``xs`` as inclusive prefix."""
        method = layout.signature_method or xmlsec.Transform.RSA_SHA256
        signature = xmlsec.template.create(element, xmlsec.Transform.EXCL_C14N, method, ns="ds")
        element.insert(1, signature)
        reference = xmlsec.template.add_reference(signature, xmlsec.Transform.SHA256,
                                                  uri="#" + element.get("ID", ""))
        xmlsec.template.add_transform(reference, xmlsec.Transform.ENVELOPED)
        c14n = xmlsec.template.add_transform(reference, xmlsec.Transform.EXCL_C14N)
        xmlsec.template.transform_add_c14n_inclusive_namespaces(c14n, ["xs"])
        key_info = xmlsec.template.ensure_key_info(signature)
        xmlsec.template.add_x509_data(key_info)
        xmlsec.tree.add_ids(element, ["ID"])
        context = xmlsec.SignatureContext()
        key = xmlsec.Key.from_memory(self.key_pem, xmlsec.KeyFormat.PEM, None)
        key.load_cert_from_memory(self.cert_pem, xmlsec.KeyFormat.CERT_PEM)
        context.key = key
        context.sign(signature)

    def _encrypted_assertion(self, plaintext: bytes, recipient: Recipient,
                             layout: Layout) -> str:
        inherit = layout.inherited_namespaces
        xenc = "" if inherit else _declare(("xenc", XENC))
        ds = "" if inherit else _declare(("ds", DS))
        session_key, cipher_value = _encrypt_data(plaintext, layout.data_algorithm)
        data_id = _id()
        keys = []
        for target in [*layout.other_recipients, recipient]:
            keys.append((_id(), self._encrypted_key(session_key, target, layout, data_id)))
        if layout.key_placement == "inline":
            key_info = f"<ds:KeyInfo{ds}>" + "".join(
                key.format(id=key_id, xenc="") for key_id, key in keys) + "</ds:KeyInfo>"
            siblings = ""
        else:
            methods = "".join(
                f'<ds:RetrievalMethod Type="{XENC}EncryptedKey" URI="#{key_id}"/>'
                for key_id, _key in keys) if layout.retrieval_method else ""
            key_info = f"<ds:KeyInfo{ds}>{methods}</ds:KeyInfo>"
            siblings = "".join(key.format(id=key_id, xenc=xenc) for key_id, key in keys)
        return (f'<saml2:EncryptedAssertion><xenc:EncryptedData{xenc} Id="{data_id}" '
                f'Type="{XENC}Element"><xenc:EncryptionMethod Algorithm='
                f'"{layout.data_algorithm}"/>{key_info}<xenc:CipherData><xenc:CipherValue>'
                f"{cipher_value}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData>"
                f"{siblings}</saml2:EncryptedAssertion>")

    def _encrypted_key(self, session_key: bytes, target: Recipient, layout: Layout,
                       data_id: str) -> str:
        ds = "" if layout.inherited_namespaces else _declare(("ds", DS))
        xenc11 = "" if layout.inherited_namespaces else _declare(("xenc11", XENC11))
        public_key = x509.load_pem_x509_certificate(target.cert_pem).public_key()
        assert isinstance(public_key, RSAPublicKey)
        parameters = ""
        if layout.key_algorithm == RSA_1_5:
            wrapped = public_key.encrypt(session_key, asymmetric_padding.PKCS1v15())
        else:
            digest = layout.oaep_digest or SHA1
            mgf = layout.oaep_mgf or f"{XENC11}mgf1sha1"
            if layout.key_algorithm == RSA_OAEP_MGF1P:
                mgf = f"{XENC11}mgf1sha1"
            wrapped = public_key.encrypt(session_key, asymmetric_padding.OAEP(
                mgf=asymmetric_padding.MGF1(_MGF_HASHES[mgf]), algorithm=_HASHES[digest],
                label=None))
            if layout.oaep_digest:
                parameters += f'<ds:DigestMethod{ds} Algorithm="{layout.oaep_digest}"/>'
            if layout.oaep_mgf:
                parameters += f'<xenc11:MGF{xenc11} Algorithm="{layout.oaep_mgf}"/>'
        return (
            '<xenc:EncryptedKey{xenc} Id="{id}" '
            f'Recipient="{target.entity_id}"><xenc:EncryptionMethod Algorithm='
            f'"{layout.key_algorithm}">{parameters}</xenc:EncryptionMethod><ds:KeyInfo{ds}>'
            f"<ds:X509Data><ds:X509Certificate>{_cert_base64(target.cert_pem)}"
            "</ds:X509Certificate></ds:X509Data></ds:KeyInfo><xenc:CipherData><xenc:CipherValue>"
            f"{base64.b64encode(wrapped).decode()}</xenc:CipherValue></xenc:CipherData>"
            f'<xenc:ReferenceList><xenc:DataReference URI="#{data_id}"/></xenc:ReferenceList>'
            "</xenc:EncryptedKey>")


def _encrypt_data(plaintext: bytes, algorithm: str) -> tuple[bytes, str]:
    """Return the session key and the CipherValue (IV first, as XML Encryption wants)."""
    if algorithm in (AES256_GCM, AES128_GCM):
        key = AESGCM.generate_key(bit_length=256 if algorithm == AES256_GCM else 128)
        iv = os.urandom(12)
        return key, base64.b64encode(iv + AESGCM(key).encrypt(iv, plaintext, None)).decode()
    if algorithm == AES256_CBC:
        key, iv, block = os.urandom(32), os.urandom(16), 128
        cipher = Cipher(algorithms.AES(key), modes.CBC(iv))
    elif algorithm == TRIPLEDES_CBC:
        key, iv, block = os.urandom(24), os.urandom(8), 64
        cipher = Cipher(TripleDES(key), modes.CBC(iv))
    else:
        raise ValueError(algorithm)
    padder = padding.PKCS7(block).padder()
    padded = padder.update(plaintext) + padder.finalize()
    encryptor = cipher.encryptor()
    return key, base64.b64encode(iv + encryptor.update(padded) + encryptor.finalize()).decode()
