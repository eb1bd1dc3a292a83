"""Input of the service editor's pages: plain HTML forms read into a definition, and back.

Every input is named by the place in the definition it edits (``title.de``,
``form.fees[0].amount``), so that an error of the schema, which names the same place, lands
next to the input it is about. A page builds its inputs from the definition being edited
(``build``), reads the posted form into a copy of it (``apply``), and the whole definition is
then validated by the schema of the YAML files (rathaus.catalog.editing.validate_definition).
"""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from rathaus.catalog.editing import Problem
from rathaus.catalog.models import Category, Department, LifeSituation
from rathaus.forms.fields.registry import field_types

Data = dict[str, Any]
_TOKEN = re.compile(r"([a-z_]+)|\[(\d+)\]")

FIELD_TYPE_LABELS = {
    "text": gettext_lazy("Text (one line)"), "long_text": gettext_lazy("Long text"),
    "number": gettext_lazy("Number"), "money": gettext_lazy("Amount of money"),
    "date": gettext_lazy("Date"), "email": gettext_lazy("E-mail address"),
    "phone": gettext_lazy("Phone number"), "choice": gettext_lazy("Choice (one of several)"),
    "multi_choice": gettext_lazy("Choice (several of several)"),
    "select": gettext_lazy("Choice from a drop-down list"),
    "time": gettext_lazy("Time of day"),
    "yes_no": gettext_lazy("Yes or no"), "address": gettext_lazy("Address"),
    "person_name": gettext_lazy("Name of a person"), "iban": gettext_lazy("IBAN"),
    "file": gettext_lazy("File upload"), "info": gettext_lazy("Information text"),
    "declaration": gettext_lazy("Declaration (checkbox)"),
    "group": gettext_lazy("Group of fields"),
}
# Fields whose answer is one of their options.
OPTION_TYPES = {"choice", "select", "multi_choice"}
OPERATORS = [
    ("equals", gettext_lazy("equals")), ("not_equals", gettext_lazy("does not equal")),
    ("in", gettext_lazy("is one of (separated by commas)")),
    ("filled", gettext_lazy("is filled in")), ("empty", gettext_lazy("is not filled in")),
]


def german() -> str:
    return pgettext("language of a text", "German")


def english() -> str:
    return pgettext("language of a text", "English")


# -- places in a definition -------------------------------------------------------------------


def parse_path(path: str) -> list[str | int]:
    return [name if name else int(index) for name, index in _TOKEN.findall(path)]


def get_at(data: Any, path: str, default: Any = None) -> Any:
    node = data
    for part in parse_path(path):
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return default
    return node


def set_at(data: Data, path: str, value: Any) -> None:
    """Set the value at ``path``; ``None`` removes the key (the schema's default applies)."""
    parts = parse_path(path)
    node: Any = data
    for part, following in itertools.pairwise(parts):
        if isinstance(part, str) and part not in node:
            node[part] = [] if isinstance(following, int) else {}
        node = node[part]
    last = parts[-1]
    if value is None:
        if isinstance(last, str):
            node.pop(last, None)
    else:
        node[last] = value


def put(data: Data, original: Data, key: str, value: Any, default: Any) -> None:
    """Set ``key``, leaving it out where it was left out and stays at the schema's default.

    A save then changes only what was changed: no `kind: application` appears in the
    comparison because a page showed the default.
    """
    if value == default and key not in original:
        data.pop(key, None)
    else:
        data[key] = value


def as_before(new: Any, old: Any) -> Any:
    """Return ``new`` with texts that differ from ``old`` only in surrounding space as before.

    A text area drops the final line break of a YAML block (``|``); that is no change.
    """
    if isinstance(new, str) and isinstance(old, str):
        return old if new.strip() == old.strip() else new
    if isinstance(new, dict) and isinstance(old, dict):
        return {key: as_before(value, old.get(key)) for key, value in new.items()}
    if isinstance(new, list) and isinstance(old, list):
        if all(isinstance(item, str) for item in [*new, *old]) and sorted(new) == sorted(old):
            return old  # ticked in the page's order: the same choice
        return [as_before(value, old[index]) if index < len(old) else value
                for index, value in enumerate(new)]
    return new


def within(location: str, prefix: str) -> bool:
    return location == prefix or location.startswith((prefix + ".", prefix + "["))


# -- inputs -----------------------------------------------------------------------------------


@dataclass
class Input:
    """One input of an editor page, named by the place in the definition it edits."""

    name: str
    label: str
    kind: str = "text"  # text, textarea, checkbox, checkboxes, select, yaml
    value: Any = ""
    hint: str = ""
    choices: list[tuple[str, str]] = field(default_factory=list)
    lang: str = ""
    # The place whose errors this input shows, when it is not the name (a condition's parts).
    path: str = ""
    errors: list[str] = field(default_factory=list)
    narrow: bool = False

    @property
    def input_id(self) -> str:
        return "in-" + re.sub(r"[^A-Za-z0-9]+", "-", self.name).strip("-")

    @property
    def location(self) -> str:
        return self.path or self.name

    def take(self, posted: QueryDict) -> None:
        """Show what was posted instead of the stored value."""
        if self.kind == "checkbox":
            self.value = self.name in posted
        elif self.kind == "checkboxes":
            self.value = posted.getlist(self.name)
        else:
            self.value = posted.get(self.name, "")


@dataclass
class Group:
    """Inputs shown together (a text in both languages, one option, one fee line)."""

    legend: str
    inputs: list[Input]
    row_list: str = ""  # the list a row belongs to ("form.fees"), for the script adding rows


@dataclass
class Section:
    title: str
    groups: list[Group]
    hint: str = ""
    # The list whose rows this section shows, with the posted number of rows.
    rows_of: str = ""
    rows: int = 0


@dataclass
class Page:
    sections: list[Section]

    def inputs(self) -> Iterator[Input]:
        for section in self.sections:
            for group in section.groups:
                yield from group.inputs

    def take(self, posted: QueryDict) -> None:
        for item in self.inputs():
            item.take(posted)


class Invalid(Exception):
    """Input that cannot even be put into the definition (an amount that is no number)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(errors))
        self.errors = errors


@dataclass
class Reader:
    """Read posted inputs, collecting what cannot be read, keyed by input name."""

    posted: QueryDict
    errors: dict[str, str] = field(default_factory=dict)

    def text(self, name: str) -> str:
        return self.posted.get(name, "").replace("\r\n", "\n").strip()

    def optional(self, name: str) -> str | None:
        return self.text(name) or None

    def both(self, path: str) -> dict[str, str] | None:
        """A text in German and English; None when both are empty (one alone is an error)."""
        de, en = self.text(f"{path}.de"), self.text(f"{path}.en")
        return {"de": de, "en": en} if de or en else None

    def flag(self, name: str) -> bool:
        return name in self.posted

    def whole(self, name: str, *, optional: bool = True) -> int | None:
        value = self.text(name)
        if not value and optional:
            return None
        if not value.isdigit():
            self.errors[name] = _("Enter a whole number, for example 30.")
            return None
        return int(value)

    def number(self, name: str) -> str | None:
        value = self.text(name).replace(" ", "")
        if not value:
            return None
        try:
            return str(Decimal(value.replace(",", ".")))
        except InvalidOperation:
            self.errors[name] = _("Enter a number, for example 12 or 2,5.")
            return None

    def amount(self, name: str) -> str | None:
        """An amount in euros as "12.50": "12,50", "12,5", "12", "1.200,00" and "12.50 €"."""
        value = self.text(name).replace("€", "").replace(" ", "").replace("\xa0", "")
        if not value:
            return None
        if "," in value:
            value = value.replace(".", "").replace(",", ".")
        if not re.fullmatch(r"\d+(\.\d{1,2})?", value):
            self.errors[name] = _("Enter the amount in euros with at most two decimal places, "
                                  "for example 12,50.")
            return None
        return f"{Decimal(value):.2f}"

    def yaml(self, name: str) -> Any:
        """A value written as YAML; None when empty or not YAML (then an error is noted)."""
        text = self.text(name)
        if not text:
            return None
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError:
            self.errors[name] = _("This is not valid YAML.")
            return None

    def condition(self, path: str, types: dict[str, str]) -> Any:
        """A condition: the advanced YAML when given, else field, operator and value."""
        if self.text(f"{path}:yaml"):
            return self.yaml(f"{path}:yaml")
        target = self.text(f"{path}:field")
        if not target:
            return None
        operator = self.text(f"{path}:op") or "equals"
        if operator == "filled":
            return {"field": target, "filled": True}
        if operator == "empty":
            return {"field": target, "filled": False}
        raw = self.text(f"{path}:value")
        if operator == "in":
            return {"field": target,
                    "in": [_typed(item.strip(), types.get(target, "")) for item in raw.split(",")
                           if item.strip()]}
        if operator not in {"equals", "not_equals"}:
            operator = "equals"
        return {"field": target, operator: _typed(raw, types.get(target, ""))}

    def check(self) -> None:
        if self.errors:
            raise Invalid(self.errors)


YES = {"ja", "yes", "true", "wahr"}
NO = {"nein", "no", "false", "falsch"}


def _typed(raw: str, field_type: str) -> Any:
    """A condition's value as the answer of the field is stored (True for "ja" on yes/no)."""
    if field_type in {"yes_no", "declaration"}:
        if raw.lower() in YES:
            return True
        if raw.lower() in NO:
            return False
    if field_type == "number" and re.fullmatch(r"-?\d+", raw):
        return int(raw)
    return raw


def _shown(value: Any) -> str:
    if value is True:
        return "ja"
    if value is False:
        return "nein"
    return "" if value is None else str(value)


def text_pair(path: str, label: str, data: Data, *, long: bool = False, hint: str = "") -> Group:
    kind = "textarea" if long else "text"
    return Group(label, [
        Input(f"{path}.de", _("%(what)s (German)") % {"what": label}, kind,
              get_at(data, f"{path}.de", ""), lang="de", hint=hint),
        Input(f"{path}.en", _("%(what)s (English)") % {"what": label}, kind,
              get_at(data, f"{path}.en", ""), lang="en"),
    ])


def condition_group(path: str, legend: str, data: Data, field_ids: list[str]) -> Group:
    """Field, operator and value for the common case; YAML for nested all/any/not."""
    stored = get_at(data, path)
    simple = isinstance(stored, dict) and "field" in stored and len(stored) == 2
    operator, value = "equals", ""
    if simple:
        assert isinstance(stored, dict)
        key = next(name for name in stored if name != "field")
        operator, value = key, stored[key]
        if key == "filled":
            operator = "filled" if value else "empty"
            value = ""
        elif key == "in":
            value = ", ".join(_shown(item) for item in value or [])
    return Group(legend, [
        Input(f"{path}:field", _("Field"), "select", stored.get("field", "") if simple else "",
              choices=[("", _("(no condition)")), *((fid, fid) for fid in field_ids)],
              path=path),
        Input(f"{path}:op", _("Operator"), "select", operator,
              choices=[(key, str(label)) for key, label in OPERATORS]),
        Input(f"{path}:value", _("Value"), value=_shown(value),
              hint=_("For yes/no fields: ja or nein; for choices: the value of the option.")),
        Input(f"{path}:yaml", _("Advanced: the condition as YAML"), "yaml", path=path,
              value="" if simple or stored is None else yaml.safe_dump(
                  stored, allow_unicode=True, sort_keys=False).strip(),
              hint=_("For conditions combined with all, any or not, as in the service "
                     "files; takes precedence over the fields above.")),
    ])


def field_ids(data: Data) -> list[str]:
    return [item["id"] for _path, item in located_fields(data)]


def field_type_of(data: Data) -> dict[str, str]:
    return {item["id"]: item.get("type", "") for _path, item in located_fields(data)}


def located_fields(data: Data) -> Iterator[tuple[str, Data]]:
    """Yield (path, field) for every field of the form, the fields of groups included."""
    for s_index, step in enumerate(get_at(data, "form.steps", []) or []):
        for f_index, item in enumerate(step.get("fields") or []):
            path = f"form.steps[{s_index}].fields[{f_index}]"
            yield path, item
            for c_index, child in enumerate(item.get("fields") or []):
                yield f"{path}.fields[{c_index}]", child


def find_field(data: Data, field_id: str) -> str | None:
    return next((path for path, item in located_fields(data) if item.get("id") == field_id),
                None)


def find_step(data: Data, step_id: str) -> int | None:
    steps = get_at(data, "form.steps", []) or []
    return next((index for index, step in enumerate(steps) if step.get("id") == step_id), None)


def _rows(posted: QueryDict | None, path: str, stored: int, extra: int) -> int:
    if posted is not None:
        value = posted.get(f"rows:{path}", "")
        if value.isdigit():
            return min(int(value) + (3 if posted.get("action") == "rows" else 0), 200)
    return stored + extra


def _kept_rows(reader: Reader, path: str, names: list[str],
               read: Callable[[str], Data | None]) -> tuple[list[Data], dict[str, str]]:
    """Read the rows of a list, leaving out empty ones; map new places to posted ones."""
    count = _rows(reader.posted, path, 0, 0)
    items: list[Data] = []
    renames: dict[str, str] = {}
    for index in range(count):
        row = f"{path}[{index}]"
        if not any(reader.text(f"{row}.{name}") for name in names):
            continue
        item = read(row)
        if item is not None:
            renames[f"{path}[{len(items)}]"] = row
            items.append(item)
    return items, renames


# -- the pages ---------------------------------------------------------------------------------

TEXTS = [("title", gettext_lazy("Title"), False), ("summary", gettext_lazy("Summary"), True),
         ("description", gettext_lazy("Description"), True),
         ("who_may_apply", gettext_lazy("Who may apply"), True),
         ("processing_time", gettext_lazy("Processing time"), False)]


def texts_page(data: Data, posted: QueryDict | None = None) -> Page:
    documents = get_at(data, "documents", []) or []
    rows = _rows(posted, "documents", len(documents), 2)
    legal = get_at(data, "legal_basis", []) or []
    legal_rows = _rows(posted, "legal_basis", len(legal), 1)
    return Page([
        Section(_("Texts"), [text_pair(key, str(label), data, long=long)
                             for key, label, long in TEXTS]),
        Section(_("Documents"), [
            Group(_("Document %(number)s") % {"number": index + 1}, [
                Input(f"documents[{index}].de", german(), "text",
                      get_at(data, f"documents[{index}].de", ""), lang="de"),
                Input(f"documents[{index}].en", english(), "text",
                      get_at(data, f"documents[{index}].en", ""), lang="en"),
            ], row_list="documents") for index in range(rows)
        ], hint=_("Empty rows are left out."), rows_of="documents", rows=rows),
        Section(_("Legal basis"), [
            Group(_("Legal basis %(number)s") % {"number": index + 1}, [
                Input(f"legal_basis[{index}].title.de", german(), "text",
                      get_at(data, f"legal_basis[{index}].title.de", ""), lang="de"),
                Input(f"legal_basis[{index}].title.en", english(), "text",
                      get_at(data, f"legal_basis[{index}].title.en", ""), lang="en"),
                Input(f"legal_basis[{index}].url", _("Web address (https://…)"), "text",
                      get_at(data, f"legal_basis[{index}].url", "") or ""),
            ], row_list="legal_basis") for index in range(legal_rows)
        ], hint=_("Empty rows are left out."), rows_of="legal_basis", rows=legal_rows),
    ])


def apply_texts(data: Data, posted: QueryDict) -> tuple[Data, dict[str, str]]:
    reader = Reader(posted)
    edited = copy.deepcopy(data)
    for key, _label, _long in TEXTS:
        edited[key] = reader.both(key) or {"de": "", "en": ""}
    documents, renames = _kept_rows(reader, "documents", ["de", "en"], reader.both)
    put(edited, data, "documents", documents, [])

    def legal(row: str) -> Data:
        item: Data = {"title": reader.both(f"{row}.title") or {"de": "", "en": ""}}
        if reader.text(f"{row}.url"):
            item["url"] = reader.text(f"{row}.url")
        return item

    legal_basis, more = _kept_rows(reader, "legal_basis", ["title.de", "title.en", "url"], legal)
    put(edited, data, "legal_basis", legal_basis, [])
    reader.check()
    return edited, {**renames, **more}


CHANNELS = [("form", gettext_lazy("Online form")), ("appointment", gettext_lazy("Appointment")),
            ("link_out", gettext_lazy("Online service of another authority"))]
TRUST_LEVELS = [("none", gettext_lazy("No sign-in needed")),
                ("basic", gettext_lazy("Basic (user name and password)")),
                ("substantial", gettext_lazy("Substantial (for example ELSTER)")),
                ("high", gettext_lazy("High (Online-Ausweis)"))]
KINDS = [("application", gettext_lazy("Application")), ("report", gettext_lazy("Report"))]


def settings_page(data: Data, posted: QueryDict | None = None) -> Page:
    departments = [(item.slug, item.name) for item in Department.objects.all()]
    categories = [(item.slug, item.title) for item in Category.objects.all()]
    situations = [(item.slug, item.title) for item in LifeSituation.objects.all()]
    return Page([
        Section(_("Responsibility and topic"), [Group(_("Responsibility and topic"), [
            Input("department", _("Department"), "select", data.get("department", ""),
                  choices=departments),
            Input("category", _("Topic"), "select", data.get("category", ""),
                  choices=categories),
            Input("life_situations", _("Life situations"), "checkboxes",
                  list(data.get("life_situations") or []), choices=situations),
            Input("keywords", _("Search words"), "textarea",
                  "\n".join(data.get("keywords") or []),
                  hint=_("One per line; search finds the service by them.")),
            Input("kind", _("What citizens send"), "select",
                  data.get("kind", "application"), choices=[(k, str(v)) for k, v in KINDS]),
        ])]),
        Section(_("Sign-in"), [
            Group(_("Trust level"), [Input(
                "trust_level", _("Trust level needed"), "select",
                data.get("trust_level", "none"),
                choices=[(k, str(v)) for k, v in TRUST_LEVELS])]),
            text_pair("trust_reason", _("Why the sign-in is needed"), data, long=True),
        ]),
        Section(_("Channels"), [
            Group(_("Channels"), [Input(
                "channels", _("How citizens use the service"), "checkboxes",
                list(data.get("channels") or []),
                choices=[(k, str(v)) for k, v in CHANNELS])]),
            Group(_("Appointment"), [Input(
                "appointment_calendar", _("Appointment calendar (short name)"), "text",
                data.get("appointment_calendar") or "", narrow=True)]),
            text_pair("appointment_note", _("Note on the appointment"), data, long=True),
            Group(_("Online service of another authority"), [Input(
                "link_out.url", _("Web address (https://…)"), "text",
                get_at(data, "link_out.url", "") or "")]),
            text_pair("link_out.authority", _("Authority"), data),
            text_pair("link_out.label", _("Link text"), data),
            text_pair("link_out.note", _("Note"), data, long=True),
        ]),
        *([Section(_("Online form"), [Group(_("Confirmation"), [Input(
            "form.confirmation_email", _("E-mail field that receives the confirmation"),
            "select", get_at(data, "form.confirmation_email", "") or "",
            choices=[("", _("(no confirmation by e-mail)"))] + [
                (item["id"], item["id"]) for _path, item in located_fields(data)
                if item.get("type") == "email"])])])] if data.get("form") is not None else []),
        Section(_("Retention"), [Group(_("Retention"), [Input(
            "retention_days", _("Days a case is kept after it is closed"), "text",
            str(data.get("retention_days", "")), narrow=True,
            hint=_("Empty: three years (1095 days)."))])]),
    ])


def apply_settings(data: Data, posted: QueryDict) -> tuple[Data, dict[str, str]]:
    reader = Reader(posted)
    edited = copy.deepcopy(data)
    edited["department"] = reader.text("department")
    edited["category"] = reader.text("category")
    put(edited, data, "life_situations", posted.getlist("life_situations"), [])
    put(edited, data, "keywords", [line.strip() for line in reader.text("keywords").split("\n")
                                   if line.strip()], [])
    put(edited, data, "kind", reader.text("kind") or "application", "application")
    put(edited, data, "trust_level", reader.text("trust_level") or "none", "none")
    edited["channels"] = posted.getlist("channels")
    for key in ("trust_reason", "appointment_note"):
        set_at(edited, key, reader.both(key))
    set_at(edited, "appointment_calendar", reader.optional("appointment_calendar"))
    link: Data = {}
    if reader.text("link_out.url"):
        link["url"] = reader.text("link_out.url")
    for key in ("authority", "label", "note"):
        text = reader.both(f"link_out.{key}")
        if text is not None:
            link[key] = text
    set_at(edited, "link_out", link or None)
    set_at(edited, "retention_days", reader.whole("retention_days"))
    if edited.get("form") is not None:
        set_at(edited, "form.confirmation_email", reader.optional("form.confirmation_email"))
    reader.check()
    return edited, {}


POLICIES = [("none", gettext_lazy("No payment through the portal")),
            ("before_submit", gettext_lazy("Paid when the application is submitted")),
            ("optional", gettext_lazy("Paid when submitting or later")),
            ("with_notice", gettext_lazy("The clerk sets the amount in the notice"))]
METHODS = [("online", gettext_lazy("Online")), ("transfer", gettext_lazy("Bank transfer")),
           ("direct_debit", gettext_lazy("Direct debit"))]


def _euros(value: Any) -> str:
    return "" if value in (None, "") else str(value).replace(".", ",")


def fees_page(data: Data, posted: QueryDict | None = None) -> Page:
    fees = get_at(data, "form.fees", []) or []
    rows = _rows(posted, "form.fees", len(fees), 1)
    counted = [("", _("(once)"))] + [
        (item["id"], item["id"]) for _path, item in located_fields(data)
        if item.get("type") == "number" or (item.get("type") == "group" and item.get("repeat"))]
    ids = field_ids(data)
    groups: list[Group] = [text_pair("fees", _("Fees as citizens read them"), data, long=True)]
    sections = [Section(_("Fees text"), groups,
                        hint=_("Shown on the service page; say what the lines below cost."))]
    if data.get("form") is not None:
        lines = []
        for index in range(rows):
            row = f"form.fees[{index}]"
            lines.append(Group(_("Fee line %(number)s") % {"number": index + 1}, [
                Input(f"{row}.label.de", _("Label (German)"), "text",
                      get_at(data, f"{row}.label.de", ""), lang="de"),
                Input(f"{row}.label.en", _("Label (English)"), "text",
                      get_at(data, f"{row}.label.en", ""), lang="en"),
                Input(f"{row}.amount", _("Amount in euros"), "text",
                      _euros(get_at(data, f"{row}.amount")), narrow=True,
                      hint=_("For example 12,50")),
                Input(f"{row}.per", _("Times the value of"), "select",
                      per if isinstance(per := get_at(data, f"{row}.per"), str) else "",
                      choices=counted),
                Input(f"{row}.per:yaml", _("Advanced: the factors as YAML"), "yaml",
                      path=f"{row}.per", value="" if per is None or isinstance(per, str)
                      else yaml.safe_dump(per, allow_unicode=True, sort_keys=False).strip(),
                      hint=_("Several factors multiplied, metres or days of a period, as in "
                             "the service files; takes precedence over the choice above.")),
            ], row_list="form.fees"))
            lines.append(condition_group(f"{row}.when", _("Fee line %(number)s applies when")
                                         % {"number": index + 1}, data, ids))
        sections.append(Section(_("Fee lines of the form"), lines,
                                hint=_("Added up on the check page before submitting. A line "
                                       "with empty label and amount is left out."),
                                rows_of="form.fees", rows=rows))
    sections.append(Section(_("Payment"), [Group(_("Payment"), [
        Input("payment.policy", _("When the fee is paid"), "select",
              get_at(data, "payment.policy", "none"),
              choices=[(k, str(v)) for k, v in POLICIES]),
        Input("payment.methods", _("Payment methods"), "checkboxes",
              list(get_at(data, "payment.methods", ["online", "transfer"])),
              choices=[(k, str(v)) for k, v in METHODS]),
        Input("payment.kassenzeichen", _("Kassenzeichen format"), "text",
              get_at(data, "payment.kassenzeichen", "") or "",
              hint=_("With {year} and {number}, for example GEB-{year}-{number:06}; empty: "
                     "the default.")),
        Input("payment.booking_reference", _("Cost centre (Haushaltsstelle)"), "text",
              get_at(data, "payment.booking_reference", "") or ""),
        Input("payment.purpose", _("Booking text"), "text",
              get_at(data, "payment.purpose", "") or "",
              hint=_("With {kassenzeichen}, {reference} and {service}; empty: the default.")),
    ])]))
    return Page(sections)


def apply_fees(data: Data, posted: QueryDict) -> tuple[Data, dict[str, str]]:
    reader = Reader(posted)
    edited = copy.deepcopy(data)
    edited["fees"] = reader.both("fees") or {"de": "", "en": ""}
    renames: dict[str, str] = {}
    if edited.get("form") is not None:
        types = field_type_of(data)

        def line(row: str) -> Data:
            item: Data = {"label": reader.both(f"{row}.label") or {"de": "", "en": ""},
                          "amount": reader.amount(f"{row}.amount")}
            if item["amount"] is None:
                item.pop("amount")
            factors = reader.yaml(f"{row}.per:yaml")
            if factors is not None:
                item["per"] = factors
            elif reader.text(f"{row}.per"):
                item["per"] = reader.text(f"{row}.per")
            when = reader.condition(f"{row}.when", types)
            if when is not None:
                item["when"] = when
            return item

        lines, renames = _kept_rows(reader, "form.fees", ["label.de", "label.en", "amount"],
                                    line)
        put(edited["form"], data["form"], "fees", lines, [])
    before: Data = dict(data.get("payment") or {})
    payment: Data = dict(before)
    put(payment, before, "policy", reader.text("payment.policy") or "none", "none")
    put(payment, before, "methods", posted.getlist("payment.methods"), ["online", "transfer"])
    for key in ("kassenzeichen", "booking_reference", "purpose"):
        value = reader.text(f"payment.{key}")
        if value:
            payment[key] = value
        else:
            payment.pop(key, None)
    put(edited, data, "payment", payment, {})
    reader.check()
    return edited, renames


# -- steps and fields ----------------------------------------------------------------------------

ADDABLE_TYPES = [key for key in FIELD_TYPE_LABELS if key != "group"]


def type_choices(*, groups: bool = False) -> list[tuple[str, str]]:
    """The types a new field may have; a group only directly in a step (never in a group)."""
    return [(key, str(FIELD_TYPE_LABELS.get(key, key))) for key in ADDABLE_TYPES
            if key in field_types] + ([("group", str(FIELD_TYPE_LABELS["group"]))]
                                      if groups else [])


def step_page(data: Data, index: int, posted: QueryDict | None = None) -> Page:
    path = f"form.steps[{index}]"
    return Page([Section(_("Step"), [
        Group(_("Short name"), [Input(f"{path}.id", _("ID of the step"), "text",
                                      get_at(data, f"{path}.id", ""), narrow=True,
                                      hint=_("Small letters, digits and _; part of the web "
                                             "address."))]),
        text_pair(f"{path}.title", _("Title"), data),
        text_pair(f"{path}.intro", _("Introduction"), data, long=True),
        condition_group(f"{path}.skip_if", _("Skip the step when"), data, field_ids(data)),
        Group(_("Exit pages"), [Input(
            f"{path}.stops", _("Exit pages as YAML"), "yaml",
            yaml.safe_dump(get_at(data, f"{path}.stops"), allow_unicode=True,
                           sort_keys=False, width=100)
            if get_at(data, f"{path}.stops") else "",
            hint=_("When a condition holds after this step, the application cannot go on and "
                   "the page says why: a list of entries with when, title and message, as in "
                   "the service files. Empty: none."))]),
    ])])


def apply_step(data: Data, index: int, posted: QueryDict) -> tuple[Data, dict[str, str]]:
    reader = Reader(posted)
    edited = copy.deepcopy(data)
    path = f"form.steps[{index}]"
    set_at(edited, f"{path}.id", reader.text(f"{path}.id"))
    set_at(edited, f"{path}.title", reader.both(f"{path}.title") or {"de": "", "en": ""})
    set_at(edited, f"{path}.intro", reader.both(f"{path}.intro"))
    set_at(edited, f"{path}.skip_if", reader.condition(f"{path}.skip_if", field_type_of(data)))
    stops = reader.text(f"{path}.stops")
    try:
        set_at(edited, f"{path}.stops", yaml.safe_load(stops) if stops else None)
    except yaml.YAMLError:
        reader.errors[f"{path}.stops"] = _("This is not valid YAML.")
    reader.check()
    return edited, {}


def new_step(data: Data, posted: QueryDict) -> tuple[Data, dict[str, str]]:
    """Add a step at the end with its first field (a step never has none)."""
    reader = Reader(posted)
    edited = copy.deepcopy(data)
    steps = edited.setdefault("form", {}).setdefault("steps", [])
    first: Data = {"id": reader.text("new.field_id"), "type": reader.text("new.field_type"),
                   "label": reader.both("new.field_label") or {"de": "", "en": ""}}
    steps.append({"id": reader.text("new.id"),
                  "title": reader.both("new.title") or {"de": "", "en": ""},
                  "fields": [first]})
    reader.check()
    at = f"form.steps[{len(steps) - 1}]"
    return edited, {at + ".id": "new.id", at + ".title": "new.title",
                    at + ".fields[0].id": "new.field_id",
                    at + ".fields[0].type": "new.field_type",
                    at + ".fields[0].label": "new.field_label", at: "new.field_type"}


def new_step_page(posted: QueryDict | None = None) -> Page:
    empty: Data = {}
    return Page([Section(_("Add a step"), [
        Group(_("Short name"), [Input("new.id", _("ID of the step"), "text", "", narrow=True,
                                      hint=_("Small letters, digits and _."))]),
        text_pair("new.title", _("Title"), empty),
        Group(_("First field of the step"), [
            Input("new.field_id", _("ID of the field"), "text", "", narrow=True),
            Input("new.field_type", _("Type"), "select", "text", choices=type_choices()),
        ]),
        text_pair("new.field_label", _("Label of the first field"), empty),
    ])])


def move(items: list[Any], index: int, direction: str) -> bool:
    """Move an item one place up or down; return whether it moved."""
    other = index - 1 if direction == "up" else index + 1
    if not (0 <= index < len(items) and 0 <= other < len(items)):
        return False
    items[index], items[other] = items[other], items[index]
    return True


TEXT_LIKE = {"text", "long_text"}


def field_page(data: Data, path: str, field_type: str,
               posted: QueryDict | None = None) -> Page:
    """The inputs for one field; the constraints offered are those its type may have."""
    stored: Data = get_at(data, path, {}) or {}
    ids = [fid for fid in field_ids(data) if fid != stored.get("id")]
    main = [Input(f"{path}.id", _("ID of the field"), "text", stored.get("id", ""),
                  hint=_("Small letters, digits and _; unique in the form. Keep it stable: "
                         "rules, fees and data exchange refer to it.")),
            Input(f"{path}.type", _("Type"), "select", field_type,
                  choices=type_choices() + ([("group", str(FIELD_TYPE_LABELS["group"]))]
                                            if field_type == "group" else []))]
    if field_type != "info":
        main.append(Input(f"{path}.required", _("Required"), "checkbox",
                          stored.get("required", True)))
    main.append(Input(f"{path}.sensitive", _("Sensitive (stored encrypted)"), "checkbox",
                      stored.get("sensitive", False)))
    groups = [Group(_("ID and type"), main), text_pair(f"{path}.label", _("Label"), data)]
    groups.append(text_pair(f"{path}.help", _("Help text"), data, long=True))
    if field_type in {"info", "declaration"}:
        groups.append(text_pair(f"{path}.text", _("Text"), data, long=True))
    sections = [Section(_("Field"), groups)]
    limits = _constraint_inputs(stored, path, field_type)
    if limits:
        sections.append(Section(_("Constraints"), limits))
    if field_type == "group":
        sections.extend(_group_sections(data, stored, path))
    if field_type in OPTION_TYPES:
        options = stored.get("options") or []
        rows = _rows(posted, f"{path}.options", len(options), 2)
        option_groups = []
        for index in range(rows):
            row = f"{path}.options[{index}]"
            option_groups.append(Group(_("Option %(number)s") % {"number": index + 1}, [
                Input(f"{row}.value", _("Value"), "text", get_at(data, f"{row}.value", ""),
                      narrow=True),
                Input(f"{row}.label.de", german(), "text",
                      get_at(data, f"{row}.label.de", ""), lang="de"),
                Input(f"{row}.label.en", english(), "text",
                      get_at(data, f"{row}.label.en", ""), lang="en"),
                Input(f"{row}.hint.de", _("Hint (German)"), "text",
                      get_at(data, f"{row}.hint.de", ""), lang="de"),
                Input(f"{row}.hint.en", _("Hint (English)"), "text",
                      get_at(data, f"{row}.hint.en", ""), lang="en"),
            ], row_list=f"{path}.options"))
        sections.append(Section(
            _("Options"), option_groups, rows_of=f"{path}.options", rows=rows,
            hint=_("The value is stored with the answer (small letters, digits, - and _); "
                   "rows without value and labels are left out.")))
    sections.append(Section(_("Rules"), [
        condition_group(f"{path}.show_if", _("Show the field only when"), data, ids),
        condition_group(f"{path}.required_if", _("Required only when"), data, ids),
    ]))
    return Page(sections)


def _group_sections(data: Data, stored: Data, path: str) -> list[Section]:
    """A group's repetition and, for a new group, its first field (a group is never empty)."""
    repeat: Data = stored.get("repeat") or {}
    sections = [Section(_("Repetition"), [
        Group(_("Repeated"), [
            Input(f"{path}.repeat:on", _("The citizen can give several of these"), "checkbox",
                  bool(repeat)),
            Input(f"{path}.repeat.min", _("Fewest"), "text", str(repeat.get("min", 1)),
                  narrow=True, hint=_("0: none is needed")),
            Input(f"{path}.repeat.max", _("Most"), "text", str(repeat.get("max", 10)),
                  narrow=True, hint=_("At most 50")),
        ]),
        text_pair(f"{path}.repeat.item_label", _("Name of one item, e.g. Hund"), data),
        text_pair(f"{path}.repeat.add_label", _("Button to add one, e.g. Weiteren Hund "
                                                "hinzufügen"), data),
        text_pair(f"{path}.repeat.remove_label", _("Button to remove one, e.g. Entfernen"),
                  data),
    ], hint=_("Without a tick the group is shown once; its fields are then simply grouped."))]
    if not stored.get("fields"):
        empty: Data = {}
        sections.append(Section(_("First field of the group"), [
            Group(_("ID and type"), [
                Input(f"{path}.first.id", _("ID of the field"), "text", "", narrow=True),
                Input(f"{path}.first.type", _("Type"), "select", "text",
                      choices=type_choices()),
            ]),
            text_pair(f"{path}.first.label", _("Label of the first field"), empty),
        ]))
    return sections


def _apply_group(reader: Reader, item: Data, original: Data, path: str) -> dict[str, str]:
    """Read a group's repetition and a new group's first field; return where errors go."""
    before: Data = original.get("repeat") or {}
    if reader.flag(f"{path}.repeat:on"):
        repeat: Data = dict(before)
        put(repeat, before, "min", reader.whole(f"{path}.repeat.min"), 1)
        put(repeat, before, "max", reader.whole(f"{path}.repeat.max"), 10)
        for key in ("min", "max"):
            if repeat.get(key) is None:
                repeat.pop(key, None)
        for key in ("item_label", "add_label", "remove_label"):
            repeat[key] = reader.both(f"{path}.repeat.{key}") or {"de": "", "en": ""}
        item["repeat"] = repeat
    else:
        item.pop("repeat", None)
    if f"{path}.first.id" not in reader.posted:
        return {}
    item["fields"] = [{"id": reader.text(f"{path}.first.id"),
                       "type": reader.text(f"{path}.first.type") or "text",
                       "label": reader.both(f"{path}.first.label") or {"de": "", "en": ""}}]
    return {f"{path}.fields[0].id": f"{path}.first.id",
            f"{path}.fields[0].type": f"{path}.first.type",
            f"{path}.fields[0].label": f"{path}.first.label",
            f"{path}.fields[0]": f"{path}.first.type"}


def _constraint_inputs(stored: Data, path: str, field_type: str) -> list[Group]:
    def plain(key: str, label: str, hint: str = "") -> Input:
        value = stored.get(key)
        return Input(f"{path}.{key}", label, "text", "" if value is None else
                     str(value).replace(".", ",") if key in {"min", "max"} else str(value),
                     narrow=True, hint=hint)

    groups: list[Group] = []
    if field_type in {"number", "money"}:
        groups.append(Group(_("Range"), [plain("min", _("Smallest value")),
                                         plain("max", _("Largest value"))]))
    if field_type in {"date"}:
        hint = _("today, today+N, today-N or YYYY-MM-DD")
        groups.append(Group(_("Range"), [plain("min_date", _("Earliest date"), hint),
                                         plain("max_date", _("Latest date"), hint)]))
    if field_type in {"time"}:
        hint = _("HH:MM, for example 07:30")
        groups.append(Group(_("Range"), [plain("min_time", _("Earliest time"), hint),
                                         plain("max_time", _("Latest time"), hint)]))
    if field_type in {"date", "time"}:
        groups.append(Group(_("Period"), [
            plain("not_before", _("Not before the answer of field"),
                  _("The ID of a field above, for example the first day of a period.")),
            *([plain("max_days", _("At most this many days from that field's date, both "
                                   "counted"))] if field_type == "date" else []),
        ]))
    if field_type in TEXT_LIKE:
        groups.append(Group(_("Length"), [plain("min_length", _("Fewest characters")),
                                          plain("max_length", _("Most characters"))]))
        groups.append(Group(_("Pattern"), [
            Input(f"{path}.pattern", _("Regular expression the whole text must match"), "text",
                  stored.get("pattern") or "")]))
        groups.append(Group(_("Message when the pattern does not match"), [
            Input(f"{path}.pattern_message.de", german(), "text",
                  get_at(stored, "pattern_message.de", ""), lang="de"),
            Input(f"{path}.pattern_message.en", english(), "text",
                  get_at(stored, "pattern_message.en", ""), lang="en")]))
    elif field_type not in {"info", "declaration", "yes_no", *OPTION_TYPES, "file", "date",
                            "time", "number", "money", "group"}:
        groups.append(Group(_("Length"), [plain("max_length", _("Most characters"))]))
    if field_type == "file":
        groups.append(Group(_("Files"), [
            Input(f"{path}.accept", _("File types accepted"), "checkboxes",
                  list(stored.get("accept") or []),
                  choices=[("pdf", "PDF"), ("jpeg", "JPEG"), ("png", "PNG")]),
            plain("max_size_mb", _("Largest file in MB")),
        ]))
    if field_type == "address":
        groups.append(Group(_("Address"), [
            Input(f"{path}.in_town", _("Must lie in the town"), "checkbox",
                  stored.get("in_town", False))]))
    return groups


def apply_field(data: Data, path: str, posted: QueryDict) -> tuple[Data, dict[str, str]]:
    reader = Reader(posted)
    edited = copy.deepcopy(data)
    item: Data = get_at(edited, path)
    types = field_type_of(data)
    item["id"] = reader.text(f"{path}.id")
    field_type = reader.text(f"{path}.type") or item.get("type", "text")
    item["type"] = field_type
    original: Data = get_at(data, path, {}) or {}
    if field_type == "info":
        item.pop("required", None)
    else:
        put(item, original, "required", reader.flag(f"{path}.required"), True)
    put(item, original, "sensitive", reader.flag(f"{path}.sensitive"), False)
    for key in ("label", "help", "text", "pattern_message"):
        text = reader.both(f"{path}.{key}")
        if f"{path}.{key}.de" in posted or key in item:
            set_at(item, key, text)
    for key in ("min", "max"):
        if f"{path}.{key}" in posted:
            set_at(item, key, reader.number(f"{path}.{key}"))
    for key in ("min_length", "max_length", "max_size_mb", "max_days"):
        if f"{path}.{key}" in posted:
            set_at(item, key, reader.whole(f"{path}.{key}"))
    for key in ("min_date", "max_date", "min_time", "max_time", "not_before", "pattern"):
        if f"{path}.{key}" in posted:
            set_at(item, key, reader.optional(f"{path}.{key}"))
    if f"rows:{path}.options" in posted:
        def option(row: str) -> Data:
            entry: Data = {"value": reader.text(f"{row}.value"),
                           "label": reader.both(f"{row}.label") or {"de": "", "en": ""}}
            hint = reader.both(f"{row}.hint")
            if hint is not None:
                entry["hint"] = hint
            return entry

        options, renames = _kept_rows(reader, f"{path}.options",
                                      ["value", "label.de", "label.en"], option)
        item["options"] = options
    else:
        renames = {}
    if field_type == "file":
        item["accept"] = posted.getlist(f"{path}.accept") or None
        if item["accept"] is None:
            item.pop("accept")
    if field_type == "address":
        put(item, original, "in_town", reader.flag(f"{path}.in_town"), False)
    if field_type == "group":
        renames = {**renames, **_apply_group(reader, item, original, path)}
    for key in ("show_if", "required_if"):
        set_at(item, key, reader.condition(f"{path}.{key}", types))
    reader.check()
    return edited, renames


def blank_field(field_type: str) -> Data:
    item: Data = {"id": "", "type": field_type}
    if field_type in OPTION_TYPES:
        item["options"] = []
    if field_type == "group":
        item["fields"] = []
    return item


# -- errors ---------------------------------------------------------------------------------------

_MESSAGES: list[tuple[re.Pattern[str], Any]] = [
    (re.compile(r"refers to unknown field '(?P<field>\w+)'"),
     gettext_lazy("Refers to the field “%(field)s”, which is not in the form.")),
    (re.compile(r"field id '(?P<field>\w+)' is used twice"),
     gettext_lazy("The ID “%(field)s” is already used by another field of the form.")),
    (re.compile(r"step id '(?P<field>\w+)' is used twice or reserved"),
     gettext_lazy("The ID “%(field)s” is already used by another step or is reserved.")),
    (re.compile(r"a (multi_)?choice field needs 'options'"),
     gettext_lazy("A choice needs at least one option.")),
    (re.compile(r"only choice, select and multi_choice fields have 'options'|"
                r"only choice and multi_choice fields have 'options'"),
     gettext_lazy("Only choices have options.")),
    (re.compile(r"a field needs a 'label'"), gettext_lazy("Enter the label.")),
    (re.compile(r"a \w+ field needs a 'text'"), gettext_lazy("Enter the text.")),
    (re.compile(r"must name a number field or a repeated group"),
     gettext_lazy("Choose a number field or a repeated group.")),
    (re.compile(r"needs exactly one of"), gettext_lazy("Choose exactly one operator.")),
    (re.compile(r"a condition needs one of the keys"),
     gettext_lazy("A condition needs one of the keys field, all, any or not.")),
    (re.compile(r"unknown field type"), gettext_lazy("Choose a type from the list.")),
    (re.compile(r"the channel 'form' needs a 'form'|'form' is not among the channels"),
     gettext_lazy("A service with a form needs the channel “Online form”.")),
    (re.compile(r"the channel 'link_out' needs a 'link_out'"),
     gettext_lazy("The channel “Online service of another authority” needs its web address, "
                  "authority and link text.")),
    (re.compile(r"'appointment_calendar' needs 'appointment'"),
     gettext_lazy("An appointment calendar needs the channel “Appointment”.")),
    (re.compile(r"must say why in 'trust_reason'"),
     gettext_lazy("Say why the service needs a sign-in.")),
    (re.compile(r"payment.policy .* needs fees in the form"),
     gettext_lazy("Payment when submitting needs at least one fee line.")),
    (re.compile(r"'direct_debit' needs an IBAN field"),
     gettext_lazy("Direct debit needs an IBAN field in the form.")),
    (re.compile(r"'min(_length)?' must not be larger than 'max(_length)?'"),
     gettext_lazy("The smallest value must not be larger than the largest.")),
    (re.compile(r"'pattern' and 'pattern_message' go together"),
     gettext_lazy("A pattern needs its message, in German and English.")),
    (re.compile(r"'pattern' is not a valid regular expression"),
     gettext_lazy("This is not a valid regular expression.")),
    (re.compile(r"a date bound is"),
     gettext_lazy("Enter today, today+N, today-N or a date as YYYY-MM-DD.")),
    (re.compile(r"unknown department"), gettext_lazy("Choose a department from the list.")),
    (re.compile(r"unknown category"), gettext_lazy("Choose a topic from the list.")),
    (re.compile(r"unknown life situation"),
     gettext_lazy("Choose life situations from the list.")),
    (re.compile(r"only \w+ fields have|only a group may have"),
     gettext_lazy("A field of this type cannot have this.")),
]


def message_for(problem: Problem) -> str:
    """Say in the page's language what is wrong; the schema's English text as a last resort."""
    kind, location = problem.kind, problem.location
    context = dict(problem.context)
    if kind in {"missing", "string_too_short"}:
        return _("Fill this in.")
    if kind == "too_short":
        return _("Add at least one.")
    if kind == "string_pattern_mismatch":
        if location.endswith(".value"):
            return _("Use only small letters, digits, - and _ (for example “self” or "
                     "“in_person”).")
        if location.endswith(".id") or location.endswith(".per"):
            return _("Begin with a small letter, then only small letters, digits and _ "
                     "(for example “birth_date”).")
        if location.endswith("url"):
            return _("Enter a web address beginning with https://.")
        return _("This is not in the expected form.")
    if kind == "string_too_long":
        return _("This is too long (at most %(most)s characters).") % {
            "most": context.get("max_length", "")}
    if kind in {"decimal_parsing", "decimal_type", "int_parsing", "int_type"}:
        return _("Enter a number.")
    if kind in {"greater_than_equal", "greater_than"}:
        return _("Enter at least %(least)s.") % {"least": context.get("ge", context.get("gt"))}
    if kind in {"less_than_equal", "less_than"}:
        return _("Enter at most %(most)s.") % {"most": context.get("le", context.get("lt"))}
    if kind == "decimal_max_places":
        return _("Enter at most two decimal places.")
    if kind in {"literal_error", "enum"}:
        return _("Choose one of the options.")
    if kind == "extra_forbidden":
        return _("The definition has no such entry.")
    for pattern, text in _MESSAGES:
        found = pattern.search(problem.message)
        if found:
            return str(text) % found.groupdict() if found.groupdict() else str(text)
    return _("Not accepted by the definition schema: %(detail)s") % {"detail": problem.message}
