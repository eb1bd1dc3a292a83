"""Real files for the field type tests: images of a given size."""

from __future__ import annotations

import io


def image_bytes(width: int, height: int, kind: str = "PNG", *, orientation: int = 1) -> bytes:
    """A real image of the given size in pixels; ``orientation`` goes into its EXIF data."""
    from PIL import Image

    buffer = io.BytesIO()
    image = Image.new("RGB", (width, height), (200, 180, 160))
    exif = Image.Exif()
    if orientation != 1:
        exif[0x0112] = orientation
    image.save(buffer, kind, exif=exif)
    return buffer.getvalue()
