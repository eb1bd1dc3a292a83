"""The form engine: render a step, validate it on the server, navigate, summarise answers.

Answers are a flat mapping of field id to value; a repeated group maps its id to a list of
mappings. Fields inside a non-repeated group are stored at the top level (the group is only a
fieldset). Answers to fields that are hidden, and to steps that are skipped, are never kept.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.http import QueryDict
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rathaus.core.sealing import is_sealed
from rathaus.core.templatetags.rathaus import localized
from rathaus.forms.schema import FieldDef, FormDef, StepDef, Stop, condition_fields

from .fields.base import CleanContext, FieldError, FieldType, Raw
from .fields.registry import field_types
from .prefill import Prefill, same_value
from .rules import Answers, days_between, holds, lookup


@dataclass
class BoundField:
    """A field as a template needs it: definition, HTML name, what was typed, its error."""

    field: FieldDef
    type: FieldType | None
    name: str
    raw: Raw = ""
    error: FieldError | None = None
    required: bool = True
    client_condition: str = ""
    scope: str = ""
    items: list[GroupItem] = dataclass_field(default_factory=list)
    count: int = 0
    # Offered by the signed-in identity; `verified` while the value shown is the verified one.
    prefill: Prefill | None = None
    verified: bool = False

    @property
    def readonly(self) -> bool:
        return self.prefill is not None and self.prefill.readonly

    @property
    def max_length(self) -> int | None:
        """The text length the field type accepts, for the input's maxlength."""
        limit = getattr(self.type, "max_length", None)
        return int(limit(self.field)) if callable(limit) else None

    @property
    def verified_id(self) -> str:
        return f"{self.name}-verified"

    @property
    def input_id(self) -> str:
        if self.type is None:
            return self.name
        if self.error is not None and self.error.part:
            return f"{self.name}-{self.error.part}"
        return self.type.input_id(self.name)

    @property
    def template(self) -> str:
        return self.type.template if self.type else "forms/fields/group.html"

    @property
    def error_id(self) -> str:
        return f"{self.name}-error"

    @property
    def hint_id(self) -> str:
        return f"{self.name}-hint"

    @property
    def describedby(self) -> str:
        ids = []
        if self.field.help is not None:
            ids.append(self.hint_id)
        if self.error is not None:
            ids.append(self.error_id)
        return " ".join(ids)

    @property
    def parts(self) -> list[dict[str, Any]]:
        """The text inputs of a composite field, with what was typed and which one is wrong."""
        if self.type is None:
            return []
        raw = self.raw if isinstance(self.raw, dict) else {}
        return [
            {
                "spec": spec,
                "id": f"{self.name}-{spec.key}",
                "value": raw.get(spec.key, ""),
                "error": self.error is not None and self.error.part == spec.key,
            }
            for spec in self.type.part_specs
        ]

    @property
    def can_add(self) -> bool:
        return bool(self.field.repeat and self.count < self.field.repeat.max)

    @property
    def can_remove(self) -> bool:
        return bool(self.field.repeat and self.count > self.field.repeat.min)


@dataclass
class GroupItem:
    index: int
    fields: list[BoundField]

    @property
    def number(self) -> int:
        return self.index + 1


@dataclass(frozen=True)
class ErrorEntry:
    input_id: str
    message: str


def _ids_of_step(step: StepDef) -> set[str]:
    ids: set[str] = set()
    for item in step.fields:
        ids.add(item.id)
        ids.update(child.id for child in item.fields or [])
    return ids


class StepForm:
    """One step of an application, bound to stored answers (GET) or posted data (POST)."""

    def __init__(
        self,
        *,
        form: FormDef,
        step: StepDef,
        answers: Answers,
        data: QueryDict | None = None,
        files: MultiValueDict[str, UploadedFile[bytes]] | None = None,
        ctx: CleanContext | None = None,
        group_counts: dict[str, int] | None = None,
        prefills: dict[str, Prefill] | None = None,
        kept: bool = False,
    ) -> None:
        self.form = form
        self.step = step
        self.answers = answers
        self.data = data
        self.files = files if files is not None else MultiValueDict()
        self.ctx = ctx
        self.step_ids = _ids_of_step(step)
        self.group_counts = group_counts or {}
        # Values from the identity: shown where nothing is answered yet, and, when verified
        # and read-only, always; posted changes to them are refused.
        self.prefills = prefills or {}
        # `data` are answers kept from a POST the trust gate refused: files were not taken.
        self.kept = kept
        self.refused: set[str] = set()
        self.values: dict[str, Any] = {}
        self.errors: list[ErrorEntry] = []
        self.fields: list[BoundField] = []

    # -- visibility ------------------------------------------------------------------------

    def _is_client_side(self, item: FieldDef) -> bool:
        refs = set(condition_fields(item.show_if))
        return bool(refs & self.step_ids)

    def _visible_now(self, item: FieldDef, known: Answers, scope: Answers | None) -> bool:
        return holds(item.show_if, known, scope)

    def _client_condition(self, item: FieldDef) -> str:
        if item.show_if is None or not self._is_client_side(item):
            return ""
        return json.dumps(
            item.show_if.model_dump(mode="json", by_alias=True, exclude_unset=True),
            separators=(",", ":"),
        )

    # -- binding ---------------------------------------------------------------------------

    def _raw_for(self, item: FieldDef, ftype: FieldType, name: str, stored: Answers,
                 prefill: Prefill | None = None) -> Raw:
        if prefill is not None and prefill.readonly:
            # The server never takes a verified value from the form, whatever was posted;
            # a changed one is refused with a message, a missing one is simply filled in.
            if self.data is not None:
                posted = ftype.read(item, self.data, self.files, name)
                if not ftype.is_empty(posted) and not same_value(item, posted, prefill.value):
                    self.refused.add(item.id)
            return ftype.to_raw(item, prefill.value)
        if self.data is not None and not (self.kept and ftype.key == "file"):
            return ftype.read(item, self.data, self.files, name)
        if item.id in stored:
            return ftype.to_raw(item, stored[item.id])
        if prefill is not None:
            return ftype.to_raw(item, prefill.value)
        return ftype.to_raw(item, None) if ftype.parts or ftype.key == "file" else (
            [] if ftype.key == "multi_choice" else ""
        )

    def _group_count(self, group: FieldDef) -> int:
        assert group.repeat is not None
        if group.id in self.group_counts:
            count = self.group_counts[group.id]
        elif self.data is not None:
            try:
                count = int(self.data.get(f"{group.id}-count", ""))
            except ValueError:
                count = len(self.answers.get(group.id) or [])
        else:
            count = len(self.answers.get(group.id) or [])
        # With `min: 0` a citizen may list nothing: no item until "add" is pressed.
        return min(max(count, group.repeat.min), group.repeat.max)

    def bind(self, *, validate: bool) -> bool:
        """Read every field of the step; with validate, clean it and collect errors."""
        known: dict[str, Any] = {
            key: value for key, value in self.answers.items() if key not in self.step_ids
        }
        self.values, self.errors, self.fields = {}, [], []
        self.refused = set()
        for item in self.step.fields:
            if item.is_group and item.repeat is not None:
                # Hidden by an earlier step's answer: neither shown nor asked for. Hidden by an
                # answer on this page: shown for browsers without JavaScript, never checked.
                visible = self._visible_now(item, known, None)
                if not self._is_client_side(item) and not visible:
                    continue
                self.fields.append(self._bind_repeat(item, known, validate, visible=visible))
            elif item.is_group:
                bound = BoundField(field=item, type=None, name=item.id,
                                   client_condition=self._client_condition(item))
                visible = self._visible_now(item, known, None)
                if not self._is_client_side(item) and not visible:
                    continue
                children = [
                    child_bound
                    for child in item.fields or []
                    if (child_bound := self._bind_one(child, child.id, known, None, validate,
                                                      parent_visible=visible))
                ]
                bound.items = [GroupItem(index=0, fields=children)]
                self.fields.append(bound)
            else:
                bound_or_none = self._bind_one(item, item.id, known, None, validate,
                                               parent_visible=True)
                if bound_or_none is not None:
                    self.fields.append(bound_or_none)
        return not self.errors

    def _bind_repeat(self, group: FieldDef, known: dict[str, Any], validate: bool, *,
                     visible: bool) -> BoundField:
        count = self._group_count(group)
        stored_items: list[dict[str, Any]] = list(self.answers.get(group.id) or [])
        bound = BoundField(field=group, type=None, name=group.id, count=count,
                           client_condition=self._client_condition(group))
        values: list[dict[str, Any]] = []
        for index in range(count):
            stored = stored_items[index] if index < len(stored_items) else {}
            scope: dict[str, Any] = {}
            children: list[BoundField] = []
            prefix = f"{group.id}-{index}-"
            for child in group.fields or []:
                child_bound = self._bind_one(child, prefix + child.id, known, scope, validate,
                                             parent_visible=visible, prefix=prefix,
                                             stored=stored)
                if child_bound is not None:
                    children.append(child_bound)
            bound.items.append(GroupItem(index=index, fields=children))
            values.append(scope)
        if visible:
            known[group.id] = values
            self.values[group.id] = values
        return bound

    def _bind_one(
        self,
        item: FieldDef,
        name: str,
        known: dict[str, Any],
        scope_values: dict[str, Any] | None,
        validate: bool,
        *,
        parent_visible: bool,
        prefix: str = "",
        stored: Answers | None = None,
    ) -> BoundField | None:
        ftype = field_types[item.type]
        # A group hidden now is shown only because its own condition is decided in the
        # browser: its fields are shown with it, their answers not kept.
        client_side = self._is_client_side(item) or not parent_visible
        visible = parent_visible and self._visible_now(item, known, scope_values)
        if not client_side and not visible:
            return None
        source = stored if stored is not None else self.answers
        prefill = None if prefix else self.prefills.get(item.id)
        raw = self._raw_for(item, ftype, name, source, prefill)
        required = item.required if item.required_if is None else holds(
            item.required_if, known, scope_values
        )
        # Required by an answer further up this page that is not given yet: the label does not
        # call it optional, since the server may demand it when the step is sent.
        undecided = item.required_if is not None and any(
            lookup(ref, known, scope_values) is None
            for ref in set(condition_fields(item.required_if)) & self.step_ids)
        bound = BoundField(field=item, type=ftype, name=name, raw=raw,
                           required=required or undecided,
                           client_condition=self._client_condition(item), scope=prefix,
                           prefill=prefill)
        if prefill is not None and prefill.verified:
            bound.verified = prefill.readonly or same_value(item, raw, prefill.value)
        if not ftype.has_value:
            return bound
        if validate and item.id in self.refused:
            error = FieldError(_refused_message(item))
            bound.error = error
            self.errors.append(ErrorEntry(input_id=bound.input_id, message=error.message))
        if not validate and self.ctx is None:
            return bound
        if not visible:
            return bound  # shown for browsers without JavaScript, but its answer is not kept
        value: Any = None
        try:
            if not ftype.is_empty(raw) or ftype.key == "file":
                value = ftype.clean(item, raw, self.ctx or CleanContext(today=_today()))
            if ftype.key == "declaration" and not value:
                value = None
            if value is not None and item.not_before is not None:
                _check_not_before(item, value, self.form.field(item.not_before),
                                  lookup(item.not_before, known, scope_values))
            if value is None and required:
                raise FieldError(ftype.required_message(item))
        except FieldError as error:
            if validate and bound.error is None:
                bound.error = error
                self.errors.append(ErrorEntry(input_id=bound.input_id, message=error.message))
            value = None
        if value is not None:
            target = scope_values if scope_values is not None else known
            target[item.id] = value
            if scope_values is None:
                self.values[item.id] = value
        return bound


def _check_not_before(item: FieldDef, value: str, other: FieldDef, earlier: Any) -> None:
    # ISO dates and "HH:MM" times compare as the days and times they are.
    if not isinstance(earlier, str):
        return
    if value < earlier:
        raise FieldError(_("“%(label)s” cannot be before “%(other)s” (%(date)s).") % {
            "label": localized(item.label), "other": localized(other.label),
            "date": field_types[other.type].display(other, earlier)})
    if item.max_days is not None and days_between(earlier, value) > item.max_days:
        raise FieldError(ngettext(
            "From “%(other)s” to “%(label)s” can be at most %(days)s day, both counted.",
            "From “%(other)s” to “%(label)s” can be at most %(days)s days, both counted.",
            item.max_days) % {"label": localized(item.label), "other": localized(other.label),
                              "days": item.max_days})


def _refused_message(item: FieldDef) -> str:
    return _(
        "“%(label)s” was verified by BundID and cannot be changed here. The verified value "
        "has been kept; please check it and continue."
    ) % {"label": localized(item.label)}


def _today() -> Any:
    from django.utils import timezone

    return timezone.localdate()


# -- answers across steps ----------------------------------------------------------------------


def merge_step(form: FormDef, step: StepDef, answers: Answers, values: Answers) -> dict[str, Any]:
    """Replace the step's answers with the new values, then drop everything now hidden."""
    merged = {key: value for key, value in answers.items() if key not in _ids_of_step(step)}
    merged.update(values)
    return prune(form, merged)


def prune(form: FormDef, answers: Answers) -> dict[str, Any]:
    """Drop answers of skipped steps and hidden fields until nothing changes."""
    current = dict(answers)
    while True:
        kept: dict[str, Any] = {}
        for step in form.steps:
            if step.skip_if is not None and holds(step.skip_if, current):
                continue
            for item in step.fields:
                if not holds(item.show_if, current):
                    continue
                if item.is_group and item.repeat is not None:
                    if item.id in current:
                        kept[item.id] = [
                            {
                                child.id: entry[child.id]
                                for child in item.fields or []
                                if child.id in entry and holds(child.show_if, current, entry)
                            }
                            for entry in current[item.id]
                        ]
                elif item.is_group:
                    for child in item.fields or []:
                        if child.id in current and holds(child.show_if, current):
                            kept[child.id] = current[child.id]
                elif item.id in current:
                    kept[item.id] = current[item.id]
        if kept == current:
            return kept
        current = kept


def active_steps(form: FormDef, answers: Answers) -> list[StepDef]:
    return [
        step for step in form.steps if step.skip_if is None or not holds(step.skip_if, answers)
    ]


def step_by_id(form: FormDef, step_id: str) -> StepDef | None:
    return next((step for step in form.steps if step.id == step_id), None)


def next_step(form: FormDef, answers: Answers, current: StepDef) -> StepDef | None:
    steps = active_steps(form, answers)
    ids = [step.id for step in steps]
    if current.id in ids:
        index = ids.index(current.id)
        return steps[index + 1] if index + 1 < len(steps) else None
    order = [step.id for step in form.steps]
    after = order.index(current.id)
    return next((step for step in steps if order.index(step.id) > after), None)


def previous_step(form: FormDef, answers: Answers, current: StepDef) -> StepDef | None:
    order = [step.id for step in form.steps]
    before = order.index(current.id)
    earlier = [step for step in active_steps(form, answers) if order.index(step.id) < before]
    return earlier[-1] if earlier else None


def first_incomplete(form: FormDef, answers: Answers, completed: Iterable[str]) -> StepDef | None:
    done = set(completed)
    for step in active_steps(form, answers):
        if (
            step.id not in done
            or missing_required(form, step, answers)
            or triggered_stop(step, answers) is not None
        ):
            return step
    return None


def missing_required(form: FormDef, step: StepDef, answers: Answers) -> bool:
    """Return whether a stored answer that is required now is missing (after earlier changes)."""
    for item in step.fields:
        if not holds(item.show_if, answers):
            continue
        if item.is_group and item.repeat is not None:
            for entry in answers.get(item.id) or []:
                for child in item.fields or []:
                    if _required_missing(child, answers, entry):
                        return True
        elif item.is_group:
            for child in item.fields or []:
                if _required_missing(child, answers, None):
                    return True
        elif _required_missing(item, answers, None):
            return True
    return False


def _required_missing(item: FieldDef, answers: Answers, scope: Answers | None) -> bool:
    if not field_types[item.type].has_value or not holds(item.show_if, answers, scope):
        return False
    required = item.required if item.required_if is None else holds(item.required_if, answers,
                                                                     scope)
    value = (scope if scope is not None else answers).get(item.id)
    return required and value in (None, "", [], {})


def triggered_stop(step: StepDef, answers: Answers) -> Stop | None:
    return next((stop for stop in step.stops if holds(stop.when, answers)), None)


# -- summary (check page, receipt, e-mail) ----------------------------------------------------


@dataclass(frozen=True)
class SummaryRow:
    label: str
    value: str
    field_id: str
    heading: bool = False
    sensitive: bool = False
    verified: bool = False  # taken unchanged from the identity, verified by BundID
    checked_by: str = ""  # compared with the ID card at the counter by this member of staff


@dataclass(frozen=True)
class SummarySection:
    step: StepDef
    title: str
    rows: list[SummaryRow]


def summarize(form: FormDef, answers: Answers, language: str | None = None, *,
              verified: Collection[str] = (), checked: Mapping[str, str] | None = None,
              masked: bool = False) -> list[SummarySection]:
    """Return the answers by step for the check page, the receipt and the e-mail.

    ``verified`` names the fields whose answers came verified from the identity, ``checked``
    those a member of staff compared with the ID card at the counter (with their name);
    ``masked`` shows values as a document that leaves the town may carry them (the IBAN
    shortened).
    """
    marks = _Marks(verified=verified, checked=checked or {})
    sections: list[SummarySection] = []
    for step in active_steps(form, answers):
        rows: list[SummaryRow] = []
        for item in step.fields:
            if item.is_group and item.repeat is not None:
                for index, entry in enumerate(answers.get(item.id) or []):
                    rows.append(SummaryRow(
                        label=f"{item.repeat.item_label.get_text(language)} {index + 1}",
                        value="", field_id=item.id, heading=True,
                    ))
                    rows.extend(_rows(item.fields or [], entry, language, masked=masked))
            elif item.is_group:
                rows.extend(_rows(item.fields or [], answers, language, marks, masked=masked))
            else:
                rows.extend(_rows([item], answers, language, marks, masked=masked))
        sections.append(SummarySection(step=step, title=step.title.get_text(language), rows=rows))
    return sections


@dataclass(frozen=True)
class _Marks:
    verified: Collection[str] = ()
    checked: Mapping[str, str] = dataclass_field(default_factory=dict)


def _rows(items: list[FieldDef], values: Answers, language: str | None,
          marks: _Marks | None = None, *, masked: bool = False) -> list[SummaryRow]:
    marks = marks or _Marks()
    rows = []
    for item in items:
        ftype = field_types[item.type]
        if not ftype.has_value or item.id not in values:
            continue
        label = item.label.get_text(language) if item.label else item.id
        show = ftype.display_masked if masked else ftype.display
        value = values[item.id]
        # Still sealed where nobody opened it (the admin): said so, never shown (decision 0021).
        shown = _("sealed (health data)") if is_sealed(value) else show(item, value, language)
        rows.append(SummaryRow(label=label, value=shown,
                               field_id=item.id, sensitive=item.sensitive,
                               verified=item.id in marks.verified,
                               checked_by=marks.checked.get(item.id, "")))
    return rows


def optional(form: FormDef, field_ids: Collection[str]) -> FormDef:
    """Return a copy of ``form`` in which the named fields (outside repeated groups) may be empty.

    Staff filing for a caller leave out what the caller does not have (an e-mail address),
    with the same steps, rules and checks otherwise: one definition, not a second one.
    """
    names = set(field_ids)
    if not names:
        return form

    def relax(item: FieldDef) -> FieldDef:
        if item.id in names and not item.is_group:
            # A condition stays: a service that needs the address for something (delivery by
            # e-mail) still asks for it then.
            return item.model_copy(update={"required": False})
        if item.is_group and item.repeat is None and item.fields:
            return item.model_copy(update={"fields": [relax(child) for child in item.fields]})
        return item

    steps = [step.model_copy(update={"fields": [relax(item) for item in step.fields]})
             for step in form.steps]
    return form.model_copy(update={"steps": steps})


def upload_ids(form: FormDef, answers: Answers) -> list[str]:
    """Return the ids of every upload the answers refer to."""
    found: list[str] = []
    for _step, group, item in form.iter_fields():
        if item.type != "file":
            continue
        if group is not None and group.repeat is not None:
            for entry in answers.get(group.id) or []:
                if entry.get(item.id):
                    found.append(entry[item.id]["id"])
        elif answers.get(item.id):
            found.append(answers[item.id]["id"])
    return found
