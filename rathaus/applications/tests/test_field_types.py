"""Field types that no shipped service exercises fully, tested directly."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.utils import translation

from rathaus.applications.fields.base import CleanContext, FieldError
from rathaus.applications.fields.registry import field_types
from rathaus.catalog.schema import FieldDef

CTX = CleanContext(today=datetime.date(2026, 11, 24))


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def money_field(**extra: object) -> FieldDef:
    return FieldDef.model_validate(
        {"id": "amount", "type": "money", "label": {"de": "Betrag", "en": "Amount"}, **extra}
    )


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("12,50", "12.50"), ("12.5", "12.50"), ("1.234,56", "1234.56"), ("€ 3", "3.00"),
     ("0", "0.00"), ("1234", "1234.00")],
)
def test_money_accepts_german_and_plain_notation(typed: str, stored: str) -> None:
    assert field_types["money"].clean(money_field(), typed, CTX) == stored


@pytest.mark.parametrize("typed", ["abc", "12,345", "1,2,3", "-5", "12.50.1"])
def test_money_rejects_what_is_not_an_amount(typed: str) -> None:
    with pytest.raises(FieldError, match="euros"):
        field_types["money"].clean(money_field(), typed, CTX)


def test_money_bounds_and_display() -> None:
    field = money_field(min=Decimal("5"), max=Decimal("500"))
    with pytest.raises(FieldError, match="at least"):
        field_types["money"].clean(field, "4,99", CTX)
    with pytest.raises(FieldError, match="at most"):
        field_types["money"].clean(field, "500,01", CTX)
    with translation.override("de"):
        assert field_types["money"].display(field, "1234.50") == "1.234,50 €"


def test_number_is_whole_and_bounded() -> None:
    field = FieldDef.model_validate({"id": "copies", "type": "number", "min": 1, "max": 10,
                                     "label": {"de": "Anzahl", "en": "Copies"}})
    assert field_types["number"].clean(field, "3", CTX) == 3
    for typed in ["2.5", "drei", ""]:
        with pytest.raises(FieldError):
            field_types["number"].clean(field, typed, CTX)
    with pytest.raises(FieldError, match="at most 10"):
        field_types["number"].clean(field, "11", CTX)


def test_multi_choice_keeps_the_defined_order_and_refuses_unknown_values() -> None:
    field = FieldDef.model_validate({
        "id": "marks", "type": "multi_choice", "label": {"de": "M", "en": "M"},
        "options": [{"value": v, "label": {"de": v, "en": v}} for v in ("g", "ag", "b")],
    })
    assert field_types["multi_choice"].clean(field, ["b", "g"], CTX) == ["g", "b"]
    with pytest.raises(FieldError):
        field_types["multi_choice"].clean(field, ["g", "evil"], CTX)


def date_field() -> FieldDef:
    return FieldDef.model_validate(
        {"id": "born", "type": "date", "label": {"de": "Geburtsdatum", "en": "Date of birth"}})


@pytest.mark.parametrize("typed", ["1980-05-17", "17.05.1980", "17 May 1980", "17 may 1980"])
def test_an_english_date_is_read_in_unambiguous_forms_and_shown_as_17_may_1980(
    typed: str,
) -> None:
    field = date_field()
    assert field_types["date"].clean(field, typed, CTX) == "1980-05-17"
    assert field_types["date"].display(field, "1980-05-17") == "17 May 1980"
    with translation.override("de"):
        assert field_types["date"].display(field, "1980-05-17") == "17.05.1980"


def test_a_date_with_slashes_is_not_guessed() -> None:
    with pytest.raises(FieldError, match="must be a real date"):
        field_types["date"].clean(date_field(), "05/06/1980", CTX)
