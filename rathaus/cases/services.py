"""Writes of case work: open, move along the workflow, assign, note; views and downloads logged.

Every write names the case ``version`` it was shown; one conditional UPDATE applies it only if
that is still the case's version, otherwise ``CaseChanged`` says what happened in between.
The workflow is checked here, whatever a page offers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rathaus.applications.models import Submission, SubmissionStatus, Upload
from rathaus.audit.models import Action
from rathaus.audit.services import record
from rathaus.core.text import fold
from rathaus.forms.schema import ServiceDef
from rathaus.forms.workflow import DEFAULT_WORKFLOW, Role, WorkflowDef

from .models import (
    END_STATES,
    Case,
    CaseChannel,
    CaseEvent,
    CaseState,
    EventKind,
    FeeState,
    Note,
    Outcome,
)
from .roles import role_of

NOTE_MAX = 5000
HOLD_REASON_MAX = 300
AUTHORITY_MAX = 200
CITIZEN = "citizen"
SYSTEM = "system"


class CaseError(Exception):
    """A write refused; ``message`` tells the clerk why, in their language."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


class TransitionRefused(CaseError):
    pass


class NotPermitted(CaseError):
    pass


class InvalidInput(CaseError):
    def __init__(self, message: Any, *, field: str) -> None:
        super().__init__(message)
        self.field = field


class CaseChanged(CaseError):
    """Someone changed the case after the clerk's page was shown; ``changes`` is what."""

    def __init__(self, changes: list[CaseEvent]) -> None:
        super().__init__(_("Someone else changed this case after you opened it. Nothing was "
                           "saved; check the changes and try again."))
        self.changes = changes


def workflow_of(spec: ServiceDef) -> WorkflowDef:
    return spec.workflow or DEFAULT_WORKFLOW


def applicant_name(spec: ServiceDef, answers: dict[str, Any]) -> str:
    """Return the name of the first person-name answer outside repeated groups (the applicant).

    A group that is not repeated ("You" in the business registration) keeps its answers at the
    top level, as if it were not there; a repeated one lists further people.
    """
    if spec.form is None:
        return ""
    for _step, group, field in spec.form.iter_fields():
        value = answers.get(field.id)
        outside = group is None or group.repeat is None
        if outside and field.type == "person_name" and isinstance(value, dict):
            return f"{value.get('given_names', '')} {value.get('family_name', '')}".strip()[:210]
    return ""


def due_date(received_at: dt.datetime, workflow: WorkflowDef) -> dt.datetime | None:
    if workflow.processing_days is None:
        return None
    return received_at + dt.timedelta(days=workflow.processing_days)


@transaction.atomic
def open_case(*, submission: Submission, channel: CaseChannel = CaseChannel.ONLINE,
              filed_by: User | None = None) -> Case:
    """Open the case of a new submission (once; a second call returns it).

    ``filed_by`` is the member of staff who filed it for a caller or visitor: the opening
    event names them, not "the applicant".
    """
    existing = Case.objects.filter(submission=submission).first()
    if existing is not None:
        return existing
    spec = submission.service_version.spec
    name = applicant_name(spec, submission.answers)
    case = Case.objects.create(
        submission=submission, department_id=submission.department_id,
        service_id=submission.service_id, reference=submission.reference, channel=channel,
        received_at=submission.submitted_at,
        due_at=due_date(submission.submitted_at, workflow_of(spec)),
        applicant_name=name, email=submission.email,
        search_text=fold(f"{submission.reference} {name} {submission.email}"))
    if filed_by is not None:
        label = submission.filed_by_name or filed_by.get_username()
    else:
        label = CITIZEN if channel == CaseChannel.ONLINE else SYSTEM
    CaseEvent.objects.create(case=case, kind=EventKind.OPENED, to_state=CaseState.RECEIVED,
                             actor=filed_by, actor_label=label[:150],
                             detail=CaseChannel(channel).value, version=1)
    return case


def _role(actor: AbstractBaseUser | AnonymousUser, case: Case) -> Role:
    role = role_of(actor, case.department_id)
    if role is None:
        raise NotPermitted(_("You do not work in the department of this case."))
    return role


def citizen_status(state: str, outcome: str) -> SubmissionStatus:
    """Return what the citizen is told of a case in ``state`` (the submission's status)."""
    if state in (CaseState.DECIDED, CaseState.CLOSED) and outcome:
        return SubmissionStatus.REJECTED if outcome == Outcome.REFUSED else (
            SubmissionStatus.COMPLETED)
    told: dict[str, SubmissionStatus] = {
        CaseState.RECEIVED: SubmissionStatus.RECEIVED,
        CaseState.WAITING_FOR_CITIZEN: SubmissionStatus.WAITING,
        CaseState.FORWARDED: SubmissionStatus.FORWARDED,
        CaseState.WITHDRAWN: SubmissionStatus.WITHDRAWN,
        CaseState.CLOSED: SubmissionStatus.COMPLETED,
    }
    return told.get(state, SubmissionStatus.IN_PROGRESS)


def _apply(case: Case, *, expected_version: int, actor: User | None, kind: EventKind,
           fields: dict[str, Any], from_state: str = "", to_state: str = "",
           detail: str = "", actor_label: str = "") -> Case:
    """Write ``fields`` if the case is still at ``expected_version``; add the timeline event.

    A change of state is mirrored in the submission's status, which the citizen sees, in the
    same transaction. ``actor`` None is the citizen or the system, named by ``actor_label``.
    """
    if case.version != expected_version:
        raise CaseChanged(changes_since(case, expected_version))
    now = timezone.now()
    updated = Case.objects.filter(pk=case.pk, version=expected_version).update(
        version=F("version") + 1, updated_at=now, **fields)
    if not updated:
        raise CaseChanged(changes_since(case, expected_version))
    for name, value in fields.items():
        setattr(case, name, value)
    case.version = expected_version + 1
    case.updated_at = now
    if "state" in fields:
        Submission.objects.filter(pk=case.submission_id).update(
            status=citizen_status(case.state, case.outcome))
    CaseEvent.objects.create(case=case, kind=kind, actor=actor,
                             actor_label=actor.get_username() if actor else actor_label,
                             from_state=from_state, to_state=to_state, detail=detail[:300],
                             version=case.version)
    return case


def changes_since(case: Case, version: int) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(case_id=case.pk, version__gt=version)
                .select_related("actor").order_by("version"))


def _locked_read(case_id: int) -> Case:
    # No row lock: the conditional UPDATE in _apply is what guards the write.
    return Case.objects.select_related("submission__service_version").get(pk=case_id)


@transaction.atomic
def change_state(*, case_id: int, to: str, actor: User, expected_version: int,
                 outcome: str = "", forwarded_to: str = "") -> Case:
    """Move the case to ``to`` if its workflow lets ``actor``'s role take that step."""
    case = _locked_read(case_id)
    role = _role(actor, case)
    if case.version != expected_version:
        raise CaseChanged(changes_since(case, expected_version))
    workflow = workflow_of(case.submission.service_version.spec)
    allowed_roles = workflow.roles_for(case.state, to)
    if to not in CaseState.values or not allowed_roles:
        raise TransitionRefused(_("A case in this state cannot be moved there. Choose one of "
                                  "the steps offered on the case page."))
    if role not in allowed_roles:
        raise TransitionRefused(_("Only the department's lead may take this step."))
    # The clerk has acted on a reply or a lapsed deadline: the workbasket's marker goes.
    fields: dict[str, Any] = {"state": to, "attention": ""}
    detail = ""
    if to == CaseState.DECIDED:
        if outcome not in Outcome.values:
            raise InvalidInput(_("Choose the outcome of the decision."), field="outcome")
        fields["outcome"] = outcome
        detail = outcome
    elif to != CaseState.CLOSED:
        fields["outcome"] = ""
    if to == CaseState.FORWARDED:
        authority = " ".join(forwarded_to.split())
        if not authority:
            raise InvalidInput(_("Enter the authority the case is forwarded to."),
                               field="forwarded_to")
        if len(authority) > AUTHORITY_MAX:
            raise InvalidInput(_("The authority's name can have at most 200 characters."),
                               field="forwarded_to")
        fields["forwarded_to"] = authority
        detail = authority
    # The retention clock starts at the first end state and stops when a lead reopens the case.
    if to in END_STATES:
        if case.ended_at is None:
            fields["ended_at"] = timezone.now()
    elif case.ended_at is not None:
        fields["ended_at"] = None
    return _apply(case, expected_version=expected_version, actor=actor,
                  kind=EventKind.STATE_CHANGED, fields=fields, from_state=case.state,
                  to_state=to, detail=detail)


def may_withdraw(case: Case) -> bool:
    """Return whether the citizen may withdraw the application now (workflow and state)."""
    workflow = workflow_of(case.submission.service_version.spec)
    return "citizen" in workflow.roles_for(case.state, CaseState.WITHDRAWN)


@transaction.atomic
def withdraw_by_citizen(*, submission: Submission) -> Case:
    """Withdraw the application on the citizen's word, if its workflow allows it now.

    The caller has checked that the request is the citizen's (status link or account). No
    version: whatever the clerk did meanwhile, the state decides, read again under the write.
    """
    case = _locked_read(Case.objects.get(submission=submission).pk)
    if not may_withdraw(case):
        raise TransitionRefused(_("This application can no longer be withdrawn: it has "
                                  "already been decided or closed."))
    fields: dict[str, Any] = {"state": CaseState.WITHDRAWN, "outcome": ""}
    if case.ended_at is None:
        fields["ended_at"] = timezone.now()
    return _apply(case, expected_version=case.version, actor=None, actor_label=CITIZEN,
                  kind=EventKind.STATE_CHANGED, fields=fields, from_state=case.state,
                  to_state=CaseState.WITHDRAWN)


@transaction.atomic
def assign_case(*, case_id: int, assignee: User | None, actor: User,
                expected_version: int) -> Case:
    """Assign the case: a clerk takes a free case (or gives up their own); a lead assigns any."""
    case = _locked_read(case_id)
    role = _role(actor, case)
    if case.assignee_id == (assignee.pk if assignee else None):
        if case.version != expected_version:
            raise CaseChanged(changes_since(case, expected_version))
        return case
    taking_free = assignee is not None and assignee.pk == actor.pk and case.assignee_id is None
    giving_up = assignee is None and case.assignee_id == actor.pk
    if role != "lead" and not (taking_free or giving_up):
        if case.version != expected_version:
            raise CaseChanged(changes_since(case, expected_version))
        raise NotPermitted(_("Only the department's lead may assign a case to someone else "
                             "or take it from a colleague."))
    if assignee is not None and role_of(assignee, case.department_id) is None:
        raise InvalidInput(_("This person does not work in the case's department."),
                           field="assignee")
    return _apply(case, expected_version=expected_version, actor=actor,
                  kind=EventKind.ASSIGNED,
                  fields={"assignee_id": assignee.pk if assignee else None},
                  detail=assignee.get_username() if assignee else "")


@transaction.atomic
def add_note(*, case_id: int, text: str, actor: User, expected_version: int) -> Note:
    """Add an internal note (never shown to the citizen)."""
    case = _locked_read(case_id)
    _role(actor, case)
    text = text.strip()
    if not text:
        raise InvalidInput(_("Write the note."), field="text")
    if len(text) > NOTE_MAX:
        raise InvalidInput(_("A note can have at most 5000 characters."), field="text")
    _apply(case, expected_version=expected_version, actor=actor, kind=EventKind.NOTE_ADDED,
           fields={})
    return Note.objects.create(case=case, author=actor, author_label=actor.get_username(),
                               text=text)


@transaction.atomic
def set_legal_hold(*, case_id: int, reason: str, actor: User, expected_version: int,
                   request: HttpRequest | None = None) -> Case:
    """Put the case under legal hold: the purge leaves it alone until a lead lifts it."""
    case = _locked_read(case_id)
    if _role(actor, case) != "lead":
        raise NotPermitted(_("Only the department's lead may set or lift a legal hold."))
    reason = " ".join(reason.split())
    if not reason:
        raise InvalidInput(_("Enter the reason for the legal hold."), field="reason")
    if len(reason) > HOLD_REASON_MAX:
        raise InvalidInput(_("The reason can have at most 300 characters."), field="reason")
    if case.legal_hold:
        raise CaseError(_("This case is already under legal hold."))
    case = _apply(case, expected_version=expected_version, actor=actor,
                  kind=EventKind.HOLD_SET, detail=reason,
                  fields={"legal_hold": True, "legal_hold_reason": reason,
                          "legal_hold_by_id": actor.pk, "legal_hold_at": timezone.now()})
    record(action=Action.CASE_HOLD_SET, request=request, actor=actor, target=case,
           department=case.department_id, message=reason)
    return case


@transaction.atomic
def lift_legal_hold(*, case_id: int, actor: User, expected_version: int,
                    request: HttpRequest | None = None) -> Case:
    """Lift the legal hold: the case is purged again once its retention period is over."""
    case = _locked_read(case_id)
    if _role(actor, case) != "lead":
        raise NotPermitted(_("Only the department's lead may set or lift a legal hold."))
    if not case.legal_hold:
        raise CaseError(_("This case is not under legal hold."))
    case = _apply(case, expected_version=expected_version, actor=actor,
                  kind=EventKind.HOLD_LIFTED,
                  fields={"legal_hold": False, "legal_hold_reason": "",
                          "legal_hold_by_id": None, "legal_hold_at": None})
    record(action=Action.CASE_HOLD_LIFTED, request=request, actor=actor, target=case,
           department=case.department_id)
    return case


@transaction.atomic
def record_view(*, case: Case, request: HttpRequest) -> None:
    """Log that a member of staff opened the case (timeline and audit log)."""
    user = request.user
    CaseEvent.objects.create(case=case, kind=EventKind.VIEWED,
                             actor=user if isinstance(user, User) else None,
                             actor_label=user.get_username())
    record(action=Action.SUBMISSION_VIEWED, request=request, target=case.submission,
           department=case.department_id)


@transaction.atomic
def record_download(*, case: Case, upload: Upload, request: HttpRequest,
                    inline: bool = False) -> None:
    """Log that a member of staff opened or downloaded an attachment."""
    user = request.user
    CaseEvent.objects.create(case=case, kind=EventKind.DOWNLOADED,
                             actor=user if isinstance(user, User) else None,
                             actor_label=user.get_username(),
                             detail=upload.original_name[:300])
    record(action=Action.ATTACHMENT_DOWNLOADED, request=request, target=case.submission,
           department=case.department_id,
           message=upload.original_name + (" (preview)" if inline else ""))


@transaction.atomic
def record_fee_state(*, submission_id: int, fee: str, detail: str = "") -> bool:
    """Note on the submission's case where its fee stands (payments' hook); True if changed.

    Not a clerk's edit: the version stays, so nobody's open case page is refused for it; the
    timeline says when the fee was paid, refunded, or taken back (due again).
    """
    if fee not in FeeState.values:
        raise ValueError(f"unknown fee state {fee!r}")
    case = Case.objects.filter(submission_id=submission_id).only("pk", "fee").first()
    if case is None or case.fee == fee:
        return False
    Case.objects.filter(pk=case.pk).update(fee=fee)
    kind = {FeeState.PAID: EventKind.FEE_PAID, FeeState.REFUNDED: EventKind.FEE_REFUNDED}.get(
        FeeState(fee))
    if case.fee == FeeState.PAID and fee == FeeState.DUE:
        kind = EventKind.FEE_DUE_AGAIN  # a returned direct debit took the money back
    if kind is not None:
        CaseEvent.objects.create(case=case, kind=kind, actor_label=SYSTEM, detail=detail[:300])
    return True
