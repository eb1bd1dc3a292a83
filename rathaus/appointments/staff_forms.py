"""Input of the citizens' office pages: validation only, the writes are in services.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .agent_selectors import phone_is_plausible
from .models import PriorityGroup

DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]
# Beyond these, a lookup fails in the database (bigint, year 9999) instead of finding nothing.
MAX_ID = 2**63 - 1
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2999, 12, 31)


class DayForm(forms.Form):
    date = forms.DateField(
        label=_("Day"), input_formats=DATE_FORMATS,
        error_messages={"invalid": _("Enter a real date, for example 27.03.2026."),
                        "required": _("Enter a day.")})

    def clean_date(self) -> dt.date:
        value: dt.date = self.cleaned_data["date"]
        if not FIRST_DAY <= value <= LAST_DAY:
            raise forms.ValidationError(self.fields["date"].error_messages["invalid"])
        return value

    def day(self, default: dt.date) -> dt.date:
        """Return the chosen day, or ``default`` when none (or no valid one) was given."""
        if self.is_bound and self.is_valid():
            value: dt.date = self.cleaned_data["date"]
            return value
        return default


class CallerForm(forms.Form):
    name = forms.CharField(
        label=_("Name of the caller"), max_length=200,
        error_messages={"required": _("Enter the caller's name.")})
    phone = forms.CharField(
        label=_("Phone number"), max_length=40,
        help_text=_("So that the office can reach the caller if the appointment changes."),
        error_messages={"required": _("Enter a phone number.")})
    email = forms.EmailField(
        label=_("E-mail address"), required=False, max_length=254,
        help_text=_("If given, the caller gets the confirmation by e-mail."),
        error_messages={"invalid": _("Enter an e-mail address like name@example.org.")})

    def clean_phone(self) -> str:
        phone: str = self.cleaned_data["phone"].strip()
        if not phone_is_plausible(phone):
            raise forms.ValidationError(_("Enter a phone number, for example 05121 301-0."))
        return phone


NO_GROUP = "none"


class DrawRegistrationForm(CallerForm):
    group = forms.ChoiceField(
        label=_("Priority group"), widget=forms.RadioSelect,
        error_messages={"required": _("Choose the caller's priority group, or none."),
                        "invalid_choice": _("Choose the caller's priority group, or none.")})

    def __init__(self, *args: Any, groups: list[PriorityGroup], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.groups = {str(group.pk): group for group in groups}
        choices: list[tuple[str, Any]] = [(key, group.label) for key, group in self.groups.items()]
        group_field = self.fields["group"]
        assert isinstance(group_field, forms.ChoiceField)
        group_field.choices = [*choices, (NO_GROUP, _("None of these groups"))]
        if not groups:
            self.fields["group"].required = False

    def priority_group(self) -> PriorityGroup | None:
        return self.groups.get(self.cleaned_data.get("group") or NO_GROUP)


class MoveForm(forms.Form):
    slot = forms.IntegerField(
        label=_("New time"), min_value=1, max_value=MAX_ID,
        error_messages={"required": _("Choose the new time."),
                        "invalid": _("Choose the new time.")})
