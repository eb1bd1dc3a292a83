"""Reads of case work: the workbasket's filters, counts per state, the timeline in words."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case as Cases
from django.db.models import Count, F, IntegerField, QuerySet, Value, When
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rathaus.core.text import search_terms
from rathaus.forms.workflow import STATES
from rathaus.notices.models import NoticeKind

from . import tally
from .models import Case, CaseChannel, CaseEvent, CaseState, EventKind, FeeState, Outcome

OPEN_STATES = (CaseState.RECEIVED, CaseState.IN_PROGRESS, CaseState.WAITING_FOR_CITIZEN)
# "Due" in the workbasket: open and due within this many days (overdue ones excluded).
DUE_SOON_DAYS = 7

SORTS = ("received", "received_asc", "due", "reference", "state")


@dataclass(frozen=True)
class Filters:
    """What the workbasket shows; every field empty means every case of the departments."""

    states: tuple[str, ...] = ()
    service_id: int | None = None
    assignee: str = ""  # "", "me", "nobody" or a user's id
    due: str = ""  # "", "due", "overdue"
    attention: str = ""  # "", "any", "reply", "lapsed" (the conversation's marker)
    fee: str = ""  # "", "paid", "due" (not paid), "none" (no fee)
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    query: str = ""
    sort: str = "received"


def cases_in(department_ids: list[int]) -> QuerySet[Case]:
    return Case.objects.filter(department_id__in=department_ids)


def filtered(cases: QuerySet[Case], filters: Filters, *, user_id: int,
             now: dt.datetime | None = None, with_state: bool = True) -> QuerySet[Case]:
    """Apply ``filters`` (the state filter only ``with_state``) to ``cases``."""
    now = now or timezone.now()
    if with_state and filters.states:
        cases = cases.filter(state__in=filters.states)
    if filters.service_id is not None:
        cases = cases.filter(service_id=filters.service_id)
    if filters.assignee == "me":
        cases = cases.filter(assignee_id=user_id)
    elif filters.assignee == "nobody":
        cases = cases.filter(assignee__isnull=True)
    elif filters.assignee.isdigit():
        cases = cases.filter(assignee_id=int(filters.assignee))
    if filters.due == "overdue":
        cases = cases.filter(state__in=OPEN_STATES, due_at__lt=now)
    elif filters.due == "due":
        cases = cases.filter(state__in=OPEN_STATES, due_at__gte=now,
                             due_at__lt=now + dt.timedelta(days=DUE_SOON_DAYS))
    if filters.attention == "any":
        cases = cases.exclude(attention="")
    elif filters.attention in ("reply", "lapsed"):
        cases = cases.filter(attention=filters.attention)
    if filters.fee == "none":
        cases = cases.filter(fee=FeeState.NONE)
    elif filters.fee in (FeeState.PAID, FeeState.DUE):
        cases = cases.filter(fee=filters.fee)
    if filters.received_from is not None:
        cases = cases.filter(received_at__date__gte=filters.received_from)
    if filters.received_to is not None:
        cases = cases.filter(received_at__date__lte=filters.received_to)
    for term in search_terms(filters.query):
        cases = cases.filter(search_text__contains=term)
    return cases


def sorted_cases(cases: QuerySet[Case], sort: str) -> QuerySet[Case]:
    if sort == "received_asc":
        return cases.order_by("received_at", "pk")
    if sort == "due":
        return cases.order_by(F("due_at").asc(nulls_last=True), "received_at", "pk")
    if sort == "reference":
        return cases.order_by("reference")
    if sort == "state":
        position = Cases(*[When(state=state, then=Value(index))
                           for index, state in enumerate(STATES)], output_field=IntegerField())
        return cases.order_by(position, "-received_at", "pk")
    return cases.order_by("-received_at", "-pk")


def counts_by_state(cases: QuerySet[Case]) -> dict[str, int]:
    """Return how many of ``cases`` are in each state, every state named (one query)."""
    counted = {row["state"]: row["n"] for row in
               cases.order_by().values("state").annotate(n=Count("pk"))}
    return {state: counted.get(state, 0) for state in STATES}


def counts_for(department_ids: list[int], filters: Filters, *, user_id: int,
               now: dt.datetime | None = None) -> dict[str, int]:
    """Return the counts per state of the cases ``filters`` shows, whatever states it names.

    Filtered by service or assignee only, they are sums over the case counts (tally.py),
    whatever the number of cases; with a due, date or search filter, a count over the cases
    those filters leave.
    """
    if filters.due or filters.received_from or filters.received_to or search_terms(
            filters.query):
        return counts_by_state(filtered(cases_in(department_ids), filters, user_id=user_id,
                                        now=now, with_state=False))
    assignee = {"": None, "me": user_id, "nobody": 0}.get(filters.assignee)
    if filters.assignee.isdigit():
        assignee = int(filters.assignee)
    return tally.counts(department_ids, service_id=filters.service_id, assignee=assignee)


def overdue(case: Case, now: dt.datetime | None = None) -> bool:
    return (case.due_at is not None and case.state in OPEN_STATES
            and case.due_at < (now or timezone.now()))


def actor_name(event: CaseEvent) -> str:
    if event.actor_label == "citizen":
        return _("the applicant")
    if event.actor_label == "system":
        return _("the system")
    return event.actor_label


def state_label(state: str) -> str:
    return str(CaseState(state).label) if state in CaseState.values else state


def event_text(event: CaseEvent) -> str:
    """Say in a sentence what the event was, without who and when."""
    if event.kind == EventKind.OPENED:
        channel = (str(CaseChannel(event.detail).label) if event.detail in CaseChannel.values
                   else event.detail)
        if event.actor_id is not None:
            return _("Application filed on the applicant’s behalf (%(channel)s)") % {
                "channel": channel}
        return _("Application received (%(channel)s)") % {"channel": channel}
    if event.kind == EventKind.STATE_CHANGED:
        text = _("State changed from “%(from)s” to “%(to)s”") % {
            "from": state_label(event.from_state), "to": state_label(event.to_state)}
        if event.to_state == CaseState.DECIDED and event.detail in Outcome.values:
            text += ": " + str(Outcome(event.detail).label)
        elif event.detail:
            text += ": " + event.detail
        return text
    if event.kind == EventKind.ASSIGNED:
        if event.detail:
            return _("Assigned to %(name)s") % {"name": event.detail}
        return _("Assignment removed")
    if event.kind == EventKind.NOTE_ADDED:
        return _("Internal note added")
    if event.kind == EventKind.VIEWED:
        return _("Case opened")
    if event.kind == EventKind.DOWNLOADED:
        return _("Attachment opened: %(name)s") % {"name": event.detail}
    if event.kind == EventKind.HOLD_SET:
        return _("Legal hold set: %(reason)s") % {"reason": event.detail}
    if event.kind == EventKind.HOLD_LIFTED:
        return _("Legal hold lifted")
    if event.kind in NOTICE_EVENTS:
        return notice_event_text(event)
    if event.kind == EventKind.FEE_PAID:
        return _("Fee paid (Kassenzeichen and amount: %(detail)s)") % {"detail": event.detail}
    if event.kind == EventKind.FEE_REFUNDED:
        return _("Fee refunded (Kassenzeichen and amount: %(detail)s)") % {
            "detail": event.detail}
    if event.kind == EventKind.FEE_DUE_AGAIN:
        return _("Fee due again: the payment was taken back, e.g. a returned direct debit "
                 "(Kassenzeichen and amount: %(detail)s)") % {"detail": event.detail}
    return _conversation_text(event) or event.kind


def _date_of(detail: str) -> str:
    try:
        return formats.date_format(dt.date.fromisoformat(detail), "SHORT_DATE_FORMAT")
    except ValueError:
        return ""


def _conversation_text(event: CaseEvent) -> str:
    if event.kind == EventKind.MESSAGE_SENT:
        return _("Message sent to the applicant")
    if event.kind == EventKind.DOCUMENTS_REQUESTED:
        date = _date_of(event.detail)
        return (_("Documents or information requested, deadline %(date)s") % {"date": date}
                if date else _("Documents or information requested"))
    if event.kind == EventKind.CITIZEN_REPLIED:
        files = int(event.detail) if event.detail.isdigit() else 0
        if files:
            return ngettext("The applicant replied, with %(count)d file",
                            "The applicant replied, with %(count)d files", files) % {
                "count": files}
        return _("The applicant replied")
    if event.kind == EventKind.DEADLINE_LAPSED:
        return _("Deadline of %(date)s lapsed without a reply") % {
            "date": _date_of(event.detail)}
    return ""


NOTICE_EVENTS = (EventKind.NOTICE_DRAFTED, EventKind.NOTICE_SUBMITTED, EventKind.NOTICE_RELEASED,
                 EventKind.NOTICE_PROVIDED, EventKind.NOTICE_RETRIEVED, EventKind.NOTICE_LAPSED,
                 EventKind.NOTICE_POSTED)


def _iso_date(value: str) -> str:
    try:
        return formats.date_format(dt.date.fromisoformat(value), "DATE_FORMAT")
    except ValueError:
        return value


def notice_event_text(event: CaseEvent) -> str:
    """Say what happened to the case's notice (decision 0025)."""
    if event.kind == EventKind.NOTICE_DRAFTED:
        kind = (str(NoticeKind(event.detail).label) if event.detail in NoticeKind.values
                else event.detail)
        return _("Notice drafted (%(kind)s)") % {"kind": kind}
    if event.kind == EventKind.NOTICE_SUBMITTED:
        return _("Notice submitted for release by a lead")
    if event.kind == EventKind.NOTICE_RELEASED:
        return _("Notice released")
    if event.kind == EventKind.NOTICE_PROVIDED:
        channel, _sep, until = event.detail.partition(":")
        if channel == "retrieval":
            return _("Notice issued and provided for retrieval online until %(date)s") % {
                "date": _iso_date(until)}
        return _("Notice issued; to be sent by post")
    if event.kind == EventKind.NOTICE_RETRIEVED:
        return _("Notice retrieved by the applicant; counts as given on %(date)s") % {
            "date": _iso_date(event.detail)}
    if event.kind == EventKind.NOTICE_LAPSED:
        return _("Provision ended without retrieval: send the notice by post")
    return _("Notice sent by post on %(date)s") % {"date": _iso_date(event.detail)}


def timeline(case: Case) -> QuerySet[CaseEvent]:
    return case.events.order_by("at", "pk")


def is_open(case: Case) -> bool:
    return case.state in OPEN_STATES

