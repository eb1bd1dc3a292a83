"""German-aware text folding for search: case, umlauts and ß match both ways."""

from __future__ import annotations

import re
import unicodedata

_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ẞ": "ss"})
_NON_WORD = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Fold text so "Straße", "strasse" and "STRASSE" compare equal, as "Müll" and "Muell" do."""
    text = unicodedata.normalize("NFC", text).lower().translate(_GERMAN)
    text = "".join(
        c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
    )
    return _NON_WORD.sub(" ", text).strip()


def search_terms(query: str) -> list[str]:
    return [term for term in fold(query).split() if term]
