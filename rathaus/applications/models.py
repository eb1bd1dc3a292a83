from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rathaus.catalog.models import Department, Service, ServiceVersion

# new_reference stays importable here: migration 0001 names it by this path.
from rathaus.core.references import new_reference as new_reference
from rathaus.identity.levels import TrustLevel
from rathaus.identity.models import Citizen


class FilingChannel(models.TextChoices):
    """How an application reached the town; rathaus.cases opens the case with the same value."""

    ONLINE = "online", _("online")
    COUNTER = "counter", _("at the counter")
    PHONE = "phone", _("by phone")


class Draft(models.Model):
    """An application being filled in; deleted 30 days after the last change."""

    id = models.UUIDField(_("ID"), primary_key=True, default=uuid.uuid4, editable=False)
    service_version = models.ForeignKey(ServiceVersion, verbose_name=_("service version"),
                                        on_delete=models.PROTECT,
                                        related_name="drafts")
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    completed_steps = models.JSONField(_("completed steps"), default=list, blank=True)
    language = models.CharField(_("language"), max_length=8, default="de")
    trust_level = models.PositiveSmallIntegerField(_("trust level"), choices=TrustLevel.choices,
                                                   default=TrustLevel.NONE)
    resume_email = models.EmailField(_("e-mail address for the resume link"), blank=True)
    resume_consent_at = models.DateTimeField(_("consent to keep the draft"), null=True, blank=True)
    # The signed-in citizen whose draft this is ("Mein Rathaus"); anonymous drafts have none.
    citizen = models.ForeignKey(Citizen, verbose_name=_("citizen account"), null=True, blank=True,
                                on_delete=models.CASCADE,
                                related_name="drafts")
    # Filed on behalf of a caller or visitor: the member of staff whose draft this is (never a
    # citizen's), and how the applicant reached the town. Online drafts have no filer.
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("filed by"),
                                 null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="filed_drafts")
    channel = models.CharField(_("received by"), max_length=10, choices=FilingChannel.choices,
                               default=FilingChannel.ONLINE)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("draft")
        verbose_name_plural = _("drafts")
        constraints = [
            # A draft is a citizen's or a clerk's, never both; only a clerk files by another way.
            models.CheckConstraint(
                condition=models.Q(filed_by__isnull=True, channel="online")
                | models.Q(filed_by__isnull=False, citizen__isnull=True,
                           channel__in=["counter", "phone"]),
                name="applications_draft_filed_by_staff"),
        ]

    def __str__(self) -> str:
        return f"{self.service_version} draft {self.pk}"


class SubmissionStatus(models.TextChoices):
    """What the citizen is told of the case's state (kept by rathaus.cases in step with it)."""

    RECEIVED = "received", _("received")
    IN_PROGRESS = "in_progress", _("in progress")
    WAITING = "waiting", _("waiting for you")
    COMPLETED = "completed", _("completed")
    REJECTED = "rejected", _("rejected")
    FORWARDED = "forwarded", _("forwarded")
    WITHDRAWN = "withdrawn", _("withdrawn")


class Submission(models.Model):
    """A submitted application: answers frozen together with the definition version they answer."""

    reference = models.CharField(_("reference"), max_length=9, unique=True,
                                 default=new_reference, editable=False)
    # The draft's id: a second POST of the same draft finds this row instead of submitting twice.
    draft_key = models.UUIDField(_("draft key"), unique=True, editable=False)
    service = models.ForeignKey(Service, verbose_name=_("service"), on_delete=models.PROTECT,
                                related_name="submissions")
    service_version = models.ForeignKey(ServiceVersion, verbose_name=_("service version"),
                                        on_delete=models.PROTECT,
                                        related_name="submissions")
    department = models.ForeignKey(Department, verbose_name=_("department"),
                                   on_delete=models.PROTECT,
                                   related_name="submissions")
    answers = models.JSONField(_("answers"))
    sensitive_fields = models.JSONField(_("sensitive fields"), default=list, blank=True)
    fee_lines = models.JSONField(_("fee lines"), default=list, blank=True)
    fee_total = models.DecimalField(_("total fee"), max_digits=10, decimal_places=2, default=0)
    language = models.CharField(_("language"), max_length=8)
    email = models.EmailField(_("e-mail address"), blank=True)
    trust_level = models.PositiveSmallIntegerField(_("trust level"), choices=TrustLevel.choices,
                                                   default=TrustLevel.NONE)
    # The signed-in citizen who sent it; SET_NULL: deleting the account leaves the town's record.
    citizen = models.ForeignKey(Citizen, verbose_name=_("citizen account"), null=True, blank=True,
                                on_delete=models.SET_NULL,
                                related_name="submissions")
    # Answers that came verified from the identity provider: {field path: {"attribute": key,
    # "level": trust level int, "source": "bundid"}} (once-only principle, for the clerk).
    verified_fields = models.JSONField(_("verified answers"), default=dict, blank=True)
    # Filed by a member of staff for a caller or visitor (channel counter or phone); the name
    # stays when the account is deleted, for the receipt and the case page.
    channel = models.CharField(_("received by"), max_length=10, choices=FilingChannel.choices,
                               default=FilingChannel.ONLINE)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("filed by"),
                                 null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="filed_submissions")
    filed_by_name = models.CharField(_("filed by (name)"), max_length=150, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=SubmissionStatus.choices,
                              default=SubmissionStatus.RECEIVED, db_index=True)
    submitted_at = models.DateTimeField(_("submitted"), auto_now_add=True, db_index=True)
    receipt_pdf = models.FileField(_("receipt (PDF)"), upload_to="receipts/%Y/%m/", blank=True)

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        indexes = [models.Index(fields=["department", "status", "-submitted_at"])]
        constraints = [
            # Filed on behalf: by a named member of staff, for nobody's account.
            models.CheckConstraint(
                condition=models.Q(channel="online", filed_by_name="")
                | (models.Q(channel__in=["counter", "phone"], citizen__isnull=True)
                   & ~models.Q(filed_by_name="")),
                name="applications_submission_filed_on_behalf"),
        ]

    def __str__(self) -> str:
        return self.reference


class Upload(models.Model):
    """A file a citizen attached; stored outside the web root, served only to who may see it."""

    id = models.UUIDField(_("ID"), primary_key=True, default=uuid.uuid4, editable=False)
    draft = models.ForeignKey(Draft, verbose_name=_("draft"), null=True, blank=True,
                              on_delete=models.SET_NULL,
                              related_name="uploads")
    submission = models.ForeignKey(Submission, verbose_name=_("submission"), null=True, blank=True,
                                   on_delete=models.PROTECT,
                                   related_name="attachments")
    field_id = models.CharField(_("field"), max_length=60)
    file = models.FileField(_("file"), upload_to="uploads/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("file type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("checksum (SHA-256)"), max_length=64)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name
