"""What the citizen sees of the case on the status page: its state and history in plain words.

The status page (rathaus.applications) asks for these sections through the hook
``applications.citizen_case_sections``; each function of ``SECTIONS`` renders one, or nothing.
Only what concerns the citizen is shown: internal notes, views, downloads, assignments and
legal holds stay in the department, and no member of staff is named.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from rathaus.applications.models import Submission

from . import conversation, notice_delivery
from .models import (
    Case,
    CaseEvent,
    CaseMessage,
    CaseState,
    DeliveryChannel,
    Direction,
    EventKind,
    Outcome,
)
from .services import may_withdraw

# The state in the citizen's words, and what happens next.
STATE_TEXT: dict[str, tuple[Any, Any]] = {
    CaseState.RECEIVED: (_("Received"), _("Your application has arrived. It will be worked on "
                                          "in the order of arrival.")),
    CaseState.IN_PROGRESS: (_("Being worked on"), _("A member of staff is working on your "
                                                    "application.")),
    CaseState.WAITING_FOR_CITIZEN: (_("Waiting for you"), _("We need something from you before "
                                                            "we can go on.")),
    CaseState.DECIDED: (_("Decided"), _("A decision has been made on your application.")),
    CaseState.CLOSED: (_("Completed"), _("Your application has been completed.")),
    CaseState.FORWARDED: (_("Forwarded"), _("Your application was forwarded to the authority "
                                            "responsible for it, which will contact you.")),
    CaseState.WITHDRAWN: (_("Withdrawn"), _("You withdrew this application. Nothing more will "
                                            "be done with it.")),
}
OUTCOME_TEXT: dict[str, Any] = {
    Outcome.GRANTED: _("granted"),
    Outcome.REFUSED: _("refused"),
    Outcome.PARTLY_GRANTED: _("partly granted"),
}
# One history line per state reached; the first event (OPENED) says how it arrived.
REACHED_TEXT: dict[str, Any] = {
    CaseState.IN_PROGRESS: _("Work on your application began."),
    CaseState.WAITING_FOR_CITIZEN: _("We asked you for something."),
    CaseState.DECIDED: _("The decision was made."),
    CaseState.CLOSED: _("The application was completed."),
    CaseState.FORWARDED: _("The application was forwarded to: %(authority)s."),
    CaseState.WITHDRAWN: _("The application was withdrawn."),
}


def _requested_text(event: CaseEvent) -> Any:
    try:
        deadline = dt.date.fromisoformat(event.detail)
    except ValueError:
        return _("We asked you for documents or information.")
    return _("We asked you for documents or information (by %(date)s).") % {
        "date": formats.date_format(deadline, "DATE_FORMAT")}


def _date(iso: str) -> str:
    try:
        return formats.date_format(dt.date.fromisoformat(iso), "DATE_FORMAT")
    except ValueError:
        return iso


def _provided(event: CaseEvent) -> Any:
    channel, _sep, until = event.detail.partition(":")
    if channel == DeliveryChannel.RETRIEVAL and until:
        return _("A notice was provided for you to retrieve until %(date)s.") % {
            "date": _date(until)}
    return _("The notice is being sent to you by post.")


def _retrieved(event: CaseEvent) -> Any:
    return _("You retrieved the notice on %(date)s; it counts as given on %(given)s.") % {
        "date": formats.date_format(timezone.localtime(event.at), "DATE_FORMAT"),
        "given": _date(event.detail)}


# What the citizen sees of other events, by kind.
# A lapsed deadline is the department's matter: the citizen reads the request's date above.
EVENT_TEXT: dict[str, Callable[[CaseEvent], Any]] = {
    EventKind.MESSAGE_SENT: lambda event: _("We sent you a message."),
    EventKind.DOCUMENTS_REQUESTED: _requested_text,
    EventKind.CITIZEN_REPLIED: lambda event: _("You replied."),
    EventKind.NOTICE_PROVIDED: _provided,
    EventKind.NOTICE_RETRIEVED: _retrieved,
    EventKind.NOTICE_LAPSED: lambda event: _(
        "The notice was not retrieved in time; it is being sent to you by post."),
    EventKind.NOTICE_POSTED: lambda event: _("The notice was sent to you by post on %(date)s.")
    % {"date": _date(event.detail)},
}


@dataclass(frozen=True)
class HistoryLine:
    at: Any
    text: Any


def history(case: Case) -> list[HistoryLine]:
    """Return the case's history as the citizen reads it, oldest first."""
    lines = []
    for event in case.events.order_by("at", "pk"):
        if event.kind == EventKind.OPENED:
            lines.append(HistoryLine(event.at, _("Your application was received.")
                                     if event.detail in ("", "online")
                                     else _("Your application was recorded by our staff.")))
        elif event.kind == EventKind.STATE_CHANGED and event.to_state in REACHED_TEXT:
            text = REACHED_TEXT[event.to_state]
            if event.to_state == CaseState.FORWARDED:
                text = text % {"authority": event.detail}
            elif event.to_state == CaseState.WITHDRAWN and event.actor_label == "citizen":
                text = _("You withdrew the application.")
            elif event.to_state == CaseState.DECIDED and event.detail in OUTCOME_TEXT:
                text = _("The decision was made: %(outcome)s.") % {
                    "outcome": OUTCOME_TEXT[event.detail]}
            lines.append(HistoryLine(event.at, text))
        elif event.kind in EVENT_TEXT:
            lines.append(HistoryLine(event.at, EVENT_TEXT[event.kind](event)))
    return lines


def state_section(request: HttpRequest, *, case: Case, token: str, answers_open: bool) -> str:
    label, explanation = STATE_TEXT[case.state]
    outcome = OUTCOME_TEXT.get(case.outcome) if case.outcome else None
    return render_to_string("cases/citizen/state.html", {
        "case": case, "token": token, "label": label, "explanation": explanation,
        "outcome": outcome, "history": history(case),
    }, request=request)


def withdraw_section(request: HttpRequest, *, case: Case, token: str,
                     answers_open: bool) -> str:
    """The way to withdraw, last on the page, while the workflow lets the citizen."""
    if not may_withdraw(case):
        return ""
    return render_to_string("cases/citizen/withdraw_section.html", {"token": token},
                            request=request)


def conversation_messages(case: Case) -> list[CaseMessage]:
    return list(case.messages.order_by("created_at", "pk").prefetch_related("files"))


def open_request(messages: list[CaseMessage]) -> CaseMessage | None:
    """Return the department's latest request if the applicant has not replied since."""
    for message in reversed(messages):
        if message.direction == Direction.FROM_CITIZEN:
            return None
        if message.is_request:
            return message
    return None


def conversation_context(case: Case, token: str) -> dict[str, Any]:
    """What the conversation shows, on the status page and on the reply page."""
    messages = conversation_messages(case)
    return {"case": case, "token": token, "messages": messages,
            "open_request": open_request(messages), "may_reply": conversation.may_reply(case),
            "max_files": conversation.REPLY_FILES_MAX,
            "max_mb": conversation.REPLY_FILE_FIELD.max_size_mb}


def conversation_section(request: HttpRequest, *, case: Case, token: str,
                         answers_open: bool) -> str:
    """Render the messages with the department, or for health data only that there are some.

    Whoever reads the mailed link of a health-data application must not read what the
    department wrote about it: the text opens where the answers open (the page says how).
    """
    context = conversation_context(case, token)
    if not context["messages"]:
        return ""
    if answers_open:
        conversation.mark_read_by_citizen(case=case)
    return render_to_string("cases/citizen/conversation.html", {
        **context, "answers_open": answers_open, "errors": [], "reply_text": "",
    }, request=request)


def notices_section(request: HttpRequest, *, case: Case, token: str,
                    answers_open: bool) -> str:
    """The notices sent on the case: to retrieve while provided, otherwise how they come."""
    sent = notice_delivery.sent_notices(case)
    if not sent:
        return ""
    return render_to_string("cases/citizen/notices.html", {
        "token": token, "answers_open": answers_open,
        "notices": [{"item": item, "available": notice_delivery.available(item)}
                    for item in sent],
    }, request=request)


Section = Callable[..., str]
# The sections in page order; each takes (request, *, case, token, answers_open).
SECTIONS: list[Section] = [state_section, notices_section, conversation_section,
                           withdraw_section]


def case_sections(request: HttpRequest, *, submission: Submission, token: str,
                  answers_open: bool) -> list[str]:
    """Provide ``applications.citizen_case_sections``: the case's sections, in page order."""
    case = (Case.objects.select_related("submission__service_version")
            .filter(submission=submission).first())
    if case is None:
        return []
    return [html for section in SECTIONS
            if (html := section(request, case=case, token=token, answers_open=answers_open))]
