"""Sealing data at rest under a key ring of its own: Fernet tokens (decision 0021).

This module knows keys and tokens, nothing about applications. What is sealed, and who may open
it, is decided in ``rathaus.applications.sealed``, the only caller of the ``open_*`` functions.

The keys are ``RATHAUS_SENSITIVE_KEYS`` (Fernet keys, comma-separated, newest first); without
them, a key file under the data directory, generated on first use (the embedded default). The
newest key seals, every key opens: rotation adds a key in front, re-seals, then old keys go.
"""

from __future__ import annotations

import base64
import fcntl
import functools
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

# A sealed answer is {SEALED: token}; "$" cannot begin a field id, so no answer looks like it.
SEALED = "$sealed"
# A sealed file starts with this line, then the token; no PDF or image starts like that.
FILE_MAGIC = b"RATHAUS-SEALED-1\n"


class KeyUnavailable(Exception):
    """A sealed value cannot be opened with any configured key (removed too early?)."""


def _valid(key: str) -> bytes:
    raw = key.strip().encode()
    Fernet(raw)  # raises ValueError for anything that is not a Fernet key
    return raw


def _read_key_file(path: Path) -> list[bytes]:
    lines = path.read_text().splitlines()
    return [_valid(line) for line in lines if line.strip() and not line.startswith("#")]


def _write_key_file(path: Path, keys: list[bytes]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(path.suffix + ".new")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write("# Keys sealing sensitive answers and files, newest first "
                     "(docs/data-protection.md).\n")
        handle.write("".join(key.decode() + "\n" for key in keys))
    os.replace(temporary, path)


def key_file() -> Path:
    return Path(settings.RATHAUS_SENSITIVE_KEY_FILE)


def configured_in_settings() -> bool:
    """Return whether the keys come from the setting (not the generated key file)."""
    return bool(settings.RATHAUS_SENSITIVE_KEYS)


@functools.cache
def keys() -> tuple[bytes, ...]:
    """Return the key ring, newest first; generate the key file on first use if there is none."""
    if configured_in_settings():
        return tuple(_valid(key) for key in settings.RATHAUS_SENSITIVE_KEYS)
    path = key_file()
    if path.exists():
        found = _read_key_file(path)
        if found:
            return tuple(found)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Several processes may start at once: one generates, the others read what it wrote.
    with open(path.parent / f".{path.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        found = _read_key_file(path) if path.exists() else []
        if not found:
            found = [Fernet.generate_key()]
            _write_key_file(path, found)
    return tuple(found)


def add_key_to_file() -> bytes:
    """Generate a new newest key in the key file (rotation without the setting)."""
    path = key_file()
    current = list(keys())
    new = Fernet.generate_key()
    with open(path.parent / f".{path.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _write_key_file(path, [new, *current])
    keys.cache_clear()
    return new


def remove_old_keys_from_file() -> int:
    """Keep only the newest key in the key file; return how many were removed."""
    path = key_file()
    current = list(keys())
    _write_key_file(path, current[:1])
    keys.cache_clear()
    return len(current) - 1


def key_id(key: bytes) -> str:
    """Return a short name for a key that reveals nothing of it (for reports and logs)."""
    return hashlib.sha256(b"rathaus.sealing.key-id" + key).hexdigest()[:12]


def _ring() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys()])


def is_sealed(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and isinstance(value.get(SEALED), str)


def seal_value(value: Any) -> dict[str, str]:
    """Return ``value`` (JSON-ready) as a sealed answer."""
    plain = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    return {SEALED: _ring().encrypt(plain).decode()}


def open_value(sealed: dict[str, str]) -> Any:
    try:
        return json.loads(_ring().decrypt(sealed[SEALED].encode()))
    except InvalidToken:
        raise KeyUnavailable("a sealed answer opens with none of the configured keys") from None


def is_sealed_bytes(data: bytes) -> bool:
    return data.startswith(FILE_MAGIC)


def seal_bytes(data: bytes) -> bytes:
    return FILE_MAGIC + _ring().encrypt(data)


def open_bytes(data: bytes) -> bytes:
    try:
        return _ring().decrypt(data[len(FILE_MAGIC):])
    except InvalidToken:
        raise KeyUnavailable("a sealed file opens with none of the configured keys") from None


def _sealed_with_newest(token: bytes) -> bool:
    try:
        Fernet(keys()[0]).decrypt(token)
    except InvalidToken:
        return False
    return True


def reseal_value(sealed: dict[str, str]) -> dict[str, str] | None:
    """Return the answer sealed with the newest key, or None when it already is."""
    token = sealed[SEALED].encode()
    if _sealed_with_newest(token):
        return None
    try:
        return {SEALED: _ring().rotate(token).decode()}
    except InvalidToken:
        raise KeyUnavailable("a sealed answer opens with none of the configured keys") from None


def reseal_bytes(data: bytes) -> bytes | None:
    """Return the sealed file's bytes sealed with the newest key, or None when they already are."""
    token = data[len(FILE_MAGIC):]
    if _sealed_with_newest(token):
        return None
    try:
        return FILE_MAGIC + _ring().rotate(token)
    except InvalidToken:
        raise KeyUnavailable("a sealed file opens with none of the configured keys") from None


def new_key() -> str:
    """Return a fresh key as the setting takes it."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


@receiver(setting_changed)
def _forget_keys(*, setting: str, **kwargs: Any) -> None:
    if setting in {"RATHAUS_SENSITIVE_KEYS", "RATHAUS_SENSITIVE_KEY_FILE"}:
        keys.cache_clear()
