"""Key pairs for signing and encryption: loaded from files, generated for development."""

from __future__ import annotations

import datetime as dt
import fcntl
import os
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from .xml import KeyPair


def generate_key_pair(common_name: str, *, bits: int = 3072, days: int = 730) -> KeyPair:
    """A new RSA key with a self-signed certificate (BundID accepts self-signed SP certs)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=days))
            .sign(key, hashes.SHA256()))
    return KeyPair(
        key_pem=key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()),
        cert_pem=cert.public_bytes(serialization.Encoding.PEM))


def load_key_pair(key_path: Path, cert_path: Path) -> KeyPair:
    return KeyPair(key_pem=key_path.read_bytes(), cert_pem=cert_path.read_bytes())


def ensure_key_pair(directory: Path, name: str, common_name: str) -> KeyPair:
    """Load ``name``.key/.crt from ``directory``, generating them on first use (development).

    Several web processes may ask at once: a lock file lets one generate, and the files are
    replaced whole, so nobody reads a key without its certificate.
    """
    key_path, cert_path = directory / f"{name}.key", directory / f"{name}.crt"
    if key_path.exists() and cert_path.exists():
        return load_key_pair(key_path, cert_path)
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / f".{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (key_path.exists() and cert_path.exists()):
            pair = generate_key_pair(common_name)
            for path, data, mode in ((key_path, pair.key_pem, 0o600),
                                     (cert_path, pair.cert_pem, 0o644)):
                temporary = path.with_suffix(path.suffix + ".new")
                descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
                with os.fdopen(descriptor, "wb") as handle:
                    handle.write(data)
                os.replace(temporary, path)
    return load_key_pair(key_path, cert_path)
