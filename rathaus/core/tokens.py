"""Signed, expiring tokens for links sent by e-mail (resume a draft, see a status)."""

from __future__ import annotations

from django.core import signing


def make_token(*, purpose: str, value: str) -> str:
    return signing.TimestampSigner(salt=f"rathaus.{purpose}").sign(value)


def read_token(*, purpose: str, token: str, max_age: int) -> str | None:
    """Return the signed value, or None when the token is forged, altered or expired."""
    try:
        return signing.TimestampSigner(salt=f"rathaus.{purpose}").unsign(token, max_age=max_age)
    except signing.BadSignature:
        return None
