"""Booking texts within what banks and payment providers accept.

SEPA remittance information allows Latin letters, digits, space and ``/ - ? : ( ) . , ' +``
(the EPC's basic Latin set), 140 characters; providers and cash offices limit further
(ePayBL 27 characters). German letters are written out (ä → ae, ß → ss), everything else
outside the set becomes a space.
"""

from __future__ import annotations

import re
import unicodedata

SEPA_LIMIT = 140
_SPELLED = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue",
                          "ß": "ss", "ẞ": "SS", "ł": "l", "Ł": "L", "ø": "o", "Ø": "O",
                          "đ": "d", "Đ": "D", "ð": "d", "þ": "th", "æ": "ae", "Æ": "Ae",
                          "œ": "oe", "Œ": "Oe", "ı": "i", "&": "+", "_": "-", "–": "-",
                          "—": "-", "€": "EUR"})
_OUTSIDE = re.compile(r"[^A-Za-z0-9/\-?:().,'+ ]")


def sepa_text(text: str, limit: int = SEPA_LIMIT, *, upper: bool = False) -> str:
    """``text`` in the SEPA character set, at most ``limit`` characters, cut at a word if one
    ends in the last third."""
    spelled = unicodedata.normalize("NFKD", text.translate(_SPELLED))
    ascii_only = "".join(c for c in spelled if not unicodedata.combining(c))
    clean = " ".join(_OUTSIDE.sub(" ", ascii_only).split())
    if upper:
        clean = clean.upper()
    if len(clean) <= limit:
        return clean
    cut = clean[:limit]
    space = cut.rfind(" ")
    return (cut[:space] if space >= limit * 2 // 3 else cut).rstrip(" ,.-/")
