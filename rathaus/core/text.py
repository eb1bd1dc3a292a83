"""German-aware text folding for search: case, umlauts and ß match both ways."""

from __future__ import annotations

import re
import unicodedata

_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ẞ": "ss"})
# Letters of names common in German towns that Unicode does not decompose into a base letter
# and a mark: without these, "Yılmaz" would fold to "y lmaz" and "yilmaz" would not find it.
_UNDECOMPOSED = str.maketrans({"ı": "i", "ł": "l", "ø": "o", "đ": "d", "ð": "d", "þ": "th",
                               "æ": "ae", "œ": "oe", "ħ": "h", "ŀ": "l"})
_NON_WORD = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Fold text so "Straße", "strasse" and "STRASSE" compare equal, as "Müll" and "Muell" do."""
    text = unicodedata.normalize("NFC", text).lower().translate(_GERMAN).translate(_UNDECOMPOSED)
    text = "".join(
        c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
    )
    return _NON_WORD.sub(" ", text).strip()


def search_terms(query: str) -> list[str]:
    return [term for term in fold(query).split() if term]
