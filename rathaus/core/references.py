"""Short, non-sequential references that people read out on the phone."""

from __future__ import annotations

import secrets

# Crockford's base32 without the look-alikes I, L, O, U: easy to read out on the phone.
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_reference() -> str:
    body = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"{body[:4]}-{body[4:]}"
