"""The notice of a decision: drafted on the case, released by a lead where the service asks,
frozen when sent, delivered for retrieval online (§ 41 (2a) VwVfG) or by post.

The notice counts as given on the day after its first retrieval. Not retrieved within ten days
of its provision, the provision ends and the department sends the same frozen PDF by post,
which then counts as given on the fourth day after posting (§ 41 (2) VwVfG). Decision 0025.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import HttpRequest
from django.utils import formats, timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rathaus.applications.models import Submission
from rathaus.applications.sealed import sealed_content
from rathaus.applications.selectors import has_sensitive_answers
from rathaus.audit.models import Action
from rathaus.audit.services import record
from rathaus.notices.models import Notice, NoticeKind, NoticeTemplate, NoticeTemplateVersion
from rathaus.notices.services import issue_notice, issued_pdf

from . import hooks
from .models import Case, CaseEvent, CaseNotice, CaseState, DeliveryChannel, EventKind, NoticeStatus
from .notice_content import notice_context, template_version
from .services import (
    CITIZEN,
    SYSTEM,
    CaseChanged,
    CaseError,
    InvalidInput,
    NotPermitted,
    _apply,
    _locked_read,
    _role,
    changes_since,
    workflow_of,
)

CONSENT_FIELD = "notice_by_retrieval"
# § 41 (2a) sentence 4 VwVfG: not retrieved within ten days, the provision ends.
PROVISION_DAYS = 10
# § 41 (2) VwVfG: a notice sent by post counts as given on the fourth day after posting.
POSTAL_GIVEN_AFTER_DAYS = 4
JUSTIFICATION_MAX = 5000
FEE_MAX_CENTS = 100_000_000
# The kinds of notice that can state a decision with this outcome, preferred first.
OUTCOME_KINDS: dict[str, tuple[NoticeKind, ...]] = {
    "granted": (NoticeKind.GRANTED, NoticeKind.FEE),
    "partly_granted": (NoticeKind.PARTLY_GRANTED,),
    "refused": (NoticeKind.REFUSED,),
}
# Refusals need reasons the clerk writes (§ 39 VwVfG).
NEEDS_JUSTIFICATION = (NoticeKind.REFUSED, NoticeKind.PARTLY_GRANTED)


def kinds_for(case: Case) -> list[NoticeKind]:
    """Return the kinds of notice the service has a template for that fit the case's outcome."""
    wanted = OUTCOME_KINDS.get(case.outcome, ())
    present = set(NoticeTemplate.objects.filter(
        service_id=case.service_id, kind__in=wanted, current_version__isnull=False)
        .values_list("kind", flat=True))
    return [kind for kind in wanted if kind in present]


def open_notice(case: Case) -> CaseNotice | None:
    return case.notices.exclude(status=NoticeStatus.SENT).select_related("drafted_by").first()


def sent_notices(case: Case) -> list[CaseNotice]:
    return list(case.notices.filter(status=NoticeStatus.SENT)
                .select_related("notice", "released_by", "drafted_by").order_by("pk"))


def consented(submission: Submission) -> bool:
    return submission.answers.get(CONSENT_FIELD) is True


# -- drafting, release, sending ------------------------------------------------------------


def _decided(case: Case) -> None:
    if case.state != CaseState.DECIDED or not case.outcome:
        raise CaseError(_("A notice is written once the case is decided with an outcome."))


def notice_sent_on_decision(case: Case) -> bool:
    """Return whether the current decision already has its notice (sent after it was made)."""
    decided_at = (case.events.filter(kind=EventKind.STATE_CHANGED, to_state=CaseState.DECIDED)
                  .order_by("-at", "-pk").values_list("at", flat=True).first())
    sent = case.notices.filter(status=NoticeStatus.SENT)
    if decided_at is not None:
        sent = sent.filter(notice__issued_at__gte=decided_at)
    return sent.exists()


@transaction.atomic
def _sets_an_amount(version: NoticeTemplateVersion) -> bool:
    """Whether the template's text names the amount ({fee}) in either language."""
    return any("{fee}" in version.text("body", language) for language in ("de", "en"))


def draft_notice(*, case_id: int, actor: User, expected_version: int, kind: str = "",
                 justification: str = "", fee_cents: int = 0) -> CaseNotice:
    """Write (or rewrite) the notice of the case's decision; a submitted draft goes back."""
    case = _locked_read(case_id)
    _role(actor, case)
    if case.version != expected_version:
        raise CaseChanged(changes_since(case, expected_version))
    _decided(case)
    if notice_sent_on_decision(case):
        raise CaseError(_("The notice on this decision has been sent. For another one, a lead "
                          "reopens the case and it is decided again."))
    kinds = kinds_for(case)
    if not kinds:
        raise CaseError(_("This service has no notice template for this decision. Ask the "
                          "administration to add one."))
    if not kind:
        kind = kinds[0]
    if kind not in kinds:
        raise InvalidInput(_("Choose one of the kinds of notice offered."), field="notice_kind")
    justification = justification.strip().replace("\r\n", "\n")
    if kind in NEEDS_JUSTIFICATION and not justification:
        raise InvalidInput(_("Write the reasons for the decision: a refusal must give them "
                             "(§ 39 VwVfG)."), field="justification")
    if len(justification) > JUSTIFICATION_MAX:
        raise InvalidInput(_("The reasons can have at most 5000 characters."),
                           field="justification")
    if not 0 <= fee_cents <= FEE_MAX_CENTS:
        raise InvalidInput(_("Enter an amount between 0 and 1,000,000 euros."), field="fee")
    if fee_cents == 0 and _sets_an_amount(template_version(case, kind)):
        # "We set the dog tax at 0,00 € a year" is a clerk's slip, never a decision.
        raise InvalidInput(_("This notice sets an amount: enter it, for example 96,00."),
                           field="fee")
    draft = CaseNotice.objects.select_for_update().filter(case=case).exclude(
        status=NoticeStatus.SENT).first()
    now = timezone.now()
    if draft is None:
        draft = CaseNotice(case=case)
    draft.kind = kind
    draft.justification = justification
    draft.fee_cents = fee_cents
    draft.status = NoticeStatus.DRAFT
    draft.drafted_by = actor
    draft.drafted_at = now
    draft.save()
    _apply(case, expected_version=expected_version, actor=actor, kind=EventKind.NOTICE_DRAFTED,
           fields={}, detail=kind)
    return draft


def _the_draft(case: Case) -> CaseNotice:
    """Return the case's notice in the works, if it still states the case's decision."""
    # Only the row itself is locked (PostgreSQL locks no nullable side of a join); the
    # drafting clerk is read when the notice is rendered.
    draft = (CaseNotice.objects.select_for_update().filter(case=case)
             .exclude(status=NoticeStatus.SENT).first())
    if draft is None:
        raise CaseError(_("There is no notice drafted for this case yet."))
    # A lead may have reopened the case and decided it otherwise since it was drafted.
    if draft.kind not in OUTCOME_KINDS.get(case.outcome, ()):
        raise CaseError(_("The draft no longer fits the decision: change the draft first."))
    return draft


@transaction.atomic
def send_notice(*, case_id: int, actor: User, expected_version: int,
                request: HttpRequest | None = None) -> CaseNotice:
    """Send the drafted notice, or, where the service wants four eyes, submit it for release."""
    case = _locked_read(case_id)
    _role(actor, case)
    if case.version != expected_version:
        raise CaseChanged(changes_since(case, expected_version))
    _decided(case)
    draft = _the_draft(case)
    if draft.status == NoticeStatus.AWAITING_RELEASE:
        raise CaseError(_("The notice is already waiting for release by a lead."))
    if workflow_of(case.submission.service_version.spec).notice_release_by_lead:
        draft.status = NoticeStatus.AWAITING_RELEASE
        draft.save(update_fields=["status"])
        _apply(case, expected_version=expected_version, actor=actor,
               kind=EventKind.NOTICE_SUBMITTED, fields={})
        return draft
    return _issue_and_deliver(case, draft, actor=actor, expected_version=expected_version,
                              request=request)


@transaction.atomic
def release_notice(*, case_id: int, actor: User, expected_version: int,
                   request: HttpRequest | None = None) -> CaseNotice:
    """Release a notice submitted for release (a lead other than its drafter) and send it."""
    case = _locked_read(case_id)
    if _role(actor, case) != "lead":
        raise NotPermitted(_("Only the department's lead may release a notice."))
    if case.version != expected_version:
        raise CaseChanged(changes_since(case, expected_version))
    _decided(case)
    draft = _the_draft(case)
    if draft.status != NoticeStatus.AWAITING_RELEASE:
        raise CaseError(_("This notice has not been submitted for release."))
    if draft.drafted_by_id == actor.pk:
        raise NotPermitted(_("You drafted this notice yourself: another lead of the department "
                             "must release it (four-eyes rule)."))
    draft.released_by = actor
    draft.released_at = timezone.now()
    draft.save(update_fields=["released_by", "released_at"])
    case = _apply(case, expected_version=expected_version, actor=actor,
                  kind=EventKind.NOTICE_RELEASED, fields={})
    return _issue_and_deliver(case, draft, actor=actor, expected_version=case.version,
                              request=request)


def _file_name(case: Case, language: str) -> str:
    with translation.override(language):
        return gettext("notice-%(reference)s.pdf") % {"reference": case.reference}


def _issue_and_deliver(case: Case, draft: CaseNotice, *, actor: User, expected_version: int,
                       request: HttpRequest | None) -> CaseNotice:
    context = notice_context(case, draft)
    if draft.fee_cents > 0:
        request_to_pay = hooks.open_notice_payment.call(submission=case.submission,
                                                        amount_cents=draft.fee_cents)
        if request_to_pay is not None:
            context = dataclasses.replace(context, payment=request_to_pay)
    notice = issue_notice(template_version=template_version(case, draft.kind), context=context,
                          subject_reference=f"case:{case.reference}",
                          actor_label=actor.get_username())
    submission = case.submission
    now = notice.issued_at
    draft.notice = notice
    draft.status = NoticeStatus.SENT
    citizen = submission.citizen
    online = consented(submission)
    if online and citizen is not None and citizen.email:
        draft.channel = DeliveryChannel.RETRIEVAL
        draft.mailbox_message_id = _to_mailbox(case, notice, until=now + dt.timedelta(
            days=PROVISION_DAYS))
        # The mailbox sends its content-free e-mail notice itself.
        draft.notified = draft.mailbox_message_id is not None
        if not draft.notified:
            draft.channel = DeliveryChannel.POST
    elif online and submission.email:
        draft.channel = DeliveryChannel.RETRIEVAL
        draft.notified = True
        draft_id = draft.pk
        from .tasks import send_notice_ready

        transaction.on_commit(lambda: send_notice_ready.enqueue(case_notice_id=draft_id))
    else:
        draft.channel = DeliveryChannel.POST
    if draft.channel == DeliveryChannel.RETRIEVAL:
        draft.provided_at = now
        draft.provision_ends_at = now + dt.timedelta(days=PROVISION_DAYS)
    else:
        draft.postal_needed = True
    draft.save()
    detail = (f"retrieval:{timezone.localdate(draft.provision_ends_at).isoformat()}"
              if draft.provision_ends_at else "post")
    _apply(case, expected_version=expected_version, actor=actor,
           kind=EventKind.NOTICE_PROVIDED, fields={}, detail=detail)
    record(action=Action.NOTICE_SENT, request=request, actor=actor, target=case.submission,
           department=case.department_id,
           message=f"{notice.reference} {notice.kind} sha256={notice.sha256} ({draft.channel})")
    return draft


def _to_mailbox(case: Case, notice: Notice, *, until: dt.datetime) -> int | None:
    submission = case.submission
    language = submission.language[:2]
    with translation.override(language):
        subject = gettext("Notice on your application %(reference)s") % {
            "reference": case.reference}
        body = gettext(
            "The notice on your application %(reference)s is attached. It is provided for you "
            "to retrieve until %(date)s and counts as given on the day after you first open "
            "it. If you do not open it by then, we send it to you by post.") % {
            "reference": case.reference,
            "date": formats.date_format(timezone.localdate(until), "DATE_FORMAT")}
    # The mailbox copy of a notice on health data is kept sealed, as the receipt is.
    pdf, name = issued_pdf(notice), _file_name(case, language)
    attachment = (sealed_content(pdf, name=name) if has_sensitive_answers(submission)
                  else ContentFile(pdf, name=name))
    attachment.content_type = "application/pdf"  # type: ignore[attr-defined]
    return hooks.deliver_to_mailbox.call(submission=submission, subject=subject, body=body,
                                         attachment=attachment, kind="notice")


# -- retrieval, lapse, post ----------------------------------------------------------------


def available(item: CaseNotice, now: dt.datetime | None = None) -> bool:
    """Return whether the citizen may retrieve the notice online now."""
    return (item.status == NoticeStatus.SENT and item.channel == DeliveryChannel.RETRIEVAL
            and item.lapsed_at is None and item.provision_ends_at is not None
            and (now or timezone.now()) < item.provision_ends_at)


@transaction.atomic
def record_retrieval(*, case_notice_id: int, request: HttpRequest | None = None) -> CaseNotice:
    """Record the citizen's first retrieval: the notice counts as given on the next day."""
    item = CaseNotice.objects.select_for_update().select_related("case").get(pk=case_notice_id)
    if item.retrieved_at is not None or not available(item):
        return item
    now = timezone.now()
    item.retrieved_at = now
    item.given_on = timezone.localdate(now) + dt.timedelta(days=1)
    item.save(update_fields=["retrieved_at", "given_on"])
    # Version 0: the citizen's retrieval changes nothing a clerk's form was shown with.
    CaseEvent.objects.create(case=item.case, kind=EventKind.NOTICE_RETRIEVED,
                             actor_label=CITIZEN, detail=item.given_on.isoformat())
    record(action=Action.NOTICE_RETRIEVED, request=request, actor_label=CITIZEN,
           object_type="cases.case", object_id=item.case.reference,
           department=item.case.department_id,
           message=f"given on {item.given_on.isoformat()}")
    return item


def mailbox_notice(message_id: int) -> CaseNotice | None:
    """Return the case notice delivered as mailbox message ``message_id`` (None: another)."""
    return CaseNotice.objects.filter(mailbox_message_id=message_id).first()


@transaction.atomic
def end_lapsed_provisions(*, now: dt.datetime | None = None) -> int:
    """End the provisions not retrieved within ten days: the notice must go by post (once)."""
    now = now or timezone.now()
    ended = 0
    due = (CaseNotice.objects.select_for_update(skip_locked=True).select_related("case")
           .filter(channel=DeliveryChannel.RETRIEVAL, retrieved_at__isnull=True,
                   lapsed_at__isnull=True, provision_ends_at__lte=now))
    for item in due:
        item.lapsed_at = now
        item.postal_needed = True
        item.save(update_fields=["lapsed_at", "postal_needed"])
        CaseEvent.objects.create(case=item.case, kind=EventKind.NOTICE_LAPSED,
                                 actor_label=SYSTEM)
        ended += 1
    return ended


def parse_fee(text: str) -> int | None:
    """Return euros typed as "96", "96,00", "1.234,50" or "96.00" in cents (None: not so)."""
    cleaned = text.replace("€", "").replace(" ", "").replace("\u00a0", "").strip()
    if not cleaned:
        return 0
    if "," in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    # Plain digits only: no sign, exponent, NaN, other scripts, nor more than Decimal holds.
    if (not cleaned.isascii() or not cleaned.replace(".", "", 1).isdigit()
            or len(cleaned) > 15):
        return None
    amount = Decimal(cleaned)
    if amount != amount.quantize(Decimal("0.01")):
        return None
    return int(amount * 100)


@transaction.atomic
def record_posting(*, case_id: int, case_notice_id: int, posted_on: dt.date, actor: User,
                   expected_version: int) -> CaseNotice:
    """Record that the frozen notice went by post: it counts as given four days later."""
    case = _locked_read(case_id)
    _role(actor, case)
    if case.version != expected_version:
        raise CaseChanged(changes_since(case, expected_version))
    item = CaseNotice.objects.select_for_update().filter(
        pk=case_notice_id, case=case, status=NoticeStatus.SENT).first()
    if item is None or not item.postal_needed:
        raise CaseError(_("This notice does not need to be sent by post."))
    if item.posted_on is not None:
        raise CaseError(_("This notice is already recorded as sent by post."))
    assert item.notice is not None
    if posted_on > timezone.localdate():
        raise InvalidInput(_("The date cannot be in the future."), field="posted_on")
    if posted_on < timezone.localdate(item.notice.issued_at):
        raise InvalidInput(_("The date cannot be before the notice was issued."),
                           field="posted_on")
    item.posted_on = posted_on
    if item.given_on is None:
        item.given_on = posted_on + dt.timedelta(days=POSTAL_GIVEN_AFTER_DAYS)
    item.save(update_fields=["posted_on", "given_on"])
    _apply(case, expected_version=expected_version, actor=actor, kind=EventKind.NOTICE_POSTED,
           fields={}, detail=posted_on.isoformat())
    return item


# -- what the case page shows --------------------------------------------------------------


@dataclass(frozen=True)
class NoticePanel:
    """The notice part of the staff case page."""

    kinds: list[NoticeKind]
    draft: CaseNotice | None
    sent: list[CaseNotice]
    four_eyes: bool
    may_draft: bool
    may_release: bool
    own_draft: bool


def panel(case: Case, *, user_id: int, role: str | None) -> NoticePanel:
    draft = open_notice(case)
    decided = (case.state == CaseState.DECIDED and bool(case.outcome)
               and not notice_sent_on_decision(case))
    return NoticePanel(
        kinds=kinds_for(case) if decided else [],
        draft=draft, sent=sent_notices(case),
        four_eyes=workflow_of(case.submission.service_version.spec).notice_release_by_lead,
        may_draft=decided and role is not None,
        may_release=(draft is not None and draft.status == NoticeStatus.AWAITING_RELEASE
                     and role == "lead" and draft.drafted_by_id != user_id),
        own_draft=draft is not None and draft.drafted_by_id == user_id)
