"""Search folding: what a citizen types and what the definition says compare equal."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from rathaus.core.text import fold, search_terms

SPELLED_OUT = {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss",
               "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ẞ": "SS"}

german_text = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZäöüßÄÖÜẞ0123456789 -.,/§€",
    max_size=40,
)
no_database = hypothesis_settings(database=None)


def spelled_out(text: str) -> str:
    return "".join(SPELLED_OUT.get(char, char) for char in text)


@no_database
@given(st.text(max_size=60))
@example("Straße")
@example("ﬁ İstanbul ǅ")
def test_fold_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


@no_database
@given(st.text(max_size=60))
def test_fold_leaves_only_lowercase_ascii_words(text: str) -> None:
    folded = fold(text)
    assert all(char in "abcdefghijklmnopqrstuvwxyz0123456789 " for char in folded)
    assert "  " not in folded
    assert folded == folded.strip()


@no_database
@given(german_text)
@example("Müllabfuhr")
@example("Straßenreinigung")
@example("GRÖẞE")
def test_umlauts_and_sharp_s_fold_like_their_spelled_out_form(text: str) -> None:
    assert fold(text) == fold(spelled_out(text))


@no_database
@given(german_text)
def test_fold_ignores_case(text: str) -> None:
    assert fold(text.upper()) == fold(text) == fold(text.lower()) == fold(text.swapcase())


@no_database
@given(german_text, german_text, german_text)
def test_a_folded_word_is_found_inside_folded_text(before: str, word: str, after: str) -> None:
    """What search relies on: every term of a query is contained in the service's folded text."""
    for term in search_terms(word):
        assert term in fold(f"{before} {word.upper()} {after}")


@pytest.mark.parametrize(("a", "b"), [
    ("Straße", "STRASSE"), ("straße", "Strasse"), ("Müll", "muell"), ("MÜLL", "Muell"),
    ("Öffnungszeiten", "oeffnungszeiten"), ("Übergabe", "UEBERGABE"), ("Äußerung", "aeusserung"),
    ("Hundesteuer", "HUNDESTEUER"), ("café", "cafe"), ("Größe", "GRÖẞE"),
])
def test_german_spellings_fold_equal(a: str, b: str) -> None:
    assert fold(a) == fold(b)


def test_punctuation_separates_words() -> None:
    assert fold("  Hund/Katze – § 8 NHundG!  ") == "hund katze 8 nhundg"
    assert search_terms("Müll-Abfuhr,  Straße") == ["muell", "abfuhr", "strasse"]


@pytest.mark.parametrize(("name", "typed"), [
    ("Aylin Yılmaz", "aylin yilmaz"), ("Łukasz Wałęsa", "lukasz walesa"),
    ("Søren Kjær", "soren kjaer"), ("Đorđe", "dorde"), ("Œuvre", "oeuvre"),
])
def test_letters_without_a_decomposition_fold_to_what_people_type(name: str, typed: str) -> None:
    assert fold(name) == fold(typed) == typed
