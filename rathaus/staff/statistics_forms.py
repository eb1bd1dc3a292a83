"""The filter of the case statistics: validation only; the counting is cases.statistics'."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rathaus.cases.statistics import MAX_MONTHS, months_between

# 2026-03 (what <input type="month"> sends) or 03.2026 / 3/2026 (what people type where the
# browser shows a plain text box).
_ISO_MONTH = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{1,2})$")
_GERMAN_MONTH = re.compile(r"^(?P<month>\d{1,2})[./](?P<year>\d{4})$")
MONTH_ERROR = _("Enter the month as YYYY-MM, for example 2026-03.")


class MonthField(forms.Field):
    """A calendar month, as its first day."""

    widget = forms.TextInput(attrs={"type": "month"})
    default_error_messages = {"invalid": MONTH_ERROR}

    def to_python(self, value: Any) -> dt.date | None:
        if isinstance(value, dt.date):
            return value.replace(day=1)
        text = str(value or "").strip()
        if not text:
            return None
        match = _ISO_MONTH.match(text) or _GERMAN_MONTH.match(text)
        if match is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        year, month = int(match["year"]), int(match["month"])
        if not (1 <= month <= 12 and 2000 <= year <= 2999):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return dt.date(year, month, 1)

    def prepare_value(self, value: Any) -> Any:
        return f"{value:%Y-%m}" if isinstance(value, dt.date) else value


class StatisticsFilterForm(forms.Form):
    """The GET form above the statistics; invalid parts are named and left out."""

    department = forms.TypedChoiceField(label=pgettext_lazy("staff", "Department"),
                                        required=False, coerce=int, empty_value=None)
    service = forms.TypedChoiceField(label=_("Service"), required=False, coerce=int,
                                     empty_value=None)
    start = MonthField(label=_("Received from (month)"), required=False)
    end = MonthField(label=_("Received until (month)"), required=False)

    def __init__(self, *args: Any, departments: list[tuple[int, str]],
                 services: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        department_field = self.fields["department"]
        assert isinstance(department_field, forms.ChoiceField)
        department_field.choices = [("", _("All your departments")), *departments]
        service_field = self.fields["service"]
        assert isinstance(service_field, forms.ChoiceField)
        service_field.choices = [("", _("All services")), *services]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start > end:
            self.add_error("end", _("The last month must not be before the first month."))
        elif start and end and len(months_between(start, end)) > MAX_MONTHS:
            self.add_error("end", _("Please choose at most %(months)s months.")
                           % {"months": MAX_MONTHS})
        return cleaned

    def value_of(self, name: str) -> Any:
        """The cleaned value of ``name``, or None where it was missing or wrong."""
        if name in self.errors:
            return None
        return getattr(self, "cleaned_data", {}).get(name)
