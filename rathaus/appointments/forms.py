"""What citizens type on the appointment pages, validated; nothing here writes."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import PriorityGroup

PHONE = re.compile(r"^\+?[0-9 ()/.-]{3,40}$")
NO_GROUP = "none"


@dataclass(frozen=True)
class ErrorEntry:
    """One line of the error summary: the input it links to and what is wrong."""

    input_id: str
    message: Any
    field: str = ""

    @property
    def name(self) -> str:
        """The form field the error belongs to (the input id for a single input)."""
        return self.field or self.input_id


class PersonForm(forms.Form):
    name = forms.CharField(max_length=200, error_messages={
        "required": _("Enter your name."),
        "max_length": _("Enter a name of at most 200 characters."),
    })
    email = forms.EmailField(max_length=254, error_messages={
        "required": _("Enter an e-mail address in the form name@example.de."),
        "invalid": _("Enter an e-mail address in the form name@example.de."),
        "max_length": _("Enter an e-mail address in the form name@example.de."),
    })
    phone = forms.CharField(max_length=40, required=False, error_messages={
        "max_length": _("Enter a phone number with digits only, for example 05121 301-0."),
    })

    def clean_phone(self) -> str:
        phone: str = self.cleaned_data["phone"].strip()
        if phone and not PHONE.match(phone):
            raise forms.ValidationError(
                _("Enter a phone number with digits only, for example 05121 301-0."))
        return phone

    def error_entries(self) -> list[ErrorEntry]:
        """Return the errors in the order of the fields on the page."""
        entries = []
        for name in self.fields:
            for message in self.errors.get(name, []):
                entries.append(ErrorEntry(self.input_id(name), message, name))
        return entries

    def input_id(self, name: str) -> str:
        return name


class RegistrationForm(PersonForm):
    """A person's registration for a draw: who they are, their group, the eligibility statement."""

    group = forms.ChoiceField(error_messages={
        "required": _("Choose the group you belong to, or “None of these”."),
        "invalid_choice": _("Choose the group you belong to, or “None of these”."),
    })
    eligible = forms.BooleanField(error_messages={
        "required": _("Confirm the statement to register."),
    })

    def __init__(self, *args: Any, groups: list[PriorityGroup], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.groups = {group.code: group for group in groups}
        choices = [(code, group.label) for code, group in self.groups.items()]
        self.fields["group"].choices = [*choices, (NO_GROUP, "")]  # type: ignore[attr-defined]
        if not groups:
            self.fields["group"].required = False

    def input_id(self, name: str) -> str:
        if name == "group":
            first = next(iter(self.groups), NO_GROUP)
            return f"group-{first}"
        return name

    def chosen_group(self) -> PriorityGroup | None:
        return self.groups.get(self.cleaned_data.get("group") or NO_GROUP)


def error_map(errors: list[ErrorEntry]) -> dict[str, Any]:
    """Return the first message per field, for the messages next to the inputs."""
    found: dict[str, Any] = {}
    for error in errors:
        found.setdefault(error.name, error.message)
    return found


def parse_day(text: str | None) -> dt.date | None:
    """Return the date of a ``YYYY-MM-DD`` parameter, or None for anything else."""
    if not text or len(text) != 10:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def parse_id(text: str | None) -> int | None:
    """Return a positive database id from a posted value, or None for anything else."""
    if not text or not text.isascii() or not text.isdigit() or len(text) > 18:
        return None
    return int(text)
