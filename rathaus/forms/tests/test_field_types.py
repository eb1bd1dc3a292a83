"""Field types that no shipped service exercises fully, tested directly."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from rathaus.forms.fields.base import CleanContext, FieldError
from rathaus.forms.fields.builtin import FileField
from rathaus.forms.fields.registry import field_types
from rathaus.forms.schema import FieldDef

from .files import image_bytes

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


def chip_field(**extra: object) -> FieldDef:
    return FieldDef.model_validate({
        "id": "chip", "type": "text", "label": {"de": "Chipnummer", "en": "Chip number"},
        "max_length": 15, "pattern": "[0-9]{15}", "inputmode": "numeric",
        "pattern_message": {"de": "Die Nummer hat 15 Ziffern.", "en": "The number has 15 digits."},
        **extra,
    })


@pytest.mark.parametrize("typed", ["12", "27609810654321x", "27609810654321", " 276098106543"])
def test_pattern_refuses_what_does_not_match_with_the_definitions_message(typed: str) -> None:
    with pytest.raises(FieldError) as caught:
        field_types["text"].clean(chip_field(), typed.strip(), CTX)
    assert caught.value.message == "The number has 15 digits."
    with translation.override("de"), pytest.raises(FieldError) as german:
        field_types["text"].clean(chip_field(), typed.strip(), CTX)
    assert german.value.message == "Die Nummer hat 15 Ziffern."


def test_pattern_must_match_the_whole_text() -> None:
    assert field_types["text"].clean(chip_field(), "276098106543210", CTX) == "276098106543210"
    with pytest.raises(FieldError):
        field_types["text"].clean(chip_field(max_length=20), "276098106543210123", CTX)


def test_min_length() -> None:
    field = FieldDef.model_validate({"id": "code", "type": "text", "min_length": 4,
                                     "label": {"de": "Code", "en": "Code"}})
    with pytest.raises(FieldError, match="at least 4 characters; you entered 3"):
        field_types["text"].clean(field, "abc", CTX)
    assert field_types["text"].clean(field, "abcd", CTX) == "abcd"


def photo_field() -> FieldDef:
    return FieldDef.model_validate({
        "id": "photo", "type": "file", "label": {"de": "Passbild", "en": "Passport photo"},
        "accept": ["jpeg", "png"], "min_width_px": 413, "min_height_px": 531,
    })


class _Store:
    def __init__(self) -> None:
        self.stored: list[str] = []

    def store(self, *, field: FieldDef, uploaded: Any) -> dict[str, Any]:
        self.stored.append(uploaded.name)
        return {"id": "u1", "name": uploaded.name, "size": uploaded.size}

    def existing(self, *, field: FieldDef, upload_id: str) -> dict[str, Any] | None:
        return None


def _upload(content: bytes, name: str = "photo.png") -> dict[str, Any]:
    return {"file": SimpleUploadedFile(name, content), "current": ""}


@pytest.mark.parametrize(("width", "height", "kind"), [(48, 48, "PNG"), (412, 600, "JPEG"),
                                                      (500, 530, "PNG")])
def test_a_photo_smaller_than_the_minimum_is_refused(width: int, height: int, kind: str) -> None:
    store = _Store()
    ctx = CleanContext(today=CTX.today, uploads=store)
    with pytest.raises(FieldError) as caught:
        field_types["file"].clean(photo_field(), _upload(image_bytes(width, height, kind)), ctx)
    assert caught.value.message == (
        f"The image for “Passport photo” is {width} × {height} pixels; it must be at least "
        "413 × 531 pixels (width × height).")
    assert store.stored == [], "nothing is stored"


def test_a_photo_of_the_minimum_size_is_taken_turned_as_its_exif_says() -> None:
    store = _Store()
    ctx = CleanContext(today=CTX.today, uploads=store)
    assert field_types["file"].clean(photo_field(), _upload(image_bytes(413, 531)), ctx)
    # A phone stores a portrait photo as landscape pixels with "turn by 90°" in its EXIF data.
    turned = image_bytes(600, 450, "JPEG", orientation=6)
    assert field_types["file"].clean(photo_field(), _upload(turned, "phone.jpg"), ctx)
    assert store.stored == ["photo.png", "phone.jpg"]


def test_a_broken_image_is_refused_with_a_message() -> None:
    ctx = CleanContext(today=CTX.today, uploads=_Store())
    broken = image_bytes(500, 600)[:40]
    with pytest.raises(FieldError, match="cannot be read"):
        field_types["file"].clean(photo_field(), _upload(broken), ctx)


def test_the_type_error_names_the_formats_as_a_sentence_does() -> None:
    field = FieldDef.model_validate({"id": "doc", "type": "file",
                                     "label": {"de": "Nachweis", "en": "Proof"}})
    ctx = CleanContext(today=CTX.today, uploads=_Store())
    with pytest.raises(FieldError) as caught:
        field_types["file"].clean(field, _upload(b"GIF89a" + b"\0" * 100, "x.gif"), ctx)
    assert caught.value.message.startswith(
        "The file for “Proof” must be in PDF, JPG or PNG format.")
    with translation.override("de"), pytest.raises(FieldError) as german:
        field_types["file"].clean(field, _upload(b"GIF89a" + b"\0" * 100, "x.gif"), ctx)
    assert german.value.message.startswith(
        "Die Datei für „Nachweis“ muss im Format PDF, JPG oder PNG vorliegen.")
    two = FieldDef.model_validate({"id": "doc", "type": "file", "accept": ["jpeg", "png"],
                                   "label": {"de": "Nachweis", "en": "Proof"}})
    assert FileField().kinds_text(two) == "JPG or PNG"


def time_field(**extra: object) -> FieldDef:
    return FieldDef.model_validate(
        {"id": "starts", "type": "time", "label": {"de": "Beginn", "en": "Start"}, **extra}
    )


@pytest.mark.parametrize(("typed", "stored"), [("07:30", "07:30"), ("7:30", "07:30"),
                                               ("7.30", "07:30"), ("07:30 Uhr", "07:30"),
                                               ("23:59", "23:59"), ("0:00", "00:00")])
def test_a_time_is_read_as_typed_and_kept_as_hh_mm(typed: str, stored: str) -> None:
    assert field_types["time"].clean(time_field(), typed, CTX) == stored


@pytest.mark.parametrize("typed", ["7", "24:00", "7:60", "7:5", "7 am", "half past seven"])
def test_what_is_not_a_time_of_day_is_refused_with_an_example(typed: str) -> None:
    with pytest.raises(FieldError, match="Enter “Start” as a time like 07:30"):
        field_types["time"].clean(time_field(), typed, CTX)
    with translation.override("de"), pytest.raises(
            FieldError, match="Geben Sie „Beginn“ als Uhrzeit wie 07:30 an"):
        field_types["time"].clean(time_field(), typed, CTX)


def test_a_time_outside_its_bounds_is_refused_and_shown_with_uhr_in_german() -> None:
    field = time_field(min_time="06:00", max_time="22:00")
    assert field_types["time"].clean(field, "06:00", CTX) == "06:00"
    with pytest.raises(FieldError, match="“Start” must be 06:00 or later"):
        field_types["time"].clean(field, "5:59", CTX)
    with translation.override("de"), pytest.raises(
            FieldError, match="„Beginn“ muss 22:00 Uhr oder früher sein"):
        field_types["time"].clean(field, "22:01", CTX)
    assert field_types["time"].display(field, "07:30") == "07:30"
    with translation.override("de"):
        assert field_types["time"].display(field, "07:30") == "07:30 Uhr"


def test_time_bounds_are_checked_when_the_definition_loads() -> None:
    with pytest.raises(ValueError, match="'min_time' must not be later than 'max_time'"):
        time_field(min_time="22:00", max_time="06:00")
    with pytest.raises(ValueError, match="String should match pattern"):
        time_field(min_time="6:00")
    with pytest.raises(ValueError, match="only time fields have 'min_time'"):
        FieldDef.model_validate({"id": "born", "type": "date", "min_time": "06:00",
                                 "label": {"de": "Geburtsdatum", "en": "Date of birth"}})


SPECIES = [{"value": value, "label": {"de": de, "en": en}} for value, de, en in [
    ("oak", "Eiche", "Oak"), ("beech", "Buche", "Beech"), ("lime", "Linde", "Lime")]]


def select_field(**extra: object) -> FieldDef:
    return FieldDef.model_validate({"id": "species", "type": "select",
                                    "label": {"de": "Baumart", "en": "Species"},
                                    "options": SPECIES, **extra})


def test_a_select_takes_only_one_of_its_options_and_shows_its_label() -> None:
    field = select_field()
    assert field_types["select"].clean(field, "beech", CTX) == "beech"
    with pytest.raises(FieldError, match="Select one of the options for “Species”"):
        field_types["select"].clean(field, "pine", CTX)
    assert field_types["select"].display(field, "beech", "de") == "Buche"
    assert field_types["select"].required_message(field) == "Select an answer for “Species”."
    with pytest.raises(ValueError, match="a select field needs 'options'"):
        FieldDef.model_validate({"id": "x", "type": "select", "label": {"de": "X", "en": "X"}})


def test_a_select_is_a_labelled_drop_down_that_starts_with_please_choose() -> None:
    from django.http import QueryDict
    from django.template.loader import render_to_string

    from rathaus.forms import engine
    from rathaus.forms.schema import FormDef

    form = FormDef.model_validate({"steps": [{"id": "tree", "title": {"de": "B", "en": "T"},
                                              "fields": [select_field(
                                                  help={"de": "H", "en": "Look at the leaves."}
                                              ).model_dump(mode="json", exclude_unset=True)]}]})
    step = engine.StepForm(form=form, step=form.steps[0], answers={},
                           data=QueryDict("species=pine"))
    assert not step.bind(validate=True)
    html = render_to_string(step.fields[0].template, {"f": step.fields[0]})
    assert '<label class="kern-label" for="species">Species' in html
    assert '<select class="kern-form-input__select kern-form-input__select--error" id="species"' \
        in html
    assert 'aria-describedby="species-hint species-error"' in html
    assert '<option value="">Please choose</option>' in html, "first, the answer kept wrong"
    assert '<option value="lime">Lime</option>' in html
    assert "Select one of the options for “Species”." in html
