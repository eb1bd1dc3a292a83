"""Input of the cash office's pages: validation only; the rules are rathaus.payments'."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rathaus.payments.models import PaymentState
from rathaus.payments.selectors import PaymentFilters

DATE_ERROR = _("Enter the date as DD.MM.YYYY or YYYY-MM-DD.")
DAY_CHOICES = [("created", _("Day created")), ("paid", _("Day booked (paid)"))]


def _date(label: Any) -> forms.DateField:
    return forms.DateField(label=label, required=False, input_formats=["%Y-%m-%d", "%d.%m.%Y"],
                           widget=forms.DateInput(attrs={"type": "date"}),
                           error_messages={"invalid": DATE_ERROR})


class PaymentFilterForm(forms.Form):
    """The GET form above the cash office's payment list; invalid parts are named and left out."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100,
                        help_text=_("Kassenzeichen, reference of the application or booking "
                                    "text"))
    state = forms.MultipleChoiceField(label=_("State"), required=False,
                                      choices=PaymentState.choices,
                                      widget=forms.CheckboxSelectMultiple)
    method = forms.ChoiceField(label=_("Method"), required=False)
    service = forms.TypedChoiceField(label=_("Service"), required=False, coerce=int,
                                     empty_value=None)
    day = forms.ChoiceField(label=_("Dates refer to"), required=False, choices=DAY_CHOICES)
    date_from = _date(_("From"))
    date_to = _date(_("Until"))

    def __init__(self, *args: Any, methods: list[tuple[str, str]],
                 services: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        method_field = self.fields["method"]
        assert isinstance(method_field, forms.ChoiceField)
        method_field.choices = [("", _("All methods")), *methods]
        service_field = self.fields["service"]
        assert isinstance(service_field, forms.ChoiceField)
        service_field.choices = [("", _("All services")), *services]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date must not be before the start date."))
        return cleaned

    def filters(self) -> PaymentFilters:
        """The valid part of the input (after is_valid())."""
        data = getattr(self, "cleaned_data", {})
        method = data.get("method") or ""
        return PaymentFilters(
            states=tuple(data.get("state") or ()), methods=(method,) if method else (),
            service_id=data.get("service"), day=data.get("day") or "created",
            date_from=data.get("date_from"),
            date_to=data.get("date_to") if "date_to" not in self.errors else None,
            q=data.get("q") or "")


class StatementUploadForm(forms.Form):
    statement = forms.FileField(
        label=_("Account statement (camt.053, XML)"),
        help_text=_("The day's statement of the town's account as the bank delivers it, "
                    "an XML file."),
        error_messages={"required": _("Choose the statement file."),
                        "empty": _("The file is empty."),
                        "invalid": _("Choose the statement file.")})

    def __init__(self, *args: Any, max_bytes: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_bytes = max_bytes

    def clean_statement(self) -> UploadedFile[bytes]:
        upload: UploadedFile[bytes] = self.cleaned_data["statement"]
        if (upload.size or 0) > self.max_bytes:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s; a day's statement is much smaller. "
                  "Check that it is the right file.") % {"limit": filesizeformat(
                      self.max_bytes)})
        if not (upload.name or "").lower().endswith(".xml"):
            raise forms.ValidationError(_("Choose an XML file (ending in .xml): the bank "
                                          "delivers camt.053 statements as XML."))
        return upload


class AssignLineForm(forms.Form):
    kassenzeichen = forms.CharField(
        label=_("Kassenzeichen"), max_length=60,
        error_messages={"required": _("Enter the Kassenzeichen of the payment.")})
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=500)


class DismissLineForm(forms.Form):
    note = forms.CharField(
        label=_("Why is this line not booked?"), max_length=500,
        help_text=_("For example: refunded to the payer, booked in the finance system."),
        error_messages={"required": _("Say why the line is dismissed.")})


_AMOUNT = re.compile(r"^(?P<euros>\d{1,7})(?:[.,](?P<cents>\d{1,2}))?$")


class RefundForm(forms.Form):
    amount = forms.CharField(
        label=_("Amount to pay back, in euros"), max_length=12,
        help_text=_("For example 12,00. At most what was paid and not yet paid back."),
        error_messages={"required": _("Enter the amount to pay back.")})
    reason = forms.CharField(label=_("Reason (optional)"), required=False, max_length=300)
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, most_cents: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.most_cents = most_cents

    def clean_amount(self) -> int:
        text = "".join(str(self.cleaned_data["amount"]).replace("€", "").split())
        found = _AMOUNT.match(text)
        if found is None:
            raise forms.ValidationError(_("Enter the amount in euros, for example 12,00."))
        cents = int(found["euros"]) * 100 + int((found["cents"] or "0").ljust(2, "0"))
        if cents <= 0:
            raise forms.ValidationError(_("Enter an amount greater than zero."))
        if cents > self.most_cents:
            raise forms.ValidationError(
                _("At most %(most)s can be paid back.") % {
                    "most": f"{self.most_cents // 100},{self.most_cents % 100:02d} €"})
        return cents


class CollectionForm(forms.Form):
    collection_date = forms.DateField(
        label=_("Collection date"), input_formats=["%Y-%m-%d", "%d.%m.%Y"],
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The day the bank collects; a bank working day after today."),
        error_messages={"invalid": DATE_ERROR, "required": _("Enter the collection date.")})

    def clean_collection_date(self) -> dt.date:
        day: dt.date = self.cleaned_data["collection_date"]
        today = timezone.localdate()
        if day <= today:
            raise forms.ValidationError(_("The collection date must be after today."))
        if day > today + dt.timedelta(days=365):
            raise forms.ValidationError(_("The collection date must be within a year."))
        return day
