"""Writes of the conversation between the department and the applicant (issue 11).

A clerk writes, or requests documents or information with a deadline (Nachforderung), which
puts the case in "waiting for the citizen"; the citizen reads and replies on the signed status
page, with files checked exactly as the application's uploads are; the reply returns the case
to the clerk. A request whose deadline passes without a reply reminds the clerk, once.

The citizen learns of a message without its content: in the Mein Rathaus mailbox (whose own
e-mail notice names nothing) for a signed-in applicant, otherwise by a short e-mail with the
status link (decision 0024). Every write goes through services._apply, so the version check,
the timeline and the citizen's status work as for every other step.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rathaus.applications import sealed
from rathaus.applications.links import status_url
from rathaus.applications.models import Submission, Upload
from rathaus.applications.selectors import has_sensitive_answers
from rathaus.forms.fields.base import CleanContext, FieldError
from rathaus.forms.fields.builtin import MIME_BY_KIND, sniff_kind
from rathaus.forms.fields.registry import field_types
from rathaus.forms.schema import FieldDef, Text

from . import hooks
from .models import (
    END_STATES,
    Attention,
    Case,
    CaseMessage,
    CaseState,
    Direction,
    EventKind,
    Notified,
)
from .services import (
    CITIZEN,
    SYSTEM,
    CaseChanged,
    CaseError,
    InvalidInput,
    TransitionRefused,
    _apply,
    _locked_read,
    _role,
    changes_since,
    workflow_of,
)
from .text_blocks import DEADLINE, format_deadline

log = logging.getLogger(__name__)

MESSAGE_MAX = 5000
REQUESTED_MAX = 1000
REPLY_FILES_MAX = 3
# The uploads of a reply are the submission's, under a field id no definition can use
# (forms.schema.IDENT has no hyphen), so that they stay apart from the form's attachments.
REPLY_FIELD = "conversation-reply"
# The reply's files pass the same field type as an application's upload: PDF, JPG or PNG,
# told from the content, at most the form's default size.
REPLY_FILE_FIELD = FieldDef(id="reply_file", type="file", required=False,
                            label=Text(de="Datei", en="File"))


def notice_channel(submission: Submission) -> Notified:
    """Say how the applicant of ``submission`` hears of a clerk's message."""
    if submission.citizen_id is not None:
        return Notified.MAILBOX
    if submission.email:
        return Notified.EMAIL
    return Notified.NONE


def _check_request(*, requested: str, deadline: dt.date | None, today: dt.date) -> None:
    if deadline is not None and not requested:
        raise InvalidInput(_("Say what you request by this deadline, or leave the deadline "
                             "empty."), field="requested")
    if len(requested) > REQUESTED_MAX:
        raise InvalidInput(_("What you request can have at most 1000 characters."),
                           field="requested")
    if deadline is not None and deadline <= today:
        raise InvalidInput(_("The deadline must be after today."), field="deadline")


@transaction.atomic
def send_message(*, case_id: int, text: str, actor: User, expected_version: int,
                 request_deadline: dt.date | None = None, requested: str = "") -> CaseMessage:
    """Write to the applicant; with ``requested``, ask for documents or information.

    A request moves the case to "waiting for the citizen" where its workflow lets the clerk's
    role take that step (a case already waiting stays so); otherwise it is refused.
    """
    case = _locked_read(case_id)
    role = _role(actor, case)
    text = text.strip().replace("\r\n", "\n")
    requested = requested.strip().replace("\r\n", "\n")
    if not text:
        raise InvalidInput(_("Write the message."), field="message")
    if len(text) > MESSAGE_MAX:
        raise InvalidInput(_("A message can have at most 5000 characters."), field="message")
    _check_request(requested=requested, deadline=request_deadline,
                   today=timezone.localdate())
    if DEADLINE in text:
        # Left by a text block inserted before the deadline was chosen.
        if request_deadline is None:
            raise InvalidInput(_("The text names a deadline ({deadline}): enter the deadline, "
                                 "or take it out of the text."), field="deadline")
        text = text.replace(DEADLINE, format_deadline(
            request_deadline, case.submission.language[:2]))
    if case.version != expected_version:
        raise CaseChanged(changes_since(case, expected_version))
    if case.state in END_STATES:
        raise CaseError(_("The case has ended: nothing can be sent about it any more."))
    fields: dict[str, Any] = {"attention": Attention.NONE}
    from_state = to_state = ""
    if requested and case.state != CaseState.WAITING_FOR_CITIZEN:
        allowed = workflow_of(case.submission.service_version.spec).roles_for(
            case.state, CaseState.WAITING_FOR_CITIZEN)
        if role not in allowed:
            raise TransitionRefused(_("In this state the case cannot wait for the applicant, "
                                      "so nothing can be requested. Send the message without "
                                      "a request, or move the case first."))
        fields["state"] = CaseState.WAITING_FOR_CITIZEN
        from_state, to_state = case.state, CaseState.WAITING_FOR_CITIZEN
    _apply(case, expected_version=expected_version, actor=actor,
           kind=EventKind.DOCUMENTS_REQUESTED if requested else EventKind.MESSAGE_SENT,
           fields=fields, from_state=from_state, to_state=to_state,
           detail=request_deadline.isoformat() if request_deadline else "")
    message = CaseMessage.objects.create(
        case=case, direction=Direction.TO_CITIZEN, text=text, requested=requested,
        deadline=request_deadline, sent_by=actor, sent_by_label=actor.get_username(),
        notified=notice_channel(case.submission))
    _tell_citizen(case, message, actor=actor)
    return message


def _tell_citizen(case: Case, message: CaseMessage, *, actor: User) -> None:
    """Let the applicant know there is a message, naming nothing of it."""
    submission = case.submission
    if message.notified == Notified.MAILBOX:
        language = submission.language[:2]
        with translation.override(language):
            subject = gettext("New message about your application %(reference)s") % {
                "reference": case.reference}
            body = gettext("There is a new message about your application %(reference)s. "
                           "Read it and reply on the status page of your application: "
                           "%(url)s") % {"reference": case.reference,
                                         "url": status_url(submission)}
        hooks.deliver_to_mailbox.call(submission=submission, subject=subject, body=body,
                                      kind="message", sent_by_id=actor.pk)
    elif message.notified == Notified.EMAIL:
        from .tasks import send_message_notice

        message_id = message.pk
        transaction.on_commit(lambda: send_message_notice.enqueue(message_id=message_id))


# -- the citizen's side ----------------------------------------------------------------------


def may_reply(case: Case) -> bool:
    """Return whether the applicant may write about the case: until its work has ended."""
    return case.state not in END_STATES


class _Checked:
    """An upload store that keeps nothing: the field type checks, the reply stores afterwards."""

    def store(self, *, field: FieldDef, uploaded: UploadedFile[bytes]) -> dict[str, Any]:
        return {"name": uploaded.name}

    def existing(self, *, field: FieldDef, upload_id: str) -> dict[str, Any] | None:
        return None


def check_reply_files(files: list[UploadedFile[bytes]]) -> None:
    """Refuse files an application's upload field would refuse (type by content, size)."""
    if len(files) > REPLY_FILES_MAX:
        raise InvalidInput(_("Attach at most 3 files to one reply."), field="files")
    file_type = field_types["file"]
    context = CleanContext(today=timezone.localdate(), uploads=_Checked())
    for uploaded in files:
        try:
            file_type.clean(REPLY_FILE_FIELD, {"file": uploaded, "current": ""}, context)
        except FieldError as error:
            name = (uploaded.name or "")[:100]
            raise InvalidInput(f"{name}: {error.message}" if name else error.message,
                               field="files") from None


def _store_reply_file(submission: Submission, uploaded: UploadedFile[bytes],
                      *, seal: bool) -> Upload:
    kind = sniff_kind(uploaded)
    assert kind is not None, "check_reply_files checked the content"
    digest = hashlib.sha256()
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    name = (uploaded.name or "upload").replace("\\", "/").rsplit("/", 1)[-1][:200] or "upload"
    upload = Upload(submission=submission, field_id=REPLY_FIELD, original_name=name,
                    content_type=MIME_BY_KIND[kind], size=uploaded.size or 0,
                    sha256=digest.hexdigest())
    # A random stored name, never the citizen's; sealed when the application has health data,
    # since what is sent for it is likely to be so too (decision 0021).
    content = sealed.sealed_content(uploaded.read()) if seal else uploaded
    upload.file.save(f"{upload.pk}.{kind}", content, save=False)
    upload.save()
    return upload


def _return_to_clerk(case_id: int, *, file_count: int) -> Case:
    """Record the reply in the case; a waiting case goes back to "in progress"."""
    case = _locked_read(case_id)
    if not may_reply(case):
        raise CaseError(_("This application has been completed; replies are no longer "
                          "possible here. Please contact the office directly."))
    fields: dict[str, Any] = {"attention": Attention.REPLY}
    from_state = to_state = ""
    workflow = workflow_of(case.submission.service_version.spec)
    if case.state == CaseState.WAITING_FOR_CITIZEN and workflow.roles_for(
            case.state, CaseState.IN_PROGRESS):
        fields["state"] = CaseState.IN_PROGRESS
        from_state, to_state = case.state, CaseState.IN_PROGRESS
    # No version from the citizen: whatever the clerk did meanwhile, the state read here rules.
    return _apply(case, expected_version=case.version, actor=None, actor_label=CITIZEN,
                  kind=EventKind.CITIZEN_REPLIED, fields=fields, from_state=from_state,
                  to_state=to_state, detail=str(file_count))


@transaction.atomic
def reply_by_citizen(*, submission: Submission, text: str,
                     files: list[UploadedFile[bytes]]) -> CaseMessage:
    """Record the applicant's reply with its files; it returns the case to the clerk.

    The caller has checked that the request is the citizen's (status link, and for health data
    the owner's sign-in). A case waiting for the citizen goes back to "in progress" where the
    workflow has that step; any other open case just gets the reply and the marker.
    """
    text = text.strip().replace("\r\n", "\n")
    if not text and not files:
        raise InvalidInput(_("Write your reply or attach a file."), field="reply")
    if len(text) > MESSAGE_MAX:
        raise InvalidInput(_("A reply can have at most 5000 characters."), field="reply")
    check_reply_files(files)
    case_id = Case.objects.values_list("pk", flat=True).get(submission=submission)
    try:
        case = _return_to_clerk(case_id, file_count=len(files))
    except CaseChanged:  # a clerk's write in between: the state is read again, once
        case = _return_to_clerk(case_id, file_count=len(files))
    now = timezone.now()
    case.messages.filter(direction=Direction.TO_CITIZEN, citizen_read_at__isnull=True).update(
        citizen_read_at=now)
    message = CaseMessage.objects.create(case=case, direction=Direction.FROM_CITIZEN, text=text,
                                         sent_by_label=CITIZEN)
    seal = has_sensitive_answers(submission)
    stored: list[Upload] = []
    try:
        for uploaded in files:
            stored.append(_store_reply_file(submission, uploaded, seal=seal))
        if stored:
            message.files.add(*stored)
    except Exception:
        # The rows go with the rolled-back transaction; the files written so far go here.
        for upload in stored:
            upload.file.delete(save=False)
        raise
    return message


def mark_read_by_citizen(*, case: Case) -> int:
    """Note that the applicant has seen the department's messages (shown on the case page)."""
    return case.messages.filter(direction=Direction.TO_CITIZEN,
                                citizen_read_at__isnull=True).update(
        citizen_read_at=timezone.now())


# -- lapsed deadlines ----------------------------------------------------------------------------


@dataclass
class ReminderReport:
    reminded: list[str] = field(default_factory=list)


def lapsed_requests(*, today: dt.date) -> QuerySet[CaseMessage]:
    """Return the requests whose deadline is past with no reply since, not yet reported."""
    replied = CaseMessage.objects.filter(case_id=OuterRef("case_id"),
                                         direction=Direction.FROM_CITIZEN,
                                         created_at__gt=OuterRef("created_at"))
    return (CaseMessage.objects.filter(direction=Direction.TO_CITIZEN, deadline__lt=today,
                                       lapsed_at__isnull=True,
                                       case__state=CaseState.WAITING_FOR_CITIZEN)
            .exclude(requested="").filter(~Exists(replied)).order_by("deadline", "pk"))


def remind_lapsed_deadlines(*, now: dt.datetime | None = None) -> ReminderReport:
    """Report each lapsed request once: a timeline event, the marker and a mail to the clerk."""
    now = now or timezone.now()
    report = ReminderReport()
    for message_id in list(lapsed_requests(today=timezone.localdate(now))
                           .values_list("pk", flat=True)):
        reference = _remind(message_id=message_id, now=now)
        if reference:
            report.reminded.append(reference)
    return report


@transaction.atomic
def _remind(*, message_id: int, now: dt.datetime) -> str:
    # The conditional update claims the request: a second run, or one at the same time, finds
    # it taken and sends nothing.
    if not CaseMessage.objects.filter(pk=message_id, lapsed_at__isnull=True).update(
            lapsed_at=now):
        return ""
    message = CaseMessage.objects.get(pk=message_id)
    case = _locked_read(message.case_id)
    for attempt in range(2):  # a clerk's write in between: read the version again, once
        try:
            _apply(case, expected_version=case.version, actor=None, actor_label=SYSTEM,
                   kind=EventKind.DEADLINE_LAPSED, fields={"attention": Attention.LAPSED},
                   detail=message.deadline.isoformat() if message.deadline else "")
            break
        except CaseChanged:
            if attempt:
                raise
            case = _locked_read(message.case_id)
    from .tasks import send_deadline_reminder

    transaction.on_commit(lambda: send_deadline_reminder.enqueue(message_id=message_id))
    return case.reference
