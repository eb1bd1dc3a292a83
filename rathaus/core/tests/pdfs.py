"""Checks shared by the tests of every PDF the portal renders (receipts, notices)."""

from __future__ import annotations

import io
from typing import Any

from pypdf import PdfReader


def assert_accessible_pdf(data: bytes, *, language: str, title_part: str) -> None:
    """A tagged PDF (PDF/UA): structure tree, marked content, language and a shown title."""
    reader = PdfReader(io.BytesIO(data))
    root: Any = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert root["/Lang"] == language
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    assert reader.metadata is not None
    assert title_part in str(reader.metadata.title)
