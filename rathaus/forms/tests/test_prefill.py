"""Once-only: what a field takes from the signed-in identity, and how far it is trusted."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from rathaus.forms.fields.builtin import HOUSE_NUMBER
from rathaus.forms.prefill import (
    prefill_for,
    split_street_address,
    step_prefills,
    verified_answers,
)
from rathaus.forms.schema import FieldDef, FormDef
from rathaus.identity.levels import TrustLevel
from rathaus.identity.session import Attribute
from rathaus.identity.testing import ERIKA

# (what BundID sends as postalAddress, street, house number)
ADDRESSES = [
    ("Heidestraße 17", "Heidestraße", "17"),
    ("Am Markt 3a", "Am Markt", "3a"),
    ("Straße des 17. Juni 135", "Straße des 17. Juni", "135"),
    ("Hauptstr. 5-7", "Hauptstr.", "5-7"),
    ("Unter den Linden 12 b", "Unter den Linden", "12 b"),
    ("Hauptstr.5", "Hauptstr.", "5"),
    ("Lindenallee 12/1", "Lindenallee", "12/1"),
    ("  Bahnhofstraße   21  ", "Bahnhofstraße", "21"),
    ("Äußere Neustädter Straße 4 A", "Äußere Neustädter Straße", "4 A"),
    ("Platz der Republik 1", "Platz der Republik", "1"),
    ("Allee 2 - 4", "Allee", "2 - 4"),
    # In doubt, everything stays in the street and the number is left to the citizen.
    ("Heidestraße", "Heidestraße", ""),
    ("Straße des 17. Juni", "Straße des 17. Juni", ""),
    ("Am Markt 3a, Hinterhaus", "Am Markt 3a, Hinterhaus", ""),
    ("Hof 12345", "Hof 12345", ""),
    ("17", "17", ""),
    ("C/O Meyer Weg 3 abc", "C/O Meyer Weg 3 abc", ""),
    ("", "", ""),
]


@pytest.mark.parametrize(("text", "street", "number"), ADDRESSES,
                         ids=[text or "empty" for text, _s, _n in ADDRESSES])
def test_street_and_house_number_are_split_the_german_way(text: str, street: str,
                                                          number: str) -> None:
    assert split_street_address(text) == (street, number)


STREET_WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyzäöüßABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÜ.-",
                       min_size=1, max_size=12).filter(lambda word: any(c.isalpha() for c in word))
HOUSE_NUMBERS = st.from_regex(re.compile(rf"\A{HOUSE_NUMBER.pattern}\Z"), fullmatch=True).map(
    lambda value: " ".join(value.split())).filter(lambda value: HOUSE_NUMBER.fullmatch(value))


@given(words=st.lists(STREET_WORDS, min_size=1, max_size=4), number=HOUSE_NUMBERS)
def test_a_street_of_words_and_a_house_number_come_apart(words: list[str], number: str) -> None:
    street = " ".join(words)
    assert split_street_address(f"{street} {number}") == (street, number)


@given(st.text(max_size=60))
def test_any_text_splits_into_a_valid_number_or_none(text: str) -> None:
    street, number = split_street_address(text)
    normalised = " ".join(text.split())
    if number:
        assert HOUSE_NUMBER.fullmatch(number)
        assert normalised in (f"{street} {number}", f"{street}{number}")
        assert re.search(r"[^\W\d_]", street), "a street has a letter"
    else:
        assert street == normalised


def field(**data: Any) -> FieldDef:
    return FieldDef.model_validate({"label": {"de": "X", "en": "X"}, **data})


def attributes(level: TrustLevel | None = TrustLevel.HIGH, **values: str) -> dict[str, Attribute]:
    return {key: Attribute(value=value, level=level) for key, value in {**ERIKA, **values}.items()}


NAME = field(id="name", type="person_name", identity_attribute="name")
BIRTH = field(id="birth", type="date", identity_attribute="birth_date", max_date="today")
ADDRESS = field(id="address", type="address", identity_attribute="address")


def test_values_from_the_id_card_are_verified_and_read_only() -> None:
    name = prefill_for(NAME, attributes())
    assert name is not None
    assert name.value == {"given_names": "Erika", "family_name": "Mustermann"}
    assert (name.verified, name.readonly, name.level, name.from_id_card) == (
        True, True, TrustLevel.HIGH, True)
    birth = prefill_for(BIRTH, attributes())
    assert birth is not None
    assert birth.value == "1964-08-12"
    assert birth.readonly
    address = prefill_for(ADDRESS, attributes())
    assert address is not None
    assert address.readonly
    assert address.value == {"street": "Heidestraße", "number": "17", "postcode": "51147",
                             "city": "Köln"}


def test_elster_values_are_verified_too_but_not_from_the_id_card() -> None:
    name = prefill_for(NAME, attributes(TrustLevel.SUBSTANTIAL))
    assert name is not None
    assert name.verified
    assert not name.from_id_card


@pytest.mark.parametrize("level", [TrustLevel.BASIC, None])
def test_typed_in_values_are_only_suggestions(level: TrustLevel | None) -> None:
    for item in (NAME, BIRTH, ADDRESS):
        offered = prefill_for(item, attributes(level))
        assert offered is not None
        assert not offered.verified
        assert not offered.readonly


def test_the_service_may_allow_changes_to_verified_values() -> None:
    editable = field(id="address", type="address", identity_attribute="address",
                     identity_editable=True)
    offered = prefill_for(editable, attributes())
    assert offered is not None
    assert offered.verified
    assert not offered.readonly


def test_an_address_without_a_clear_house_number_is_not_verified() -> None:
    offered = prefill_for(ADDRESS, attributes(street_address="Am Markt 3a, Hinterhaus"))
    assert offered is not None
    assert offered.value["street"] == "Am Markt 3a, Hinterhaus"
    assert offered.value["number"] == ""
    assert not offered.verified, "the citizen must be able to enter the number"


def test_incomplete_or_invalid_values_are_not_verified() -> None:
    values = dict(ERIKA)
    del values["family_name"]
    partial = {key: Attribute(value, TrustLevel.HIGH) for key, value in values.items()}
    offered = prefill_for(NAME, partial)
    assert offered is not None
    assert offered.value["given_names"] == "Erika"
    assert not offered.verified
    bad_date = prefill_for(BIRTH, attributes(date_of_birth="12.13.1964x"))
    assert bad_date is not None
    assert not bad_date.verified
    foreign = prefill_for(ADDRESS, attributes(postal_code="A-1010"))
    assert foreign is not None
    assert not foreign.verified
    assert prefill_for(NAME, {}) is None
    assert prefill_for(field(id="x", type="text"), attributes()) is None


def test_only_unchanged_verified_answers_are_recorded() -> None:
    form = FormDef.model_validate({"steps": [{"id": "me", "title": {"de": "I", "en": "I"},
                                              "fields": [NAME.model_dump(), ADDRESS.model_dump(),
                                                         BIRTH.model_dump()]}]})
    answers = {"name": {"given_names": "Erika", "family_name": "Mustermann"},
               "address": {"street": "Heidestraße", "number": "18", "postcode": "51147",
                           "city": "Köln"},
               "birth": "1964-08-12"}
    assert verified_answers(form, answers, attributes()) == {
        "name": {"attribute": "name", "level": 4, "source": "bundid"},
        "birth": {"attribute": "birth_date", "level": 4, "source": "bundid"},
    }
    assert verified_answers(form, answers, attributes(TrustLevel.BASIC)) == {}
    assert verified_answers(form, answers, {}) == {}
    assert set(step_prefills(form.steps[0], attributes())) == {"name", "address", "birth"}


@pytest.mark.parametrize(("data", "message"), [
    ({"id": "x", "type": "text", "identity_attribute": "name"},
     "identity_attribute 'name' needs a field of type 'person_name', not 'text'"),
    ({"id": "x", "type": "person_name", "identity_attribute": "nickname"},
     "unknown identity_attribute 'nickname' (known: name, birth_date, address)"),
    ({"id": "x", "type": "person_name", "identity_editable": True},
     "'identity_editable' needs an 'identity_attribute'"),
])
def test_definitions_name_attributes_that_fit_the_field(data: dict[str, Any],
                                                        message: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)):
        field(**data)


def test_no_prefill_inside_repeated_groups() -> None:
    with pytest.raises(ValidationError, match=re.escape(
        "steps[0].fields[0].fields[0].identity_attribute: not possible inside a repeated group"
    )):
        FormDef.model_validate({"steps": [{"id": "s", "title": {"de": "S", "en": "S"}, "fields": [
            {"id": "people", "type": "group", "label": {"de": "P", "en": "P"},
             "repeat": {"item_label": {"de": "P", "en": "P"}, "add_label": {"de": "+", "en": "+"},
                        "remove_label": {"de": "-", "en": "-"}},
             "fields": [NAME.model_dump(exclude_defaults=True)]},
        ]}]})


def test_bundid_is_asked_for_exactly_the_attributes_prefill_reads() -> None:
    """The SAML request lists identity.attributes.FIELD_ATTRIBUTES; prefill must need no more."""
    from rathaus.forms.prefill import FIELD_TYPES, _collect
    from rathaus.identity.attributes import FIELD_ATTRIBUTES

    class Recording(dict[str, Attribute]):
        def __init__(self) -> None:
            super().__init__()
            self.asked: set[str] = set()

        def get(self, key: str, default: Any = None) -> Any:
            self.asked.add(key)
            return default

    assert set(FIELD_TYPES) == set(FIELD_ATTRIBUTES)
    for kind, requested in FIELD_ATTRIBUTES.items():
        recording = Recording()
        _collect(kind, recording)
        assert recording.asked == set(requested), kind
