"""The enrolment QR code as an SVG data URI: drawn on the server, allowed by the CSP's img-src."""

from __future__ import annotations

import segno


def qr_data_uri(content: str) -> str:
    # A white border of four modules, as the QR standard asks, so dark themes do not break it.
    code = segno.make(content, error="m")
    return str(code.svg_data_uri(scale=5, border=4, dark="#000", light="#fff"))


def grouped(secret: str, size: int = 4) -> str:
    """Write a secret in groups of four, easier to read and to type."""
    return " ".join(secret[index:index + size] for index in range(0, len(secret), size))
