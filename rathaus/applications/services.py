"""Writes of the application process: drafts, steps, uploads, submission, receipts, purges."""

from __future__ import annotations

import datetime
import hashlib
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, User
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone, translation

from rathaus.audit.models import Action
from rathaus.audit.services import record
from rathaus.catalog.models import Service
from rathaus.core import rows
from rathaus.forms import engine
from rathaus.forms.fields.builtin import MIME_BY_KIND, sniff_kind
from rathaus.forms.prefill import verified_answers
from rathaus.forms.rules import Answers, FeeLine, compute_fees
from rathaus.forms.schema import FieldDef, FormDef, ServiceDef, StepDef
from rathaus.identity.levels import TrustLevel
from rathaus.identity.models import Citizen
from rathaus.identity.session import Attribute

from . import hooks, sealed
from .models import Draft, FilingChannel, Submission, Upload, new_reference
from .signals import submission_created

log = logging.getLogger(__name__)


class DraftGone(Exception):
    """The draft no longer exists (submitted, expired or never there)."""


class ApplicationIncomplete(Exception):
    def __init__(self, step: StepDef) -> None:
        super().__init__(step.id)
        self.step = step


class FilingRefused(Exception):
    """Staff may not file this service for a caller this way (a trust level, by phone)."""


class IdentityNotChecked(Exception):
    """The service needs a trust level online: at the counter the clerk must check the ID."""


# -- filing on behalf of a caller or visitor (decision 0027) ---------------------------------


def needs_identity_check(spec: ServiceDef) -> bool:
    """Return whether the service asks for a BundID trust level online."""
    return spec.required_trust_level > TrustLevel.NONE


def may_file_by(spec: ServiceDef, channel: FilingChannel) -> bool:
    """Return whether staff may file the service for an applicant reaching them by ``channel``.

    A voice on the phone proves nobody's identity: what needs a trust level online is filed
    at the counter, with the ID card in front of the clerk, or by the citizen online.
    """
    if channel == FilingChannel.PHONE:
        return not needs_identity_check(spec)
    return channel == FilingChannel.COUNTER


def form_of(draft: Draft) -> FormDef:
    """Return the form a draft is answered with: a clerk may leave out the e-mail address."""
    form = draft.service_version.spec.form
    assert form is not None
    if draft.filed_by_id is None or form.confirmation_email is None:
        return form
    return engine.optional(form, [form.confirmation_email])


@transaction.atomic
def start_filing(*, service: Service, language: str, channel: FilingChannel,
                 clerk: User) -> Draft:
    """Start an application a member of staff files for a caller or visitor; theirs alone.

    Whether the clerk works in the service's department is the caller's check (the staff
    area knows the roles); the channel rule is checked here, whatever a page offers.
    """
    assert service.current_version is not None
    if not may_file_by(service.current_version.spec, channel):
        raise FilingRefused(channel)
    return Draft.objects.create(service_version=service.current_version, language=language[:2],
                                trust_level=TrustLevel.NONE, filed_by=clerk, channel=channel)


def _checked_at_counter(form: FormDef, answers: Answers, clerk: str) -> dict[str, dict[str, Any]]:
    """Return the answers a clerk compared with the ID card: those BundID would have verified."""
    return {
        item.id: {"attribute": item.identity_attribute, "level": int(TrustLevel.NONE),
                  "source": "counter", "checked_by": clerk}
        for _step, group, item in form.iter_fields()
        if item.identity_attribute is not None and (group is None or not group.repeatable)
        and answers.get(item.id) not in (None, "", {}, [])
    }


def staff_name(user: AbstractBaseUser) -> str:
    full = getattr(user, "get_full_name", lambda: "")()
    return str(full or user.get_username())[:150]


@transaction.atomic
def start_draft(*, service: Service, language: str, trust_level: TrustLevel,
                citizen: Citizen | None = None) -> Draft:
    """Start an application; a signed-in citizen's draft is theirs alone ("Mein Rathaus")."""
    assert service.current_version is not None
    return Draft.objects.create(service_version=service.current_version, language=language[:2],
                                trust_level=trust_level, citizen=citizen)


class DraftUploads:
    """Keep files a citizen chooses with their draft, so a failed step never asks for them again."""

    def __init__(self, draft: Draft) -> None:
        self.draft = draft

    def store(self, *, field: FieldDef, uploaded: UploadedFile[bytes]) -> dict[str, Any]:
        upload = store_upload(draft=self.draft, field_id=field.id, uploaded=uploaded)
        return upload_meta(upload)

    def existing(self, *, field: FieldDef, upload_id: str) -> dict[str, Any] | None:
        key = parse_uuid(upload_id)
        if key is None:
            return None
        upload = Upload.objects.filter(pk=key, draft=self.draft, field_id=field.id).first()
        return upload_meta(upload) if upload else None


def parse_uuid(value: str) -> str | None:
    import uuid

    try:
        return str(uuid.UUID(value))
    except (ValueError, TypeError, AttributeError):
        return None


def upload_meta(upload: Upload) -> dict[str, Any]:
    return {"id": str(upload.pk), "name": upload.original_name, "size": upload.size,
            "content_type": upload.content_type}


@transaction.atomic
def store_upload(*, draft: Draft, field_id: str, uploaded: UploadedFile[bytes]) -> Upload:
    kind = sniff_kind(uploaded)
    assert kind is not None, "the field type checks the content before storing"
    digest = hashlib.sha256()
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    name = Path(uploaded.name or "upload").name[:200] or "upload"
    upload = Upload(draft=draft, field_id=field_id, original_name=name,
                    content_type=MIME_BY_KIND[kind], size=uploaded.size or 0,
                    sha256=digest.hexdigest())
    form = draft.service_version.spec.form
    # The stored name is random: a citizen's file name never becomes a path on the server.
    if form is not None and field_id in sealed.sensitive_ids(form):
        # Health data (a medical report): on disk only sealed (decision 0021).
        upload.file.save(f"{upload.pk}.{kind}", sealed.sealed_content(uploaded.read()),
                         save=False)
    else:
        upload.file.save(f"{upload.pk}.{kind}", uploaded, save=False)
    upload.save()
    return upload


# Written out: compiling the ORM's update took more CPU than the statement (docs/performance.md).
_SAVE_IF_UNCHANGED = rows.ConditionalUpdate(
    Draft, ["answers", "completed_steps", "updated_at"], guard="updated_at")


def _fee_line(line: FeeLine) -> dict[str, Any]:
    """Store a fee line, with its calculation in both languages ("3 Tage × 15 m")."""
    stored: dict[str, Any] = {"label": line.label.model_dump(), "amount": str(line.amount),
                              "quantity": line.quantity, "total": str(line.total)}
    if line.counts:
        stored["counts"] = {}
        for language in ("de", "en"):
            with translation.override(language):
                stored["counts"][language] = line.counts_text
    return stored


def _for_storage(form: FormDef, answers: Answers) -> Answers:
    """Return the answers as the database keeps them: sensitive ones sealed (decision 0021)."""
    return sealed.seal_answers(answers, sealed.sensitive_ids(form))


def save_step(*, draft: Draft, step: StepDef, values: dict[str, Any]) -> Draft:
    """Store a completed step; a save from another tab in between is merged, not overwritten.

    ``draft.answers`` are the opened answers the form engine works with (views open them).
    """
    form = draft.service_version.spec.form
    assert form is not None
    answers = engine.merge_step(form, step, draft.answers, values)
    completed = list(draft.completed_steps)
    if step.id not in completed:
        completed.append(step.id)
    now = timezone.now()
    # Optimistic: one UPDATE that applies only if nobody saved since this request read the draft.
    stored = _for_storage(form, answers)
    if _SAVE_IF_UNCHANGED.run(draft.pk, draft.updated_at, [stored, completed, now]):
        draft.answers, draft.completed_steps, draft.updated_at = answers, completed, now
        return draft
    return _save_step_locked(draft=draft, step=step, values=values)


@transaction.atomic
def _save_step_locked(*, draft: Draft, step: StepDef, values: dict[str, Any]) -> Draft:
    form = draft.service_version.spec.form
    assert form is not None
    locked = Draft.objects.select_for_update().get(pk=draft.pk)
    answers = engine.merge_step(form, step, sealed.draft_answers(locked), values)
    locked.answers = _for_storage(form, answers)
    if step.id not in locked.completed_steps:
        locked.completed_steps = [*locked.completed_steps, step.id]
    locked.save(update_fields=["answers", "completed_steps", "updated_at"])
    locked.answers = answers
    return locked


@transaction.atomic
def save_partial(*, draft: Draft, step: StepDef, values: dict[str, Any]) -> Draft:
    """Keep the valid answers of an unfinished step; the step stays incomplete."""
    form = draft.service_version.spec.form
    assert form is not None
    locked = Draft.objects.select_for_update().get(pk=draft.pk)
    answers = engine.merge_step(form, step, sealed.draft_answers(locked), values)
    locked.answers = _for_storage(form, answers)
    locked.completed_steps = [item for item in locked.completed_steps if item != step.id]
    locked.save(update_fields=["answers", "completed_steps", "updated_at"])
    locked.answers = answers
    return locked


@transaction.atomic
def offer_resume_link(*, draft: Draft, email: str) -> None:
    """Record the citizen's consent to keep the draft and send the resume link to them."""
    from .tasks import send_resume_link

    Draft.objects.filter(pk=draft.pk).update(
        resume_email=email, resume_consent_at=timezone.now(), updated_at=timezone.now()
    )
    draft_id = str(draft.pk)
    transaction.on_commit(lambda: send_resume_link.enqueue(draft_id=draft_id))


def submit_draft(*, draft_id: str, citizen: Citizen | None = None,
                 trust_level: TrustLevel | None = None,
                 identity: Mapping[str, Attribute] | None = None,
                 identity_source: str = "bundid", clerk: AbstractBaseUser | None = None,
                 identity_checked: bool = False,
                 request: HttpRequest | None = None, payment_method: str = "") -> Submission:
    """Submit a draft once; sending it again returns the submission it already made.

    ``citizen`` is who is signed in, ``trust_level`` the session's level (default: the level
    the draft was started at), ``identity`` the attributes the identity provider sent: the
    answers still equal to a verified value are recorded in ``verified_fields``.

    A draft filed on behalf is submitted only by its ``clerk``; ``identity_checked`` is their
    confirmation that they compared the applicant's ID card or passport with the answers,
    which a service with a trust level needs at the counter (``IdentityNotChecked``).

    ``payment_method`` is the way to pay the citizen chose on the check page; the payment
    is opened in the same transaction (hooks.open_payment), so an unpaid application is kept
    as unpaid, never lost.
    """
    try:
        return _submit_draft(draft_id=draft_id, citizen=citizen, trust_level=trust_level,
                             identity=identity or {}, identity_source=identity_source,
                             clerk=clerk, identity_checked=identity_checked, request=request,
                             payment_method=payment_method)
    except IntegrityError:
        existing = Submission.objects.filter(draft_key=draft_id).first()
        if existing is None:
            raise
        return existing


@transaction.atomic
def _submit_draft(*, draft_id: str, citizen: Citizen | None, trust_level: TrustLevel | None,
                  identity: Mapping[str, Attribute], identity_source: str,
                  clerk: AbstractBaseUser | None, identity_checked: bool,
                  request: HttpRequest | None, payment_method: str) -> Submission:
    from .tasks import notify_department, send_submission_confirmation

    existing = Submission.objects.filter(draft_key=draft_id).first()
    if existing is not None:
        return existing
    draft = Draft.objects.select_for_update().select_related(
        "service_version__service__department"
    ).filter(pk=draft_id).first()
    if draft is None:
        existing = Submission.objects.filter(draft_key=draft_id).first()
        if existing is not None:
            return existing
        raise DraftGone(draft_id)
    on_behalf = draft.filed_by_id is not None
    if on_behalf != (clerk is not None) or (clerk is not None and clerk.pk != draft.filed_by_id):
        raise DraftGone(draft_id)  # a clerk's draft is theirs; a citizen's is not staff's
    version = draft.service_version
    spec = version.spec
    form = form_of(draft)
    channel = FilingChannel(draft.channel)
    if on_behalf:
        if not may_file_by(spec, channel):
            raise FilingRefused(channel)
        if needs_identity_check(spec) and not identity_checked:
            raise IdentityNotChecked(draft_id)
    answers = engine.prune(form, sealed.draft_answers(draft))
    missing = engine.first_incomplete(form, answers, draft.completed_steps)
    if missing is not None:
        raise ApplicationIncomplete(missing)
    lines, total = compute_fees(form, answers)
    email_field = form.confirmation_email
    filer = staff_name(clerk) if clerk is not None else ""
    checked = on_behalf and identity_checked and channel == FilingChannel.COUNTER
    if clerk is not None:
        verified = _checked_at_counter(form, answers, filer) if checked else {}
        level = spec.required_trust_level if checked else TrustLevel.NONE
    else:
        verified = verified_answers(form, answers, identity, source=identity_source)
        level = TrustLevel(draft.trust_level) if trust_level is None else trust_level
    submission = Submission(
        draft_key=draft.pk,
        service=version.service,
        service_version=version,
        department=version.service.department,
        answers=_for_storage(form, answers),
        sensitive_fields=sorted(sealed.sensitive_ids(form)),
        fee_lines=[_fee_line(line) for line in lines],
        fee_total=total,
        language=draft.language,
        email=str(answers.get(email_field) or "") if email_field else "",
        trust_level=level,
        # Filed on behalf: nobody's account, whoever is signed in as a citizen in the browser.
        citizen_id=None if on_behalf else (
            citizen.pk if citizen is not None else draft.citizen_id),
        verified_fields=verified,
        channel=channel, filed_by_id=draft.filed_by_id, filed_by_name=filer,
    )
    for _attempt in range(5):
        try:
            with transaction.atomic():
                submission.save()
            break
        except IntegrityError:
            if Submission.objects.filter(draft_key=draft.pk).exists():
                raise
            submission.reference = new_reference()
    Upload.objects.filter(
        pk__in=engine.upload_ids(form, answers), draft=draft
    ).update(submission=submission, draft=None)
    draft.delete()
    if clerk is not None:
        record(action=Action.FILED_ON_BEHALF, request=request, actor=clerk, target=submission,
               department=submission.department_id,
               message=f"{channel.value}; identity checked: {'yes' if checked else 'no'}")
    # Inside the transaction: a receiver that fails (the case) undoes the submission.
    submission_created.send(sender=Submission, submission=submission, channel=channel.value,
                            filed_by=clerk)
    hooks.open_payment.call(submission=submission, method=payment_method)
    submission_id = submission.pk
    transaction.on_commit(lambda: send_submission_confirmation.enqueue(
        submission_id=submission_id
    ))
    if submission.department.notify_email:
        transaction.on_commit(lambda: notify_department.enqueue(submission_id=submission_id))
    return submission


def ensure_receipt(*, submission: Submission) -> bytes:
    """Return the receipt PDF, rendering and storing it the first time it is asked for."""
    if submission.receipt_pdf:
        try:
            return sealed.read_receipt(submission.receipt_pdf)
        except FileNotFoundError:
            log.warning("receipt of %s missing on disk; rendering again", submission.reference)
    from .receipts import render_receipt
    from .selectors import has_sensitive_answers

    pdf = render_receipt(submission=submission)
    # The receipt of health data carries them: on disk it is sealed like the answers.
    content = (sealed.sealed_content(pdf) if has_sensitive_answers(submission)
               else ContentFile(pdf))
    with transaction.atomic():
        locked = Submission.objects.select_for_update().get(pk=submission.pk)
        if not locked.receipt_pdf:
            locked.receipt_pdf.save(f"{locked.reference}.pdf", content, save=True)
        submission.receipt_pdf = locked.receipt_pdf
    return pdf


def renew_receipt(*, submission_id: int) -> None:
    """Render the stored receipt again, for a change it shows (the fee paid).

    The receipt already mailed stays as it was sent; the download and the copy in the
    citizen's mailbox (hooks.receipt_renewed) show the new one.
    """
    submission = Submission.objects.filter(pk=submission_id).first()
    if submission is None or not submission.receipt_pdf:
        return  # rendered on first use, then with what is true then
    from .receipts import render_receipt
    from .selectors import has_sensitive_answers

    pdf = render_receipt(submission=submission)
    content = (sealed.sealed_content(pdf) if has_sensitive_answers(submission)
               else ContentFile(pdf))
    with transaction.atomic():
        locked = Submission.objects.select_for_update().get(pk=submission.pk)
        old = locked.receipt_pdf.name
        locked.receipt_pdf.save(f"{locked.reference}.pdf", content, save=True)
    if old and old != locked.receipt_pdf.name:
        locked.receipt_pdf.storage.delete(old)
    hooks.receipt_renewed.call(submission=locked, pdf=pdf)


@transaction.atomic
def purge_expired_drafts(*, now: datetime.datetime | None = None) -> int:
    """Delete drafts (and their unsubmitted files) not changed for their retention period.

    A draft the citizen agreed to keep lives 30 days after the last change; one without that
    consent only as long as the browser session that can reach it, plus a margin.
    """
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.RATHAUS_DRAFT_RETENTION_DAYS)
    unsaved_cutoff = now - datetime.timedelta(hours=settings.RATHAUS_UNSAVED_DRAFT_HOURS)
    expired = Draft.objects.filter(
        Q(updated_at__lt=cutoff) | Q(resume_consent_at__isnull=True, updated_at__lt=unsaved_cutoff)
    )
    files = list(Upload.objects.filter(draft__in=expired, submission__isnull=True))
    for upload in files:
        upload.file.delete(save=False)
        upload.delete()
    _total, per_model = expired.delete()
    orphans = Upload.objects.filter(draft__isnull=True, submission__isnull=True,
                                    created_at__lt=cutoff)
    for upload in orphans:
        upload.file.delete(save=False)
        upload.delete()
    return per_model.get("applications.Draft", 0)
