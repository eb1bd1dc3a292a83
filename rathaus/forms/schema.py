"""The schema of a service definition (YAML in services/), as frozen pydantic models.

Parsing a definition validates it completely: a definition that parses can be rendered, filled
in and submitted. Error messages name the path inside the file and what is wrong.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

from rathaus.forms.workflow import WorkflowDef
from rathaus.identity.levels import TrustLevel

SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
IDENT = r"^[a-z][a-z0-9_]*$"
TIME_OF_DAY = r"^(?:[01]\d|2[0-3]):[0-5]\d$"
RELATIVE_DATE = re.compile(r"^today(?:(?P<sign>[+-])(?P<days>\d+))?$|^\d{4}-\d{2}-\d{2}$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    """A text in German and English; both are required."""

    de: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get_text(self, language: str | None = None) -> str:
        return self.en if (language or "de")[:2] == "en" else self.de


# --- Conditions: a small typed vocabulary, evaluated by forms.rules -------------------


class FieldCondition(Strict):
    field: str = Field(pattern=IDENT)
    equals: Any = None
    not_equals: Any = None
    in_: list[Any] | None = Field(default=None, alias="in")
    filled: bool | None = None

    @model_validator(mode="after")
    def one_operator(self) -> FieldCondition:
        given = [
            name
            for name in ("equals", "not_equals", "in_", "filled")
            if name in self.model_fields_set
        ]
        if len(given) != 1:
            raise ValueError(
                "a field condition needs exactly one of 'equals', 'not_equals', 'in', 'filled'"
            )
        return self


class AllCondition(Strict):
    all: list[Condition] = Field(min_length=1)


class AnyCondition(Strict):
    any: list[Condition] = Field(min_length=1)


class NotCondition(Strict):
    not_: Condition = Field(alias="not")


def _condition_kind(value: Any) -> str | None:
    if isinstance(value, dict):
        for key in ("all", "any", "not", "field"):
            if key in value:
                return key
        return None
    if isinstance(value, BaseModel):
        return {
            AllCondition: "all",
            AnyCondition: "any",
            NotCondition: "not",
            FieldCondition: "field",
        }.get(type(value))
    return None


Condition = Annotated[
    Annotated[FieldCondition, Tag("field")]
    | Annotated[AllCondition, Tag("all")]
    | Annotated[AnyCondition, Tag("any")]
    | Annotated[NotCondition, Tag("not")],
    Discriminator(
        _condition_kind,
        custom_error_type="condition",
        custom_error_message="a condition needs one of the keys 'field', 'all', 'any' or 'not'",
    ),
]


AllCondition.model_rebuild()
AnyCondition.model_rebuild()
NotCondition.model_rebuild()


def condition_fields(condition: Condition | None) -> Iterator[str]:
    if condition is None:
        return
    if isinstance(condition, FieldCondition):
        yield condition.field
    elif isinstance(condition, AllCondition):
        for part in condition.all:
            yield from condition_fields(part)
    elif isinstance(condition, AnyCondition):
        for part in condition.any:
            yield from condition_fields(part)
    else:
        yield from condition_fields(condition.not_)


# --- Fields, steps, form --------------------------------------------------------------------


# The field types whose answer is one (or several) of the definition's `options`.
OPTION_TYPES = {"choice", "select", "multi_choice"}


class Option(Strict):
    value: str = Field(pattern=r"^[a-z0-9_-]+$")
    label: Text
    hint: Text | None = None


class Repeat(Strict):
    min: int = Field(default=1, ge=0)
    max: int = Field(default=10, ge=1, le=50)
    item_label: Text
    add_label: Text
    remove_label: Text

    @model_validator(mode="after")
    def min_not_above_max(self) -> Repeat:
        if self.min > self.max:
            raise ValueError("'min' must not be larger than 'max'")
        return self


class FieldDef(Strict):
    id: str = Field(pattern=IDENT, max_length=60)
    type: str
    label: Text | None = None
    help: Text | None = None
    text: Text | None = None
    required: bool = True
    required_if: Condition | None = None
    show_if: Condition | None = None
    sensitive: bool = False
    options: list[Option] | None = None
    min: Decimal | None = None
    max: Decimal | None = None
    min_date: str | None = None
    max_date: str | None = None
    # A field of the same type (date or time) further up, or on an earlier step, this one
    # must not be before: the last day of a period is never before its first.
    not_before: str | None = Field(default=None, pattern=IDENT)
    # With `not_before` on a date: the longest period from that date to this one, both counted.
    max_days: int | None = Field(default=None, ge=1, le=3660)
    # The earliest and latest time of day a time field takes, "HH:MM" (24 hours).
    min_time: str | None = Field(default=None, pattern=TIME_OF_DAY)
    max_time: str | None = Field(default=None, pattern=TIME_OF_DAY)
    max_length: int | None = Field(default=None, ge=1, le=10000)
    min_length: int | None = Field(default=None, ge=1, le=10000)
    # A regular expression the whole text must match, with the message shown when it does not.
    pattern: str | None = Field(default=None, min_length=1, max_length=500)
    pattern_message: Text | None = None
    # The keyboard a phone shows for a text field (HTML inputmode).
    inputmode: Literal["text", "numeric", "decimal", "tel", "email", "url"] | None = None
    accept: list[Literal["pdf", "jpeg", "png"]] | None = None
    max_size_mb: int = Field(default=10, ge=1, le=25)
    # The smallest image a file field accepts, in pixels (a photo a clerk can use).
    min_width_px: int | None = Field(default=None, ge=1, le=20000)
    min_height_px: int | None = Field(default=None, ge=1, le=20000)
    # An address that must lie in the town (settings.RATHAUS_TOWN_POSTCODES), and whom to turn
    # to instead when it does not.
    in_town: bool = False
    outside_town: Text | None = None
    # Once-only: what the field takes from the signed-in identity (forms/prefill.py),
    # and whether the citizen may change a verified value (by default it is read-only).
    identity_attribute: str | None = None
    identity_editable: bool = False
    autocomplete: str | None = None
    fields: list[FieldDef] | None = None
    repeat: Repeat | None = None

    @field_validator("type")
    @classmethod
    def known_type(cls, value: str) -> str:
        from rathaus.forms.fields.registry import field_types

        if value != "group" and value not in field_types:
            known = ", ".join(["group", *field_types.keys()])
            raise ValueError(f"unknown field type {value!r} (known: {known})")
        return value

    @field_validator("min_date", "max_date")
    @classmethod
    def date_bound(cls, value: str | None) -> str | None:
        if value is not None and not RELATIVE_DATE.match(value):
            raise ValueError("a date bound is 'today', 'today+N', 'today-N' or 'YYYY-MM-DD'")
        return value

    @model_validator(mode="after")
    def shape_fits_type(self) -> FieldDef:
        if self.type == "group":
            if not self.fields:
                raise ValueError("a group needs 'fields'")
            if any(child.type == "group" for child in self.fields):
                raise ValueError("groups cannot be nested")
        else:
            if self.fields is not None or self.repeat is not None:
                raise ValueError("only a group may have 'fields' or 'repeat'")
        if self.type in OPTION_TYPES and not self.options:
            raise ValueError(f"a {self.type} field needs 'options'")
        if self.type not in OPTION_TYPES and self.options is not None:
            raise ValueError("only choice, select and multi_choice fields have 'options'")
        if self.options is not None:
            values = [option.value for option in self.options]
            if len(set(values)) != len(values):
                raise ValueError("an option value is given twice")
        if self.type != "info" and self.label is None:
            raise ValueError("a field needs a 'label'")
        if self.type in {"info", "declaration"} and self.text is None:
            raise ValueError(f"a {self.type} field needs a 'text'")
        if self.identity_attribute is not None:
            from rathaus.forms.prefill import FIELD_TYPES

            wanted = FIELD_TYPES.get(self.identity_attribute)
            if wanted is None:
                known = ", ".join(FIELD_TYPES)
                raise ValueError(
                    f"unknown identity_attribute {self.identity_attribute!r} (known: {known})"
                )
            if self.type != wanted:
                raise ValueError(
                    f"identity_attribute {self.identity_attribute!r} needs a field of type "
                    f"{wanted!r}, not {self.type!r}"
                )
        if self.identity_editable and self.identity_attribute is None:
            raise ValueError("'identity_editable' needs an 'identity_attribute'")
        self._constraints_fit_type()
        return self

    def _constraints_fit_type(self) -> None:
        text_like = {"text", "long_text"}
        for name in ("min_length", "pattern", "pattern_message", "inputmode"):
            if getattr(self, name) is not None and self.type not in text_like:
                raise ValueError(f"only text and long_text fields have {name!r}")
        if self.min_length is not None and self.max_length is not None and (
                self.min_length > self.max_length):
            raise ValueError("'min_length' must not be larger than 'max_length'")
        if (self.pattern is None) != (self.pattern_message is None):
            raise ValueError("'pattern' and 'pattern_message' go together")
        if self.pattern is not None:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise ValueError(f"'pattern' is not a valid regular expression: {exc}") from exc
        if self.not_before is not None and self.type not in {"date", "time"}:
            raise ValueError("only date and time fields have 'not_before'")
        if self.max_days is not None and (self.type != "date" or self.not_before is None):
            raise ValueError("'max_days' needs a date field with 'not_before'")
        for name in ("min_date", "max_date"):
            if getattr(self, name) is not None and self.type != "date":
                raise ValueError(f"only date fields have {name!r}")
        for name in ("min_time", "max_time"):
            if getattr(self, name) is not None and self.type != "time":
                raise ValueError(f"only time fields have {name!r}")
        if self.min_time is not None and self.max_time is not None and (
                self.min_time > self.max_time):
            raise ValueError("'min_time' must not be later than 'max_time'")
        for name in ("min_width_px", "min_height_px"):
            if getattr(self, name) is not None and self.type != "file":
                raise ValueError(f"only file fields have {name!r}")
        if (self.min_width_px is None) != (self.min_height_px is None):
            raise ValueError("'min_width_px' and 'min_height_px' go together")
        if self.min_width_px is not None and (
                self.accept is None or not set(self.accept) <= {"jpeg", "png"}):
            raise ValueError("a minimum image size needs 'accept' limited to jpeg and png")
        for name in ("in_town", "outside_town"):
            if getattr(self, name) not in (None, False) and self.type != "address":
                raise ValueError(f"only address fields have {name!r}")
        if self.outside_town is not None and not self.in_town:
            raise ValueError("'outside_town' needs 'in_town: true'")

    @property
    def is_group(self) -> bool:
        return self.type == "group"

    @property
    def repeatable(self) -> bool:
        return self.repeat is not None


class Stop(Strict):
    """An exit page: when the condition holds after a step, the application cannot go on."""

    when: Condition
    title: Text
    message: Text


class StepDef(Strict):
    id: str = Field(pattern=IDENT, max_length=60)
    title: Text
    intro: Text | None = None
    fields: list[FieldDef] = Field(min_length=1)
    skip_if: Condition | None = None
    stops: list[Stop] = []


class DateRange(Strict):
    """Two date fields: the first and the last day of a period, both counted."""

    from_: str = Field(alias="from", pattern=IDENT)
    to: str = Field(pattern=IDENT)


class DaysFactor(Strict):
    """A fee factor: the number of days from one date field to another, both included."""

    days: DateRange


class FieldFactor(Strict):
    """A fee factor: a number field's value or a repeated group's item count, with its unit."""

    field: str = Field(pattern=IDENT)
    # How the calculation names the count: "15 m", "2 Exemplare"; without it a bare number.
    unit: Text | None = None


FeeFactor = Annotated[str, Field(pattern=IDENT)] | DaysFactor | FieldFactor


class FeeItem(Strict):
    """A fee line: amount, times each factor (a number field, a group's items, days of a range)."""

    label: Text
    amount: Decimal = Field(ge=0, decimal_places=2)
    # One factor, or several that are multiplied ("per metre and day").
    per: FeeFactor | list[FeeFactor] | None = None
    when: Condition | None = None

    @field_validator("per")
    @classmethod
    def factors_given(cls, value: Any) -> Any:
        if isinstance(value, list) and not 1 <= len(value) <= 3:
            raise ValueError("'per' lists one to three factors")
        return value

    @property
    def factors(self) -> list[DaysFactor | FieldFactor]:
        """Return the factors of `per`, a bare field id as a factor without unit."""
        given = [] if self.per is None else self.per if isinstance(self.per, list) else [self.per]
        return [FieldFactor(field=factor) if isinstance(factor, str) else factor
                for factor in given]


class FormDef(Strict):
    steps: list[StepDef] = Field(min_length=1)
    fees: list[FeeItem] = []
    # The e-mail field whose address receives the confirmation with the receipt.
    confirmation_email: str | None = Field(default=None, pattern=IDENT)

    def iter_fields(self) -> Iterator[tuple[StepDef, FieldDef | None, FieldDef]]:
        """Yield (step, group or None, field) for every field, groups included."""
        for step in self.steps:
            for field in step.fields:
                yield step, None, field
                for child in field.fields or []:
                    yield step, field, child

    def field(self, field_id: str) -> FieldDef:
        for _step, _group, field in self.iter_fields():
            if field.id == field_id:
                return field
        raise KeyError(field_id)

    def _located_fields(self) -> Iterator[tuple[str, FieldDef, FieldDef | None]]:
        """Yield (path inside the form, field, its group) for every field, groups included."""
        for s_index, step in enumerate(self.steps):
            for f_index, field in enumerate(step.fields):
                path = f"steps[{s_index}].fields[{f_index}]"
                yield path, field, None
                for c_index, child in enumerate(field.fields or []):
                    yield f"{path}.fields[{c_index}]", child, field

    @model_validator(mode="after")
    def references_resolve(self) -> FormDef:
        # Messages start with the path inside `form`, so an editor finds the place in the file.
        seen: dict[str, FieldDef] = {}
        groups: dict[str, FieldDef | None] = {}
        step_ids: set[str] = set()
        for index, step in enumerate(self.steps):
            if step.id in step_ids or step.id == "check":
                raise ValueError(
                    f"steps[{index}].id: step id {step.id!r} is used twice or reserved"
                )
            step_ids.add(step.id)
        order: dict[str, int] = {}
        for path, field, group in self._located_fields():
            order.setdefault(field.id, len(order))
            if field.id in seen:
                raise ValueError(
                    f"{path}.id: field id {field.id!r} is used twice (ids are unique per form)"
                )
            seen[field.id] = field
            groups[field.id] = group
        for path, field, group in self._located_fields():
            if field.identity_attribute is not None and group is not None and group.repeatable:
                raise ValueError(
                    f"{path}.identity_attribute: not possible inside a repeated group "
                    f"({group.id!r})"
                )
            if field.not_before is not None:
                earlier = seen.get(field.not_before)
                if earlier is None or earlier.type != field.type or (
                        order[field.not_before] >= order[field.id]):
                    raise ValueError(f"{path}.not_before: must name a {field.type} field "
                                     f"further up, not {field.not_before!r}")
                if groups.get(field.not_before) is not group:
                    raise ValueError(f"{path}.not_before: {field.not_before!r} must be in the "
                                     "same group as this field, or both outside any")
            for key, condition in (("show_if", field.show_if), ("required_if", field.required_if)):
                for ref in condition_fields(condition):
                    if ref not in seen:
                        raise ValueError(f"{path}.{key}: refers to unknown field {ref!r}")
                    # Checked as the page is read from the top: an answer further down, or on
                    # a later step, is not known yet when this field is.
                    if order[ref] >= order[field.id]:
                        raise ValueError(
                            f"{path}.{key}: refers to {ref!r}, which comes after this field; "
                            "refer to an earlier field of this step or to an earlier step"
                        )
        for index, step in enumerate(self.steps):
            located = [(f"steps[{index}].skip_if", step.skip_if)] + [
                (f"steps[{index}].stops[{n}].when", stop.when) for n, stop in enumerate(step.stops)
            ]
            for path, condition in located:
                for ref in condition_fields(condition):
                    if ref not in seen:
                        raise ValueError(f"{path}: refers to unknown field {ref!r}")
        if self.confirmation_email is not None:
            target = seen.get(self.confirmation_email)
            if target is None or target.type != "email":
                raise ValueError(
                    f"confirmation_email: must name an e-mail field, not "
                    f"{self.confirmation_email!r}"
                )
            group = groups.get(self.confirmation_email)
            if group is not None and group.repeatable:
                raise ValueError(
                    "confirmation_email: must not be inside a repeated group "
                    f"({group.id!r})"
                )
        for index, item in enumerate(self.fees):
            for f_index, factor in enumerate(item.factors):
                where = f"fees[{index}].per" + (f"[{f_index}]" if isinstance(item.per, list)
                                                else "")
                _check_factor(factor, seen, groups, where)
            for ref in condition_fields(item.when):
                if ref not in seen:
                    raise ValueError(f"fees[{index}].when: refers to unknown field {ref!r}")
        return self


def _check_factor(factor: DaysFactor | FieldFactor, seen: dict[str, FieldDef],
                  groups: dict[str, FieldDef | None], where: str) -> None:
    """Refuse a fee factor that names no field the answers hold a count or a date in."""
    if isinstance(factor, FieldFactor):
        target = seen.get(factor.field)
        if target is None or not (
            target.type == "number" or (target.is_group and target.repeatable)
        ):
            raise ValueError(f"{where}: must name a number field or a repeated group, "
                             f"not {factor.field!r}")
        names = [factor.field]
    else:
        names = [factor.days.from_, factor.days.to]
        for name in names:
            target = seen.get(name)
            if target is None or target.type != "date":
                raise ValueError(f"{where}.days: must name two date fields, not {name!r}")
        if names[0] == names[1]:
            raise ValueError(f"{where}.days: 'from' and 'to' must be two fields")
    for name in names:
        group = groups.get(name)
        if group is not None and group.repeatable:
            raise ValueError(f"{where}: {name!r} is inside a repeated group ({group.id!r}); "
                             "a fee counts answers given once")


PaymentPolicy = Literal["none", "before_submit", "with_notice", "optional"]
PaymentMethod = Literal["online", "transfer", "direct_debit"]
_KASSENZEICHEN_NAMES = {"year", "number"}


class PaymentDef(Strict):
    """How the fee of an application is paid (docs/service-definitions.md, "payment").

    ``before_submit``: the fee is known from the answers and paid when submitting;
    ``optional``: the citizen may pay then or later; ``with_notice``: the clerk sets the
    amount and the notice carries the payment request, nothing is paid in the application;
    ``none``: no payment through the portal.
    """

    policy: PaymentPolicy = "none"
    methods: list[PaymentMethod] = ["online", "transfer"]
    # The cash office's payment reference: "{year}" and "{number}" (with a format spec such
    # as "{number:06}") are filled in; one counter per format and year.
    kassenzeichen: str = Field(default="RH-{year}-{number:07}", min_length=3, max_length=40)
    # The cost centre (Haushaltsstelle) the cash office books the fee on.
    booking_reference: str = Field(default="", max_length=60)
    # The booking text: "{kassenzeichen}", "{reference}" (the application's) and "{service}"
    # (its short title) are filled in, then written in the SEPA character set (payments.purpose).
    purpose: str = Field(default="{kassenzeichen} {service}", min_length=1, max_length=140)

    @field_validator("methods")
    @classmethod
    def methods_distinct(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("a method is listed twice")
        return value

    @field_validator("kassenzeichen")
    @classmethod
    def kassenzeichen_format(cls, value: str) -> str:
        names = _format_names(value, allowed=_KASSENZEICHEN_NAMES, where="kassenzeichen")
        if "number" not in names:
            raise ValueError("kassenzeichen: needs '{number}', else every payment gets the same")
        if "year" not in names:
            raise ValueError("kassenzeichen: needs '{year}': the numbers start again each year")
        try:
            sample = value.format(year=2026, number=1)
        except (ValueError, TypeError) as error:
            raise ValueError(f"kassenzeichen: {error}") from None
        if len(value.format(year=2026, number=99_999_999)) > 40:
            raise ValueError("kassenzeichen: longer than 40 characters")
        if not re.fullmatch(r"[A-Z0-9][A-Z0-9/-]*", sample):
            raise ValueError("kassenzeichen: only capital letters, digits, '-' and '/', "
                             f"not {sample!r}")
        return value

    @field_validator("purpose")
    @classmethod
    def purpose_format(cls, value: str) -> str:
        _format_names(value, allowed={"kassenzeichen", "reference", "service"}, where="purpose")
        return value

    @model_validator(mode="after")
    def methods_given(self) -> PaymentDef:
        if self.policy in {"before_submit", "optional"} and not self.methods:
            raise ValueError(f"policy {self.policy!r} needs at least one of 'methods'")
        return self

    @property
    def at_submit(self) -> bool:
        """Whether a payment is opened when the application is submitted."""
        return self.policy in {"before_submit", "optional"}


def _format_names(value: str, *, allowed: set[str], where: str) -> set[str]:
    try:
        parsed = list(string.Formatter().parse(value))
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from None
    names = {name for _text, name, _spec, _conv in parsed if name is not None}
    unknown = names - allowed
    if unknown:
        raise ValueError(f"{where}: unknown placeholder(s) {sorted(unknown)}; "
                         f"allowed are {sorted(allowed)}")
    return names


class LegalBasis(Strict):
    title: Text
    url: str | None = Field(default=None, pattern=r"^https://")


class LinkOut(Strict):
    url: str = Field(pattern=r"^https://")
    authority: Text
    label: Text
    note: Text | None = None


Channel = Literal["form", "appointment", "link_out"]


class FimIds(Strict):
    """The service's entries in the FIM catalogues besides its LeiKa key (all optional).

    ``stammtext``: the id of the FIM Leistungsbeschreibung (Stammtext) as the FIM portal gives
    it; its editorial systems differ in format, so only its characters are checked.
    ``stammdatenschema``: the form's Stammdatenschema, ``S`` and 8 or 11 digits (XDatenfelder 2
    and 3), with an optional version ``V1.0`` or ``V1.0.0``. ``prozess``: the Prozessschlüssel
    of the Stammprozess, 14 digits (in FIM equal to the Leistungsschlüssel it belongs to).
    """

    stammtext: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,79}$")
    stammdatenschema: str | None = Field(
        default=None, pattern=r"^S(?:\d{8}|\d{11})(?:V\d+\.\d+(?:\.\d+)?)?$")
    prozess: str | None = Field(default=None, pattern=r"^\d{14}$")


class ServiceDef(Strict):
    slug: str = Field(pattern=SLUG, max_length=80)
    leika: str | None = Field(default=None, pattern=r"^\d{14}$")
    fim: FimIds | None = None
    title: Text
    summary: Text
    description: Text
    department: str = Field(pattern=SLUG)
    category: str = Field(pattern=SLUG)
    life_situations: list[str] = []
    keywords: list[str] = []
    # What the citizen sends: an application ("Antrag", the default) or a report ("Meldung");
    # it names the submit button, the confirmation page and the e-mail.
    kind: ServiceKind = "application"
    trust_level: Literal["none", "basic", "substantial", "high"] = "none"
    trust_reason: Text | None = None
    who_may_apply: Text
    documents: list[Text] = []
    fees: Text
    processing_time: Text
    legal_basis: list[LegalBasis] = []
    channels: list[Channel] = Field(min_length=1)
    link_out: LinkOut | None = None
    appointment_note: Text | None = None
    # The slug of the appointment calendar citizens book for this service, if it has one.
    appointment_calendar: str | None = Field(default=None, pattern=SLUG, max_length=50)
    retention_days: int = Field(default=365 * 3, ge=30, le=365 * 50)
    form: FormDef | None = None
    # The cases' transitions and processing days; without it the default workflow applies.
    workflow: WorkflowDef | None = None
    # How the fee is paid; without it nothing is paid through the portal.
    payment: PaymentDef = PaymentDef()

    @property
    def required_trust_level(self) -> TrustLevel:
        return TrustLevel.from_name(self.trust_level)

    @model_validator(mode="after")
    def channels_complete(self) -> ServiceDef:
        if "form" in self.channels and self.form is None:
            raise ValueError("the channel 'form' needs a 'form'")
        if "form" not in self.channels and self.form is not None:
            raise ValueError("a 'form' is given but 'form' is not among the channels")
        if "link_out" in self.channels and self.link_out is None:
            raise ValueError("the channel 'link_out' needs a 'link_out'")
        if self.appointment_calendar is not None and "appointment" not in self.channels:
            raise ValueError("an 'appointment_calendar' needs 'appointment' among the channels")
        if self.trust_level != "none" and self.trust_reason is None:
            raise ValueError("a service that needs sign-in must say why in 'trust_reason'")
        if self.payment.at_submit and (self.form is None or not self.form.fees):
            raise ValueError(f"payment.policy {self.payment.policy!r} needs fees in the form")
        if "direct_debit" in self.payment.methods and not (
            self.form is not None
            and any(field.type == "iban" for _step, _group, field in self.form.iter_fields())
        ):
            raise ValueError("payment.methods: 'direct_debit' needs an IBAN field in the form "
                             "(the mandate)")
        return self


ServiceKind = Literal["application", "report"]


class Department(Strict):
    slug: str = Field(pattern=SLUG)
    name: Text
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    # Where notices of new applications go; "" for none; absent: as set in the admin.
    notify_email: str | None = Field(default=None, pattern=r"^([^@\s]+@[^@\s]+)?$")


class Category(Strict):
    slug: str = Field(pattern=SLUG)
    title: Text
    description: Text


class LifeSituation(Strict):
    slug: str = Field(pattern=SLUG)
    title: Text


class OfflineNeed(Strict):
    """Something citizens look for that is not online yet: what to do instead, whom to ask.

    Search shows it when a query matches its title or keywords, so that "Wohngeld" gets an
    honest answer instead of nothing. The contact is a department of the catalog or a named
    office, reachable by e-mail, phone, another authority's online service or an appointment.
    """

    slug: str = Field(pattern=SLUG, max_length=80)
    title: Text
    keywords: list[str] = Field(min_length=1)
    message: Text
    category: str | None = Field(default=None, pattern=SLUG)
    department: str | None = Field(default=None, pattern=SLUG)
    contact: Text | None = None
    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+$")
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9][0-9 ()/-]{4,30}$")
    link_out: LinkOut | None = None
    appointment_calendar: str | None = Field(default=None, pattern=SLUG, max_length=50)

    @model_validator(mode="after")
    def contact_given(self) -> OfflineNeed:
        if self.department is None and self.contact is None:
            raise ValueError("an offline need names whom to contact: 'department' or 'contact'")
        if self.department is None and not (
            self.email or self.phone or self.link_out or self.appointment_calendar
        ):
            raise ValueError(
                "an offline need without 'department' needs 'email', 'phone', 'link_out' or "
                "'appointment_calendar'"
            )
        return self


class CatalogDef(Strict):
    departments: list[Department] = Field(min_length=1)
    categories: list[Category] = Field(min_length=1)
    life_situations: list[LifeSituation] = []
    # Needs without an online service yet, with whom to contact (shown by search).
    offline_needs: list[OfflineNeed] = []

    @model_validator(mode="after")
    def slugs_unique(self) -> CatalogDef:
        for name in ("departments", "categories", "life_situations", "offline_needs"):
            seen: set[str] = set()
            for index, item in enumerate(getattr(self, name)):
                if item.slug in seen:
                    raise ValueError(f"{name}[{index}].slug: {item.slug!r} is used twice")
                seen.add(item.slug)
        return self
