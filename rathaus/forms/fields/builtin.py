"""The built-in field types."""

from __future__ import annotations

import datetime
import re
import warnings
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.http import QueryDict
from django.utils import formats
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from rathaus.core.templatetags.rathaus import localized

from .base import CleanContext, FieldError, FieldType, PartSpec, Raw, Value
from .registry import register

if TYPE_CHECKING:
    from rathaus.forms.schema import FieldDef

TRUE_WORDS = {"yes", "true", "on", "1"}


def resolve_date_bound(bound: str | None, today: datetime.date) -> datetime.date | None:
    """Turn 'today', 'today+30', 'today-36500' or an ISO date into a date."""
    if bound is None:
        return None
    if bound.startswith("today"):
        offset = bound[5:]
        return today + datetime.timedelta(days=int(offset)) if offset else today
    return datetime.date.fromisoformat(bound)


def format_date(value: datetime.date) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT")


@register
class TextField(FieldType):
    key = "text"
    template = "forms/fields/text.html"
    input_type = "text"
    default_max_length = 200

    def max_length(self, field: FieldDef) -> int:
        return field.max_length or self.default_max_length

    def clean(self, field: FieldDef, raw: Raw, ctx: CleanContext) -> Value:
        limit = self.max_length(field)
        if len(raw) > limit:
            raise FieldError(
                _("“%(label)s” can have at most %(limit)s characters; you entered %(count)s.")
                % {"label": localized(field.label), "limit": limit, "count": len(raw)}
            )
        if field.min_length is not None and len(raw) < field.min_length:
            raise FieldError(
                _("“%(label)s” must have at least %(limit)s characters; you entered %(count)s.")
                % {"label": localized(field.label), "limit": field.min_length,
                   "count": len(raw)}
            )
        if field.pattern is not None and field.pattern_message is not None and not re.fullmatch(
                field.pattern, raw):
            raise FieldError(localized(field.pattern_message))
        return raw


@register
class LongTextField(TextField):
    key = "long_text"
    template = "forms/fields/long_text.html"
    default_max_length = 4000

    def read(
        self,
        field: FieldDef,
        data: QueryDict,
        files: MultiValueDict[str, UploadedFile[bytes]],
        name: str,
    ) -> Raw:
        return data.get(name, "").replace("\r\n", "\n").strip()


@register
class EmailField(TextField):
    key = "email"
    input_type = "email"
    default_max_length = 254

    def clean(self, field: FieldDef, raw: Raw, ctx: CleanContext) -> Value:
        value = super().clean(field, raw, ctx)
        try:
            validate_email(value)
        except ValidationError as exc:
            raise FieldError(
                _("Enter an e-mail address in the form name@example.de.")
            ) from exc
        return value


PHONE = re.compile(r"^\+?[0-9 ()/\-]{5,30}$")


@register
class PhoneField(TextField):
    key = "phone"
    input_type = "tel"
    default_max_length = 30

    def clean(self, field: FieldDef, raw: Raw, ctx: CleanContext) -> Value:
        value = super().clean(field, raw, ctx)
        digits = re.sub(r"\D", "", value)
        if not PHONE.match(value) or len(digits) < 5:
            raise FieldError(_("Enter a telephone number, for example 05123 456789."))
        return value


@register
class NumberField(FieldType):
    key = "number"
    template = "forms/fields/number.html"

    def clean(self, field: FieldDef, raw: Raw, ctx: CleanContext) -> Value:
        label = localized(field.label)
        if not re.fullmatch(r"-?\d{1,9}", raw):
            raise FieldError(_("“%(label)s” must be a whole number, like 2.") % {"label": label})
        value = int(raw)
        if field.min is not None and value < field.min:
            raise FieldError(
                _("“%(label)s” must be at least %(min)s.") % {"label": label, "min": field.min}
            )
        if field.max is not None and value > field.max:
            raise FieldError(
                _("“%(label)s” must be at most %(max)s.") % {"label": label, "max": field.max}
            )
        return value


MONEY = re.compile(r"^\d{1,3}(?:\.\d{3})*(?:,\d{1,2})?$|^\d+(?:[.,]\d{1,2})?$")


@register
class MoneyField(FieldType):
    key = "money"
    template = "forms/fields/money.html"

    def clean(self, field: FieldDef, raw: Raw, ctx: CleanContext) -> Value:
        label = localized(field.label)
        text = raw.replace("€", "").replace(" ", "").strip()
        if not MONEY.match(text):
            raise FieldError(
                _("“%(label)s” must be an amount in euros, like 12,50.") % {"label": label}
            )
        if "," in text:
            text = text.replace(".", "").replace(",", ".")
        try:
            value = Decimal(text).quantize(Decimal("0.01"))
        except InvalidOperation as exc:
            raise FieldError(
                _("“%(label)s” must be an amount in euros, like 12,50.") % {"label": label}
            ) from exc
        if field.min is not None and value < field.min:
            raise FieldError(_("“%(label)s” must be at least %(min)s €.")
                             % {"label": label, "min": field.min})
        if field.max is not None and value > field.max:
            raise FieldError(_("“%(label)s” must be at most %(max)s €.")
                             % {"label": label, "max": field.max})
        return str(value)

    def display(self, field: FieldDef, value: Value, language: str | None = None) -> str:
        from rathaus.core.templatetags.rathaus import euro

        return euro(value)


@register
class DateField(FieldType):
    key = "date"
    template = "forms/fields/date.html"

    def parse(self, raw: str) -> datetime.date | None:
        # The date input's ISO value, the German forms, and the language's own (17 May 1980).
        patterns = dict.fromkeys(["%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y",
                                  *formats.get_format("DATE_INPUT_FORMATS")])
        for pattern in patterns:
            try:
                return datetime.datetime.strptime(raw, pattern).date()  # noqa: DTZ007
            except ValueError:
                continue
        return None

    def clean(self, field: FieldDef, raw: Raw, ctx: CleanContext) -> Value:
        label = localized(field.label)
        value = self.parse(raw)
        if value is None or value.year < 1850:
            raise FieldError(
                _("“%(label)s” must be a real date, like 27.03.2024.") % {"label": label}
            )
        earliest = resolve_date_bound(field.min_date, ctx.today)
        latest = resolve_date_bound(field.max_date, ctx.today)
        if earliest is not None and value < earliest:
            if earliest == ctx.today:
                raise FieldError(_("“%(label)s” cannot be in the past.") % {"label": label})
            raise FieldError(_("“%(label)s” must be on or after %(date)s.")
                             % {"label": label, "date": format_date(earliest)})
        if latest is not None and value > latest:
            if latest == ctx.today:
                raise FieldError(_("“%(label)s” cannot be in the future.") % {"label": label})
            raise FieldError(_("“%(label)s” must be on or before %(date)s.")
                             % {"label": label, "date": format_date(latest)})
        return value.isoformat()

    def display(self, field: FieldDef, value: Value, language: str | None = None) -> str:
        return format_date(datetime.date.fromisoformat(value)) if value else ""


TIME = re.compile(r"^(?P<hour>[01]?\d|2[0-3])[:.](?P<minute>[0-5]\d)$")


def parse_time(raw: str) -> str | None:
    """Read a time of day as typed ("7:30", "07.30", "07:30 Uhr") as HH:MM, or None."""
    text = raw.strip()
    if text.lower().endswith("uhr"):
        text = text[:-3].strip()
    found = TIME.match(text)
    if found is None:
        return None
    return f"{int(found['hour']):02d}:{found['minute']}"


@register
class TimeField(FieldType):
    """A time of day, 24-hour clock, stored as "HH:MM"."""

    key = "time"
    template = "forms/fields/time.html"

    def clean(self, field: FieldDef, raw: Raw, ctx: CleanContext) -> Value:
        label = localized(field.label)
        value = parse_time(raw)
        if value is None:
            raise FieldError(_("Enter “%(label)s” as a time like 07:30.") % {"label": label})
        # "HH:MM" strings compare as the times they are.
        if field.min_time is not None and value < field.min_time:
            raise FieldError(_("“%(label)s” must be %(time)s or later.")
                             % {"label": label, "time": self.display(field, field.min_time)})
        if field.max_time is not None and value > field.max_time:
            raise FieldError(_("“%(label)s” must be %(time)s or earlier.")
                             % {"label": label, "time": self.display(field, field.max_time)})
        return value

    def display(self, field: FieldDef, value: Value, language: str | None = None) -> str:
        if not value:
            return ""
        # As a clerk reads it: "07:30 Uhr" in German, "07:30" in English.
        return pgettext("time of day", "%(time)s") % {"time": value}


class _OptionsMixin:
    def option_values(self, field: FieldDef) -> list[str]:
        return [option.value for option in field.options or []]

    def option_label(self, field: FieldDef, value: str, language: str | None) -> str:
        for option in field.options or []:
            if option.value == value:
                return option.label.get_text(language)
        return value


@register
class ChoiceField(_OptionsMixin, FieldType):
    key = "choice"
    template = "forms/fields/choice.html"

    def clean(self, field: FieldDef, raw: Raw, ctx: CleanContext) -> Value:
        if raw not in self.option_values(field):
            raise FieldError(_("Select one of the options for “%(label)s”.")
                             % {"label": localized(field.label)})
        return raw

    def display(self, field: FieldDef, value: Value, language: str | None = None) -> str:
        return self.option_label(field, value, language) if value else ""

    def required_message(self, field: FieldDef) -> str:
        return _("Select an answer for “%(label)s”.") % {"label": localized(field.label)}

    def input_id(self, name: str) -> str:
        return f"{name}-0"


@register
class SelectField(ChoiceField):
    """One of many options as a drop-down list: the options of a choice, a <select> to show."""

    key = "select"
    template = "forms/fields/select.html"

    def input_id(self, name: str) -> str:
        return name


@register
class MultiChoiceField(ChoiceField):
    key = "multi_choice"
    template = "forms/fields/multi_choice.html"

    def read(
        self,
        field: FieldDef,
        data: QueryDict,
        files: MultiValueDict[str, UploadedFile[bytes]],
        name: str,
    ) -> Raw:
        return [value for value in data.getlist(name) if value]

    def clean(self, field: FieldDef, raw: Raw, ctx: CleanContext) -> Value:
        allowed = self.option_values(field)
        if any(value not in allowed for value in raw):
            raise FieldError(_("Select only the options shown for “%(label)s”.")
                             % {"label": localized(field.label)})
        return [value for value in allowed if value in raw]

    def to_raw(self, field: FieldDef, value: Value) -> Raw:
        return list(value or [])

    def display(self, field: FieldDef, value: Value, language: str | None = None) -> str:
        return ", ".join(self.option_label(field, item, language) for item in value or [])

    def required_message(self, field: FieldDef) -> str:
        return _("Select at least one answer for “%(label)s”.") % {
            "label": localized(field.label)
        }


@register
class YesNoField(FieldType):
    key = "yes_no"
    template = "forms/fields/yes_no.html"

    def clean(self, field: FieldDef, raw: Raw, ctx: CleanContext) -> Value:
        if raw not in {"yes", "no"}:
            raise FieldError(_("Select yes or no for “%(label)s”.")
                             % {"label": localized(field.label)})
        return raw == "yes"

    def to_raw(self, field: FieldDef, value: Value) -> Raw:
        if value is None:
            return ""
        return "yes" if value else "no"

    def display(self, field: FieldDef, value: Value, language: str | None = None) -> str:
        if value is None:
            return ""
        return _("Yes") if value else _("No")

    def required_message(self, field: FieldDef) -> str:
        return _("Select yes or no for “%(label)s”.") % {"label": localized(field.label)}

    def input_id(self, name: str) -> str:
        return f"{name}-yes"


@register
class DeclarationField(FieldType):
    key = "declaration"
    template = "forms/fields/declaration.html"

    def clean(self, field: FieldDef, raw: Raw, ctx: CleanContext) -> Value:
        return raw.lower() in TRUE_WORDS

    def to_raw(self, field: FieldDef, value: Value) -> Raw:
        return "yes" if value else ""

    def display(self, field: FieldDef, value: Value, language: str | None = None) -> str:
        return _("Confirmed") if value else _("Not confirmed")

    def required_message(self, field: FieldDef) -> str:
        return _("Confirm “%(label)s” to continue.") % {"label": localized(field.label)}


@register
class InfoField(FieldType):
    key = "info"
    template = "forms/fields/info.html"
    has_value = False


@register
class PersonNameField(FieldType):
    key = "person_name"
    template = "forms/fields/composite.html"
    parts = ("given_names", "family_name")
    part_specs = (
        PartSpec("given_names", gettext_lazy("First name(s)"), "given-name"),
        PartSpec("family_name", gettext_lazy("Family name"), "family-name"),
    )

    def clean(self, field: FieldDef, raw: Raw, ctx: CleanContext) -> Value:
        if not raw["given_names"]:
            raise FieldError(_("Enter the first name(s)."), part="given_names")
        if not raw["family_name"]:
            raise FieldError(_("Enter the family name."), part="family_name")
        for part in self.parts:
            if len(raw[part]) > 100:
                raise FieldError(_("A name can have at most 100 characters."), part=part)
        return {part: raw[part] for part in self.parts}

    def display(self, field: FieldDef, value: Value, language: str | None = None) -> str:
        return f"{value['given_names']} {value['family_name']}" if value else ""


POSTCODE = re.compile(r"^(?!00)\d{5}$")


def address_in_town(value: Mapping[str, Any]) -> bool:
    """Return whether an address lies in the town, by its postcode (RATHAUS_TOWN_POSTCODES)."""
    return str(value.get("postcode", "")).strip() in settings.RATHAUS_TOWN_POSTCODES


def outside_town_message(field: FieldDef) -> str:
    """Say that the field's address must be in the town, and whom to turn to instead."""
    text = _("“%(label)s” must be an address in %(town)s; this postcode does not belong "
             "to %(town)s.") % {"label": localized(field.label),
                                "town": settings.RATHAUS_TOWN["city"]}
    if field.outside_town is not None:
        text = f"{text} {localized(field.outside_town)}"
    return text
HOUSE_NUMBER = re.compile(r"\d{1,4}\s?[a-zA-Z]?(?:\s?[-/]\s?\d{1,4}\s?[a-zA-Z]?)?")


@register
class AddressField(FieldType):
    key = "address"
    template = "forms/fields/composite.html"
    parts = ("street", "number", "postcode", "city")
    part_specs = (
        PartSpec("street", gettext_lazy("Street"), "address-line1"),
        PartSpec("number", gettext_lazy("House number"), "", "kern-form-input__input--width-4"),
        PartSpec("postcode", gettext_lazy("Postcode"), "postal-code",
                 "kern-form-input__input--width-4", "numeric"),
        PartSpec("city", gettext_lazy("Town or city"), "address-level2"),
    )

    def clean(self, field: FieldDef, raw: Raw, ctx: CleanContext) -> Value:
        if not raw["street"]:
            raise FieldError(_("Enter the street."), part="street")
        if not raw["number"]:
            raise FieldError(_("Enter the house number."), part="number")
        if not HOUSE_NUMBER.fullmatch(raw["number"]):
            raise FieldError(_("Enter a house number like 12 or 12a."), part="number")
        if not POSTCODE.match(raw["postcode"]):
            raise FieldError(
                _("Enter a German postcode with 5 digits, like 31134."), part="postcode"
            )
        if not raw["city"]:
            raise FieldError(_("Enter the town or city."), part="city")
        for part in self.parts:
            if len(raw[part]) > 100:
                raise FieldError(_("This part of the address is too long."), part=part)
        if field.in_town and ctx.check_town and not address_in_town(raw):
            raise FieldError(outside_town_message(field), part="postcode")
        return {part: raw[part] for part in self.parts}

    def display(self, field: FieldDef, value: Value, language: str | None = None) -> str:
        if not value:
            return ""
        return f"{value['street']} {value['number']}, {value['postcode']} {value['city']}"

    def required_message(self, field: FieldDef) -> str:
        return _("Enter the address for “%(label)s”.") % {"label": localized(field.label)}


@register
class IbanField(FieldType):
    """A bank account with a SEPA direct debit mandate for the town."""

    key = "iban"
    template = "forms/fields/iban.html"
    parts = ("holder", "iban", "mandate")
    part_specs = (
        PartSpec("holder", gettext_lazy("Account holder"), "name"),
        PartSpec("iban", gettext_lazy("IBAN"), "off", "input-width-iban"),
    )

    def clean(self, field: FieldDef, raw: Raw, ctx: CleanContext) -> Value:
        if not raw["holder"]:
            raise FieldError(_("Enter the name of the account holder."), part="holder")
        if len(raw["holder"]) > 70:
            raise FieldError(_("The account holder can have at most 70 characters."),
                             part="holder")
        if not raw["iban"]:
            raise FieldError(_("Enter the IBAN."), part="iban")
        try:
            iban = IBAN(raw["iban"])
        except SchwiftyException as exc:
            raise FieldError(
                _("Enter a valid IBAN, like DE89 3704 0044 0532 0130 00. Check for typing errors."),
                part="iban",
            ) from exc
        if iban.country_code not in SEPA_COUNTRIES:
            raise FieldError(_("The IBAN must belong to a bank in the SEPA area."), part="iban")
        if raw["mandate"].lower() not in TRUE_WORDS:
            raise FieldError(_("Agree to the SEPA direct debit mandate to pay by direct debit."),
                             part="mandate")
        bank = iban.bank
        return {
            "holder": raw["holder"],
            "iban": iban.compact,
            "bic": str(iban.bic) if iban.bic else "",
            "bank": (bank or {}).get("name", "") if isinstance(bank, dict) else "",
            "mandate": True,
        }

    def to_raw(self, field: FieldDef, value: Value) -> Raw:
        if not value:
            return {part: "" for part in self.parts}
        return {"holder": value["holder"], "iban": IBAN(value["iban"]).formatted,
                "mandate": "yes"}

    def display(self, field: FieldDef, value: Value, language: str | None = None) -> str:
        return self._text(value, IBAN(value["iban"]).formatted) if value else ""

    def display_masked(self, field: FieldDef, value: Value, language: str | None = None) -> str:
        """Only the first and last four characters: the receipt goes out by e-mail."""
        return self._text(value, mask_iban(value["iban"])) if value else ""

    def _text(self, value: Value, iban: str) -> str:
        text = f"{value['holder']}, {iban}"
        if value.get("bank"):
            text += f" ({value['bank']})"
        return text + ", " + _("SEPA mandate granted")

    def required_message(self, field: FieldDef) -> str:
        return _("Enter the bank account for “%(label)s”.") % {"label": localized(field.label)}


def mask_iban(iban: str) -> str:
    """Return the IBAN in groups of four with all but its first and last four characters hidden.

    DE89370400440532013000 becomes DE89 **** **** **** **30 00: enough for the citizen to
    recognise the account, too little to debit it elsewhere.
    """
    compact = "".join(iban.split()).upper()
    hidden = compact[:4] + "*" * max(len(compact) - 8, 0) + compact[4:][-4:]
    return " ".join(hidden[index:index + 4] for index in range(0, len(hidden), 4))


SEPA_COUNTRIES = {
    "AD", "AT", "BE", "BG", "CH", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GB", "GI",
    "GR", "HR", "HU", "IE", "IS", "IT", "LI", "LT", "LU", "LV", "MC", "MT", "NL", "NO", "PL",
    "PT", "RO", "SE", "SI", "SK", "SM", "VA",
}

def join_or(items: list[str]) -> str:
    """Join names for a sentence: "A", "A or B", "A, B or C"."""
    if len(items) < 2:
        return "".join(items)
    return _("%(first)s or %(last)s") % {"first": ", ".join(items[:-1]), "last": items[-1]}


def image_size(uploaded: UploadedFile[bytes]) -> tuple[int, int] | None:
    """Return the (width, height) an image shows, turned as its EXIF orientation says."""
    from PIL import Image, UnidentifiedImageError

    uploaded.seek(0)
    try:
        with warnings.catch_warnings():
            # Only the header is read, never the pixels: a huge image costs nothing here.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(uploaded) as image:
                width, height = image.size
                orientation = image.getexif().get(0x0112, 1)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError):
        return None
    finally:
        uploaded.seek(0)
    # Orientations 5 to 8 turn the picture by a quarter: a phone's portrait photo.
    return (height, width) if orientation in {5, 6, 7, 8} else (width, height)


MIME_BY_KIND = {"pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png"}
KIND_NAMES = {"pdf": "PDF", "jpeg": "JPG", "png": "PNG"}


def sniff_kind(uploaded: UploadedFile[bytes]) -> str | None:
    """Tell the file's real type from its first bytes; the name and browser's claim are ignored."""
    uploaded.seek(0)
    head = uploaded.read(8192)
    uploaded.seek(0)
    guess = filetype.guess(head)
    if guess is None:
        return None
    for kind, mime in MIME_BY_KIND.items():
        if guess.mime == mime:
            return kind
    return None


@register
class FileField(FieldType):
    key = "file"
    template = "forms/fields/file.html"

    def read(
        self,
        field: FieldDef,
        data: QueryDict,
        files: MultiValueDict[str, UploadedFile[bytes]],
        name: str,
    ) -> Raw:
        return {"file": files.get(name), "current": data.get(f"{name}-current", "").strip()}

    def is_empty(self, raw: Raw) -> bool:
        return not raw.get("file") and not raw.get("current") and not raw.get("upload")

    def accepted(self, field: FieldDef) -> list[str]:
        return list(field.accept or ["pdf", "jpeg", "png"])

    def accept_attr(self, field: FieldDef) -> str:
        return ",".join(MIME_BY_KIND[kind] for kind in self.accepted(field))

    def kinds_text(self, field: FieldDef) -> str:
        return join_or([KIND_NAMES[kind] for kind in self.accepted(field)])

    def clean(self, field: FieldDef, raw: Raw, ctx: CleanContext) -> Value:
        label = localized(field.label)
        uploaded: UploadedFile[bytes] | None = raw.get("file")
        if uploaded is not None:
            limit = field.max_size_mb * 1024 * 1024
            if uploaded.size is None or uploaded.size > limit:
                raise FieldError(_("The file for “%(label)s” must be smaller than %(mb)s MB.")
                                 % {"label": label, "mb": field.max_size_mb})
            if not uploaded.size:
                raise FieldError(_("The file for “%(label)s” is empty.") % {"label": label})
            kind = sniff_kind(uploaded)
            if kind is None or kind not in self.accepted(field):
                raise FieldError(
                    _("The file for “%(label)s” must be in %(kinds)s format. The file you chose "
                      "is of another type, whatever its name says.")
                    % {"label": label, "kinds": self.kinds_text(field)}
                )
            if field.min_width_px is not None and field.min_height_px is not None:
                self._check_image_size(field, uploaded)
            if ctx.uploads is None:
                raise FieldError(_("Files cannot be uploaded here."))
            meta = ctx.uploads.store(field=field, uploaded=uploaded)
            raw["upload"] = meta
            return meta
        if raw.get("upload"):
            return raw["upload"]
        current = raw.get("current")
        if current and ctx.uploads is not None:
            existing = ctx.uploads.existing(field=field, upload_id=current)
            if existing is not None:
                raw["upload"] = existing
                return existing
        return None

    def _check_image_size(self, field: FieldDef, uploaded: UploadedFile[bytes]) -> None:
        label = localized(field.label)
        size = image_size(uploaded)
        if size is None:
            raise FieldError(_("The image for “%(label)s” cannot be read. Please choose another "
                               "file.") % {"label": label})
        width, height = size
        if width < (field.min_width_px or 0) or height < (field.min_height_px or 0):
            raise FieldError(
                _("The image for “%(label)s” is %(width)s × %(height)s pixels; it must be at "
                  "least %(min_width)s × %(min_height)s pixels (width × height).")
                % {"label": label, "width": width, "height": height,
                   "min_width": field.min_width_px, "min_height": field.min_height_px}
            )

    def to_raw(self, field: FieldDef, value: Value) -> Raw:
        return {"file": None, "current": value["id"] if value else "", "upload": value}

    def display(self, field: FieldDef, value: Value, language: str | None = None) -> str:
        if not value:
            return ""
        size_kb = max(1, int(value["size"]) // 1024)
        return f"{value['name']} ({size_kb} KB)"

    def required_message(self, field: FieldDef) -> str:
        return _("Choose a file for “%(label)s”.") % {"label": localized(field.label)}

