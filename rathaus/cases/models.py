from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rathaus.applications.models import Submission
from rathaus.catalog.models import Department, Service
from rathaus.notices.models import Notice, NoticeKind


class CaseState(models.TextChoices):
    """The states of forms.workflow.State, with their labels."""

    RECEIVED = "received", _("received")
    IN_PROGRESS = "in_progress", _("in progress")
    WAITING_FOR_CITIZEN = "waiting_for_citizen", _("waiting for the citizen")
    DECIDED = "decided", _("decided")
    CLOSED = "closed", _("closed")
    FORWARDED = "forwarded", _("forwarded")
    WITHDRAWN = "withdrawn", _("withdrawn")


class Outcome(models.TextChoices):
    GRANTED = "granted", _("granted")
    REFUSED = "refused", _("refused")
    PARTLY_GRANTED = "partly_granted", _("partly granted")


# The states in which the department's work on a case has ended: the retention clock runs from
# the first of them (decision 0023). A forwarded case is the other authority's now; a withdrawn
# one needs nothing more, whether or not someone also closes it.
END_STATES = (CaseState.CLOSED, CaseState.WITHDRAWN, CaseState.FORWARDED)


class CaseChannel(models.TextChoices):
    ONLINE = "online", _("online")
    COUNTER = "counter", _("at the counter")
    PHONE = "phone", _("by phone")


class Case(models.Model):
    """The department's work on one submission: state, outcome, who works on it, when it is due.

    ``version`` grows with every change: a write names the version it saw and is refused if
    another one came in between (optimistic locking, decision 0020).
    """

    submission = models.OneToOneField(Submission, verbose_name=_("submission"),
                                      on_delete=models.PROTECT, related_name="case")
    department = models.ForeignKey(Department, verbose_name=_("department"),
                                   on_delete=models.PROTECT, related_name="cases")
    service = models.ForeignKey(Service, verbose_name=_("service"), on_delete=models.PROTECT,
                                related_name="cases")
    # Copied from the submission, so that the workbasket lists and sorts without a join.
    reference = models.CharField(_("reference"), max_length=9, unique=True)
    state = models.CharField(_("state"), max_length=20, choices=CaseState.choices,
                             default=CaseState.RECEIVED)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    forwarded_to = models.CharField(_("forwarded to"), max_length=200, blank=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("assigned to"),
                                 null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="assigned_cases")
    version = models.PositiveIntegerField(_("version"), default=1)
    channel = models.CharField(_("received by"), max_length=10, choices=CaseChannel.choices,
                               default=CaseChannel.ONLINE)
    received_at = models.DateTimeField(_("received"))
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    applicant_name = models.CharField(_("applicant"), max_length=210, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    # Reference, name and e-mail folded (rathaus.core.text.fold), for the workbasket's search.
    search_text = models.TextField(_("search text"), blank=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)
    # When the case first reached an end state (END_STATES); cleared when a lead reopens it.
    # The purge deletes the case the service's retention_days after this (decision 0023).
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    # A legal hold stops the purge, whatever the case's age (a lawsuit, an audit, a request).
    legal_hold = models.BooleanField(_("legal hold"), default=False)
    legal_hold_reason = models.CharField(_("reason for the legal hold"), max_length=300,
                                         blank=True)
    legal_hold_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("hold set by"),
                                      null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+")
    legal_hold_at = models.DateTimeField(_("hold set"), null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["department", "state", "-received_at"]),
            models.Index(fields=["department", "due_at"]),
            models.Index(fields=["department", "assignee"]),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(state__in=CaseState.values),
                                   name="cases_known_state"),
            models.CheckConstraint(
                condition=models.Q(outcome="") | models.Q(outcome__in=Outcome.values),
                name="cases_known_outcome"),
            # Only a decided case (or one closed after its decision) has an outcome.
            models.CheckConstraint(
                condition=models.Q(outcome="") | models.Q(state__in=["decided", "closed"]),
                name="cases_outcome_only_when_decided"),
            models.CheckConstraint(condition=models.Q(version__gte=1),
                                   name="cases_version_positive"),
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True)
                | models.Q(state__in=[state.value for state in END_STATES]),
                name="cases_ended_only_in_end_state"),
            models.CheckConstraint(
                condition=models.Q(legal_hold=False) | ~models.Q(legal_hold_reason=""),
                name="cases_hold_has_reason"),
        ]

    def __str__(self) -> str:
        return self.reference


class EventKind(models.TextChoices):
    OPENED = "opened", _("Case opened")
    STATE_CHANGED = "state_changed", _("State changed")
    ASSIGNED = "assigned", _("Assigned")
    NOTE_ADDED = "note_added", _("Note added")
    VIEWED = "viewed", _("Viewed")
    DOWNLOADED = "downloaded", _("Attachment downloaded")
    HOLD_SET = "hold_set", _("Legal hold set")
    HOLD_LIFTED = "hold_lifted", _("Legal hold lifted")
    NOTICE_DRAFTED = "notice_drafted", _("Notice drafted")
    NOTICE_SUBMITTED = "notice_submitted", _("Notice submitted for release")
    NOTICE_RELEASED = "notice_released", _("Notice released")
    NOTICE_PROVIDED = "notice_provided", _("Notice sent")
    NOTICE_RETRIEVED = "notice_retrieved", _("Notice retrieved")
    NOTICE_LAPSED = "notice_lapsed", _("Provision of the notice ended")
    NOTICE_POSTED = "notice_posted", _("Notice sent by post")


class CaseEvent(models.Model):
    """One line of a case's timeline: who did what, when; never changed."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE,
                             related_name="events")
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    at = models.DateTimeField(_("time"), auto_now_add=True)
    # A member of staff; otherwise actor_label says who ("citizen", "system").
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True,
                              blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_label = models.CharField(_("by"), max_length=150, blank=True)
    from_state = models.CharField(_("from"), max_length=20, blank=True)
    to_state = models.CharField(_("to"), max_length=20, blank=True)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    # The case version this event produced (0: it changed nothing, e.g. a view).
    version = models.PositiveIntegerField(_("version"), default=0)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        indexes = [models.Index(fields=["case", "version"])]

    def __str__(self) -> str:
        return f"{self.case} {self.kind}"


class Note(models.Model):
    """An internal note of the department: never shown to the citizen."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE,
                             related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True,
                               on_delete=models.SET_NULL, related_name="+")
    author_label = models.CharField(_("author"), max_length=150)
    text = models.TextField(_("note"))
    created_at = models.DateTimeField(_("written"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("internal note")
        verbose_name_plural = _("internal notes")

    def __str__(self) -> str:
        return f"{self.case}: {self.text[:40]}"


class PurgedCase(models.Model):
    """What remains of a case after its retention period: figures for statistics, no person.

    No reference, no dates finer than a month, no staff: nothing that leads back to the
    applicant or to a letter they hold (decision 0023).
    """

    service = models.ForeignKey(Service, verbose_name=_("service"), on_delete=models.PROTECT,
                                related_name="purged_cases")
    department = models.ForeignKey(Department, verbose_name=_("department"),
                                   on_delete=models.PROTECT, related_name="purged_cases")
    channel = models.CharField(_("received by"), max_length=10, choices=CaseChannel.choices)
    # First day of the month.
    received_month = models.DateField(_("received (month)"))
    ended_month = models.DateField(_("ended (month)"))
    end_state = models.CharField(_("end state"), max_length=20, choices=CaseState.choices)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    processing_days = models.PositiveIntegerField(_("processing days"))
    purged_on = models.DateField(_("deleted on"))

    class Meta:
        ordering = ["-ended_month", "pk"]
        verbose_name = _("deleted case (statistics)")
        verbose_name_plural = _("deleted cases (statistics)")
        indexes = [models.Index(fields=["department", "service", "received_month"])]

    def __str__(self) -> str:
        return f"{self.service_id} {self.received_month:%Y-%m} {self.end_state}"


class NoticeStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    AWAITING_RELEASE = "awaiting_release", _("waiting for release")
    SENT = "sent", _("sent")


class DeliveryChannel(models.TextChoices):
    RETRIEVAL = "retrieval", _("for retrieval online")
    POST = "post", _("by post")


class CaseNotice(models.Model):
    """The notice of a case's decision: drafted, perhaps released by a lead, sent, delivered.

    Until it is sent it is a draft (kind, reasons, fee) rendered afresh for the preview; sending
    freezes it as a ``notices.Notice`` and starts its delivery. Delivery by retrieval (§ 41 (2a)
    VwVfG) lasts ten days from ``provided_at``: the first retrieval makes it given on the next
    day; without one the provision ends and the notice goes by post (decision 0025).
    """

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE,
                             related_name="notices")
    kind = models.CharField(_("kind of decision"), max_length=20, choices=NoticeKind.choices)
    justification = models.TextField(_("reasons"), blank=True)
    fee_cents = models.PositiveIntegerField(_("amount in cents"), default=0)
    status = models.CharField(_("status"), max_length=20, choices=NoticeStatus.choices,
                              default=NoticeStatus.DRAFT)
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("drafted by"),
                                   null=True, on_delete=models.SET_NULL, related_name="+")
    drafted_at = models.DateTimeField(_("drafted"))
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("released by"),
                                    null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    released_at = models.DateTimeField(_("released"), null=True, blank=True)
    notice = models.OneToOneField(Notice, verbose_name=_("issued notice"), null=True,
                                  blank=True, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("delivery"), max_length=10, choices=DeliveryChannel.choices,
                               blank=True)
    provided_at = models.DateTimeField(_("provided"), null=True, blank=True)
    provision_ends_at = models.DateTimeField(_("provided until"), null=True, blank=True)
    # Whether the citizen was told (mailbox notice or e-mail) that the notice is ready.
    notified = models.BooleanField(_("citizen notified"), default=False)
    mailbox_message_id = models.PositiveIntegerField(_("mailbox message"), null=True,
                                                     blank=True, unique=True)
    retrieved_at = models.DateTimeField(_("first retrieved"), null=True, blank=True)
    given_on = models.DateField(_("counts as given on"), null=True, blank=True)
    lapsed_at = models.DateTimeField(_("provision ended"), null=True, blank=True)
    postal_needed = models.BooleanField(_("postal delivery needed"), default=False)
    posted_on = models.DateField(_("sent by post on"), null=True, blank=True)

    class Meta:
        ordering = ["drafted_at", "pk"]
        verbose_name = _("notice of a case")
        verbose_name_plural = _("notices of cases")
        constraints = [
            # One notice in the works per case; sent ones stay as its history.
            models.UniqueConstraint(fields=["case"], condition=~models.Q(status="sent"),
                                    name="cases_one_open_notice"),
            models.CheckConstraint(
                condition=models.Q(status="sent", notice__isnull=False)
                | (~models.Q(status="sent") & models.Q(notice__isnull=True)),
                name="cases_notice_issued_when_sent"),
            models.CheckConstraint(
                condition=models.Q(retrieved_at__isnull=True) | models.Q(channel="retrieval"),
                name="cases_notice_retrieved_only_online"),
        ]
        indexes = [models.Index(fields=["channel", "provision_ends_at"])]

    def __str__(self) -> str:
        return f"{self.case} {self.kind} ({self.status})"
