"""Writes of Mein Rathaus: sign-in links, mailbox messages, drafts, deleting the account."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.fields.files import FieldFile
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from rathaus.applications import sealed
from rathaus.applications.models import Draft, Submission, Upload
from rathaus.applications.selectors import has_sensitive_answers
from rathaus.catalog.models import Department
from rathaus.core import limits
from rathaus.identity.models import Citizen

from . import links
from .models import DailyCount, Message, MessageKind, Metric, UsedSignInLink

log = logging.getLogger(__name__)



class TooManyRequests(Exception):
    """Too many sign-in links were asked for from this client address in a short time."""


class LinkUsed(Exception):
    """The sign-in link has been used before."""


def count(metric: Metric) -> None:
    """Add one to today's figure (a number only: no person, no content)."""
    today = timezone.localdate()
    if DailyCount.objects.filter(day=today, metric=metric).update(value=F("value") + 1):
        return
    try:
        with transaction.atomic():
            DailyCount.objects.create(day=today, metric=metric, value=1)
    except IntegrityError:
        DailyCount.objects.filter(day=today, metric=metric).update(value=F("value") + 1)


# -- sign-in by e-mail link --------------------------------------------------------------------


def request_sign_in_link(*, email: str, next_url: str, language: str, client: str) -> None:
    """Send a sign-in link to ``email``, within the rate limits (docs/citizen-area.md).

    Per e-mail address the limit is small: it protects the inbox. Links past it are dropped
    silently; the page says the same either way, so nobody learns anything from it. Per client
    address the limit is much higher, because a town hall's Wi-Fi or a mobile carrier puts
    many people behind one address; past it, TooManyRequests is raised.
    """
    window = settings.RATHAUS_SIGN_IN_LIMIT_MINUTES * 60
    if not limits.hit(scope="sign-in-link-client", key=client,
                      limit=settings.RATHAUS_SIGN_IN_REQUESTS_PER_CLIENT, window=window):
        raise TooManyRequests
    address = email.strip().lower()
    if not limits.hit(scope="sign-in-link-address", key=address,
                      limit=settings.RATHAUS_SIGN_IN_LINKS_PER_ADDRESS, window=window):
        log.info("sign-in link not sent: too many for one address")
        return
    from .tasks import send_sign_in_link

    nonce = links.new_nonce()
    with transaction.atomic():
        count(Metric.EMAIL_LINK_SENT)
        transaction.on_commit(lambda: send_sign_in_link.enqueue(
            email=email.strip(), nonce=nonce, next_url=next_url, language=language))


def link_used(link: links.SignInLink) -> bool:
    return UsedSignInLink.objects.filter(digest=link.digest).exists()


@transaction.atomic
def redeem_sign_in_link(*, token: str) -> links.SignInLink:
    """Use a sign-in link once; raise LinkInvalid, LinkExpired or LinkUsed otherwise."""
    link = links.read_token(token)
    try:
        with transaction.atomic():
            UsedSignInLink.objects.create(digest=link.digest)
    except IntegrityError:
        raise LinkUsed from None
    # A link older than its lifetime fails its signature anyway; its record can go.
    cutoff = timezone.now() - dt.timedelta(seconds=2 * links.MAX_AGE)
    UsedSignInLink.objects.filter(used_at__lt=cutoff).delete()
    count(Metric.EMAIL_SIGN_IN)
    return link


# -- mailbox -------------------------------------------------------------------------------------


@transaction.atomic
def deliver_message(*, citizen: Citizen, subject: str, body: str,
                    submission: Submission | None = None, attachment: File[bytes] | None = None,
                    department: Department | None = None, kind: str = MessageKind.MESSAGE,
                    language: str | None = None, notify: bool = True,
                    sent_by_id: int | None = None) -> Message:
    """Put a message into the citizen's mailbox and, after commit, send the e-mail notice.

    The notice names nothing of the message (no subject, no name, no reference): whoever reads
    the citizen's e-mail learns only that there is something in Mein Rathaus.
    """
    message = Message(
        citizen=citizen, submission=submission, subject=subject[:200], body=body, kind=kind,
        department=department or (submission.department if submission else None),
        language=(language or (submission.language if submission else "de"))[:2],
        sent_by_id=sent_by_id)
    if attachment is not None:
        name = Path(attachment.name or "attachment").name[:200] or "attachment"
        message.attachment_name = name
        message.attachment_type = getattr(attachment, "content_type", None) or _guess_type(name)
        # The stored name is random: a file name chosen by someone never becomes a path.
        suffix = Path(name).suffix.lower()[:10]
        message.attachment.save(f"{timezone.now():%Y%m%d%H%M%S}-{links.new_nonce()}{suffix}",
                                attachment, save=False)
    try:
        message.save()
    except IntegrityError:
        if message.attachment:
            message.attachment.delete(save=False)
        raise
    if notify and citizen.email:
        from .tasks import send_message_notice

        message_id = message.pk
        transaction.on_commit(lambda: send_message_notice.enqueue(message_id=message_id))
    return message


def _guess_type(name: str) -> str:
    import mimetypes

    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def deliver_receipt(*, submission: Submission) -> Message | None:
    """Put the receipt of a signed-in citizen's application into their mailbox, once.

    The confirmation e-mail already tells the citizen when the application names an address,
    so the mailbox notice goes out only when it does not.
    """
    if submission.citizen_id is None:
        return None
    existing = Message.objects.filter(submission=submission, kind=MessageKind.RECEIPT).first()
    if existing is not None:
        return existing
    from rathaus.applications.services import ensure_receipt

    pdf = ensure_receipt(submission=submission)
    language = submission.language[:2]
    with translation.override(language):
        title = submission.service.title
        subject = _("Receipt for your application %(reference)s") % {
            "reference": submission.reference}
        body = _("We have received your application “%(service)s” on %(date)s. Your "
                 "reference is %(reference)s. The receipt with all your answers is "
                 "attached.") % {
            "service": title, "reference": submission.reference,
            "date": date_format(timezone.localtime(submission.submitted_at),
                                "SHORT_DATE_FORMAT")}
        file_name = _("receipt-%(reference)s.pdf") % {"reference": submission.reference}
    # The receipt of health data is kept sealed, as the submission's own copy is.
    attachment = (sealed.sealed_content(pdf, name=file_name)
                  if has_sensitive_answers(submission) else ContentFile(pdf, name=file_name))
    attachment.content_type = "application/pdf"  # type: ignore[attr-defined]
    assert submission.citizen is not None
    try:
        return deliver_message(citizen=submission.citizen, subject=subject, body=body,
                               submission=submission, attachment=attachment,
                               kind=MessageKind.RECEIPT, language=language,
                               notify=not submission.email)
    except IntegrityError:  # delivered by a concurrent run of the task
        return Message.objects.filter(submission=submission, kind=MessageKind.RECEIPT).first()


def renew_mailbox_receipt(*, submission: Submission, pdf: bytes) -> bool:
    """Replace the receipt in the citizen's mailbox by ``pdf`` (the fee paid); True if done.

    The message stays where it is, read or not, without a new e-mail notice: it is the same
    receipt, now saying what is true.
    """
    with transaction.atomic():
        message = (Message.objects.select_for_update()
                   .filter(submission=submission, kind=MessageKind.RECEIPT).first())
        if message is None or not message.attachment:
            return False
        name = message.attachment_name or f"receipt-{submission.reference}.pdf"
        content = (sealed.sealed_content(pdf, name=name) if has_sensitive_answers(submission)
                   else ContentFile(pdf, name=name))
        old = message.attachment.name
        message.attachment.save(name, content, save=False)
        message.save(update_fields=["attachment"])
    if old and old != message.attachment.name:
        message.attachment.storage.delete(old)
    return True


def deliver_about_case(*, submission: Submission, subject: str, body: str,
                       attachment: File[bytes] | None = None, kind: str = MessageKind.MESSAGE,
                       sent_by_id: int | None = None) -> int | None:
    """Provide ``cases.deliver_to_mailbox``: a message about a case to the citizen who sent it."""
    if submission.citizen is None:
        return None
    if kind not in (MessageKind.MESSAGE, MessageKind.NOTICE):
        raise ValueError(f"not a message about a case: {kind!r}")
    return deliver_message(citizen=submission.citizen, subject=subject, body=body,
                           submission=submission, attachment=attachment, kind=kind,
                           sent_by_id=sent_by_id).pk


def mark_read(*, message: Message) -> None:
    if message.read_at is None:
        now = timezone.now()
        Message.objects.filter(pk=message.pk, read_at__isnull=True).update(read_at=now)
        message.read_at = now


# -- drafts and the account ----------------------------------------------------------------------


def _delete_files_after_commit(files: Sequence[FieldFile]) -> None:
    names = [(item.storage, item.name) for item in files if item.name]

    def delete() -> None:
        for storage, name in names:
            try:
                storage.delete(name)
            except OSError:
                log.warning("could not delete a stored file of a deleted account")

    transaction.on_commit(delete)


@transaction.atomic
def delete_draft(*, citizen: Citizen, draft_id: str) -> bool:
    """Delete one of the citizen's drafts with the files chosen for it; False if not theirs."""
    draft = Draft.objects.select_for_update().filter(pk=draft_id, citizen=citizen).first()
    if draft is None:
        return False
    uploads = list(Upload.objects.filter(draft=draft, submission__isnull=True))
    _delete_files_after_commit([upload.file for upload in uploads if upload.file])
    Upload.objects.filter(pk__in=[upload.pk for upload in uploads]).delete()
    draft.delete()
    return True


def delete_submission_messages(*, submission: Submission) -> tuple[int, list[FieldFile]]:
    """Delete the mailbox messages about ``submission``; return how many and their files.

    Called by the purge of cases (cases.hooks.delete_messages) inside its transaction; the
    caller removes the files once that commits.
    """
    messages = Message.objects.filter(submission=submission)
    files = [item.attachment for item in messages.exclude(attachment="")]
    deleted, _per_model = messages.delete()
    return deleted, files


@transaction.atomic
def delete_account(*, citizen: Citizen) -> None:
    """Delete the citizen account with its drafts and mailbox.

    Submitted applications stay with the town (their link to the account is removed) and are
    deleted after their retention period; bookings stay valid with their own links.
    """
    uploads = list(Upload.objects.filter(draft__citizen=citizen, submission__isnull=True))
    messages = list(Message.objects.filter(citizen=citizen).exclude(attachment=""))
    _delete_files_after_commit([item.file for item in uploads if item.file]
                               + [item.attachment for item in messages])
    Upload.objects.filter(pk__in=[upload.pk for upload in uploads]).delete()
    citizen.delete()  # drafts and messages go with it (CASCADE); submissions are SET_NULL
    count(Metric.ACCOUNT_DELETED)
