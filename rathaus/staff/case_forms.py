"""Input of the workbasket and the case page: validation only; the rules are cases.services'."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rathaus.cases.models import CaseState, Outcome
from rathaus.cases.notice_delivery import parse_fee
from rathaus.cases.selectors import Filters
from rathaus.notices.models import NoticeKind

SORT_CHOICES = [
    ("received", _("Received, newest first")),
    ("received_asc", _("Received, oldest first")),
    ("due", _("Due date, earliest first")),
    ("reference", _("Reference")),
    ("state", _("State")),
]
DUE_CHOICES = [("", _("Any")), ("due", _("Due within 7 days")), ("overdue", _("Overdue"))]
ATTENTION_CHOICES = [("", _("Any")), ("any", _("Reply received or deadline lapsed")),
                     ("reply", _("Reply received")), ("lapsed", _("Deadline lapsed"))]
FEE_CHOICES = [("", _("Any")), ("paid", _("Paid")), ("due", _("Not paid")),
               ("none", _("No fee"))]


class WorkbasketFilterForm(forms.Form):
    """The GET form above the workbasket; invalid parts are named and left out."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200,
                        help_text=_("Reference, applicant's name or e-mail address"))
    state = forms.MultipleChoiceField(label=_("State"), required=False,
                                      choices=CaseState.choices,
                                      widget=forms.CheckboxSelectMultiple)
    service = forms.TypedChoiceField(label=_("Service"), required=False, coerce=int,
                                     empty_value=None)
    assignee = forms.ChoiceField(label=_("Assigned to"), required=False)
    due = forms.ChoiceField(label=_("Due"), required=False, choices=DUE_CHOICES)
    attention = forms.ChoiceField(label=_("Conversation"), required=False,
                                  choices=ATTENTION_CHOICES)
    fee = forms.ChoiceField(label=_("Fee"), required=False, choices=FEE_CHOICES)
    received_from = forms.DateField(
        label=_("Received from"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter the date as DD.MM.YYYY or YYYY-MM-DD.")})
    received_to = forms.DateField(
        label=_("Received until"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter the date as DD.MM.YYYY or YYYY-MM-DD.")})
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORT_CHOICES)

    def __init__(self, *args: Any, services: list[tuple[int, str]],
                 people: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        service_field = self.fields["service"]
        assert isinstance(service_field, forms.ChoiceField)
        service_field.choices = [("", _("All services")), *services]
        assignee_field = self.fields["assignee"]
        assert isinstance(assignee_field, forms.ChoiceField)
        assignee_field.choices = [("", _("Anyone or nobody")), ("me", _("Me")),
                                  ("nobody", _("Nobody")),
                                  *[(str(pk), name) for pk, name in people]]
        for name in ("received_from", "received_to"):
            date_field = self.fields[name]
            assert isinstance(date_field, forms.DateField)
            date_field.input_formats = ["%Y-%m-%d", "%d.%m.%Y"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("received_from"), cleaned.get("received_to")
        if start and end and start > end:
            self.add_error("received_to", _("The end date must not be before the start date."))
        return cleaned

    def filters(self) -> Filters:
        """The valid part of the input (after is_valid())."""
        data = getattr(self, "cleaned_data", {})
        return Filters(
            states=tuple(data.get("state") or ()), service_id=data.get("service"),
            assignee=data.get("assignee") or "", due=data.get("due") or "",
            attention=data.get("attention") or "", fee=data.get("fee") or "",
            received_from=data.get("received_from"),
            received_to=data.get("received_to") if "received_to" not in self.errors else None,
            query=data.get("q") or "", sort=data.get("sort") or "received")


class VersionField(forms.IntegerField):
    def __init__(self) -> None:
        super().__init__(min_value=1, widget=forms.HiddenInput)


class NoteForm(forms.Form):
    text = forms.CharField(label=_("New internal note"), required=False, max_length=20000,
                           widget=forms.Textarea(attrs={"rows": 4}),
                           help_text=_("Only staff of the department see notes, never the "
                                       "applicant."))
    version = VersionField()


class HoldForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the legal hold"), required=False,
                             max_length=2000)
    version = VersionField()


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=CaseState.choices)
    outcome = forms.ChoiceField(label=_("Outcome"), required=False,
                                choices=[("", _("Choose …")), *Outcome.choices])
    forwarded_to = forms.CharField(label=_("Forwarded to (authority)"), required=False,
                                   max_length=400)
    version = VersionField()


class AssignForm(forms.Form):
    assignee = forms.ChoiceField(label=_("Assign to"), required=False)
    version = VersionField()

    def __init__(self, *args: Any, people: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Nobody")), *[(str(pk), name) for pk, name in people]]


class MessageForm(forms.Form):
    """"Write to the applicant": text, optionally a request with a deadline, or a text block.

    Lengths, the deadline's date and the workflow are cases.conversation's to check; this form
    only reads the input.
    """

    message = forms.CharField(label=_("Message"), required=False, strip=False)
    requested = forms.CharField(label=_("What do you request?"), required=False)
    deadline = forms.DateField(
        label=_("Deadline"), required=False, input_formats=["%Y-%m-%d", "%d.%m.%Y"],
        error_messages={"invalid": _("Enter the date as DD.MM.YYYY or YYYY-MM-DD.")})
    block = forms.TypedChoiceField(label=_("Text block"), required=False, coerce=int,
                                   empty_value=None)
    version = VersionField()

    def __init__(self, *args: Any, blocks: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["block"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Choose …")), *blocks]


class NoticeDraftForm(forms.Form):
    """The notice's variable parts: its kind (where several fit), the reasons, the amount."""

    notice_kind = forms.ChoiceField(label=_("Kind of notice"), required=False,
                                    choices=[("", ""), *NoticeKind.choices])
    justification = forms.CharField(label=_("Reasons for this case"), required=False,
                                    max_length=20000)
    fee = forms.CharField(label=_("Amount set (euros)"), required=False, max_length=40)
    version = VersionField()

    def clean_fee(self) -> int:
        cents = parse_fee(self.cleaned_data.get("fee") or "")
        if cents is None:
            raise forms.ValidationError(_("Enter the amount in euros, for example 12,50."))
        return cents


class NoticeActionForm(forms.Form):
    version = VersionField()


class PostedForm(forms.Form):
    case_notice = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    posted_on = forms.DateField(
        label=_("Sent by post on"), required=True, widget=forms.DateInput(attrs={"type": "date"}),
        input_formats=["%Y-%m-%d", "%d.%m.%Y"],
        error_messages={"invalid": _("Enter the date as DD.MM.YYYY or YYYY-MM-DD."),
                        "required": _("Enter the date the notice was posted.")})
    version = VersionField()
