"""Mein Rathaus: the citizen's mailbox, used e-mail sign-in links, and counts without people."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rathaus.applications.models import Submission
from rathaus.catalog.models import Department
from rathaus.identity.models import Citizen


class MessageKind(models.TextChoices):
    MESSAGE = "message", _("message")
    RECEIPT = "receipt", _("receipt of an application")
    NOTICE = "notice", _("notice (decision)")
    WELCOME = "welcome", _("welcome")


class Message(models.Model):
    """A message or decision from the town in a citizen's mailbox.

    The e-mail that tells the citizen about it names nothing of its content (see emails.py).
    The attachment is stored like receipts: outside any web root, streamed only to the owner.
    """

    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="messages",
                                verbose_name=_("citizen account"))
    # The application the message is about; the message stays when the town deletes it.
    submission = models.ForeignKey(Submission, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="messages", verbose_name=_("application"))
    department = models.ForeignKey(Department, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("from department"))
    kind = models.CharField(_("kind"), max_length=12, choices=MessageKind.choices,
                            default=MessageKind.MESSAGE)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"))
    attachment = models.FileField(_("attachment"), upload_to="messages/%Y/%m/", blank=True)
    attachment_name = models.CharField(_("file name of the attachment"), max_length=255,
                                       blank=True)
    attachment_type = models.CharField(_("file type of the attachment"), max_length=100, blank=True)
    # The language the notice e-mail is written in (the message text is as staff wrote it).
    language = models.CharField(_("language"), max_length=8, default="de",
                                choices=settings.LANGUAGES)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                blank=True, related_name="+", verbose_name=_("sent by"))
    created_at = models.DateTimeField(_("delivered"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("mailbox message")
        verbose_name_plural = _("mailbox messages")
        indexes = [models.Index(fields=["citizen", "-created_at"], name="message_citizen_idx")]
        constraints = [
            # The receipt of an application reaches the mailbox once, however often the task runs.
            models.UniqueConstraint(fields=["submission"], condition=Q(kind="receipt"),
                                    name="message_one_receipt_per_submission"),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class UsedSignInLink(models.Model):
    """An e-mail sign-in link that has been used; a link works once.

    Only a hash of the link's random part is kept, and only for as long as the link could
    still be valid (rows are removed an hour later).
    """

    digest = models.CharField(_("digest"), max_length=64, unique=True)
    used_at = models.DateTimeField(_("used"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("used sign-in link")
        verbose_name_plural = _("used sign-in links")

    def __str__(self) -> str:
        return self.digest[:12]


class Metric(models.TextChoices):
    EMAIL_LINK_SENT = "email_link_sent", _("e-mail sign-in links sent")
    EMAIL_SIGN_IN = "email_sign_in", _("sign-ins by e-mail link")
    DATA_EXPORT = "data_export", _("personal data downloaded")
    ACCOUNT_DELETED = "account_deleted", _("accounts deleted")


class DailyCount(models.Model):
    """How often something happened on a day: a number, never who or what."""

    day = models.DateField(_("day"))
    metric = models.CharField(_("figure"), max_length=20, choices=Metric.choices)
    value = models.PositiveIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("daily count")
        verbose_name_plural = _("daily counts")
        constraints = [models.UniqueConstraint(fields=["day", "metric"],
                                               name="account_count_per_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.metric}: {self.value}"
