from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rathaus.applications.models import Submission, Upload
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


class Attention(models.TextChoices):
    """What in the conversation waits for the clerk (the workbasket's marker)."""

    NONE = "", _("nothing")
    REPLY = "reply", _("reply received")
    LAPSED = "lapsed", _("deadline lapsed")


class FeeState(models.TextChoices):
    """Where the fee of the case stands (payments tells, through its hook; decision 0033)."""

    NONE = "", _("no fee")
    DUE = "due", _("waiting for payment")
    PAID = "paid", _("paid")
    REFUNDED = "refunded", _("refunded")


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
    # Set by the citizen's reply and a lapsed deadline, cleared when a clerk writes or moves
    # the case: kept on the case so that the workbasket marks it without another query.
    attention = models.CharField(_("waiting for the clerk"), max_length=10,
                                 choices=Attention.choices, blank=True, default="")
    # The fee's state, set by payments when a payment is opened, paid or refunded: kept on
    # the case so that the workbasket filters and marks it without another query.
    fee = models.CharField(_("fee"), max_length=10, choices=FeeState.choices, blank=True,
                           default="")

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
            models.CheckConstraint(condition=models.Q(attention__in=Attention.values),
                                   name="cases_known_attention"),
            models.CheckConstraint(condition=models.Q(fee__in=FeeState.values),
                                   name="cases_known_fee_state"),
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
    MESSAGE_SENT = "message_sent", _("Message sent")
    DOCUMENTS_REQUESTED = "documents_requested", _("Documents requested")
    CITIZEN_REPLIED = "citizen_replied", _("Applicant replied")
    DEADLINE_LAPSED = "deadline_lapsed", _("Deadline lapsed")
    NOTICE_DRAFTED = "notice_drafted", _("Notice drafted")
    NOTICE_SUBMITTED = "notice_submitted", _("Notice submitted for release")
    NOTICE_RELEASED = "notice_released", _("Notice released")
    NOTICE_PROVIDED = "notice_provided", _("Notice sent")
    NOTICE_RETRIEVED = "notice_retrieved", _("Notice retrieved")
    NOTICE_LAPSED = "notice_lapsed", _("Provision of the notice ended")
    NOTICE_POSTED = "notice_posted", _("Notice sent by post")
    FEE_PAID = "fee_paid", _("Fee paid")
    FEE_REFUNDED = "fee_refunded", _("Fee refunded")
    FEE_DUE_AGAIN = "fee_due_again", _("Fee due again: the payment was taken back")


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


class TextBlock(models.Model):
    """A text a clerk starts a message from, with placeholders such as {reference}.

    Plain text in German and English; the placeholders are checked when it is saved
    (cases.text_blocks) and filled in when a clerk inserts it, never run as a template.
    """

    department = models.ForeignKey(Department, verbose_name=_("department"),
                                   on_delete=models.CASCADE, related_name="text_blocks")
    service = models.ForeignKey(Service, verbose_name=_("only for the service"), null=True,
                                blank=True, on_delete=models.CASCADE, related_name="+",
                                help_text=_("Empty: offered for every service of the "
                                            "department."))
    key = models.SlugField(_("short name"), max_length=60,
                           help_text=_("Identifies a shipped text block, so that loading the "
                                       "defaults again never overwrites your changes."))
    title = models.CharField(_("title"), max_length=120)
    text_de = models.TextField(_("text (German)"))
    text_en = models.TextField(_("text (English)"))
    position = models.PositiveIntegerField(_("position"), default=0)
    active = models.BooleanField(_("offered to clerks"), default=True)

    class Meta:
        ordering = ["position", "title", "pk"]
        verbose_name = _("text block")
        verbose_name_plural = _("text blocks")
        constraints = [models.UniqueConstraint(fields=["department", "key"],
                                               name="cases_text_block_key_unique")]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        from .text_blocks import check_block

        check_block(self)

    def text(self, language: str) -> str:
        return self.text_en if language[:2] == "en" else self.text_de


class Direction(models.TextChoices):
    TO_CITIZEN = "to_citizen", _("to the applicant")
    FROM_CITIZEN = "from_citizen", _("from the applicant")


class Notified(models.TextChoices):
    """How the citizen learnt of a clerk's message."""

    MAILBOX = "mailbox", _("Mein Rathaus mailbox")
    EMAIL = "email", _("e-mail with the status link")
    NONE = "none", _("not at all: neither account nor e-mail address")


class CaseMessage(models.Model):
    """One message of the conversation between the department and the applicant.

    A clerk's message may request documents or information (``requested``), with a deadline;
    the applicant's reply may carry files, kept as the submission's uploads (field REPLY_FIELD).
    """

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE,
                             related_name="messages")
    direction = models.CharField(_("direction"), max_length=12, choices=Direction.choices)
    text = models.TextField(_("text"), blank=True)
    requested = models.TextField(_("requested documents or information"), blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("sent by"), null=True,
                                blank=True, on_delete=models.SET_NULL, related_name="+")
    sent_by_label = models.CharField(_("sent by"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    citizen_read_at = models.DateTimeField(_("read by the applicant"), null=True, blank=True)
    notified = models.CharField(_("applicant told by"), max_length=10, choices=Notified.choices,
                                blank=True)
    # When the reminder about the lapsed deadline went to the clerk (once).
    lapsed_at = models.DateTimeField(_("deadline lapse reported"), null=True, blank=True)
    files = models.ManyToManyField(Upload, verbose_name=_("files"), blank=True,
                                   related_name="+")

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [models.Index(fields=["direction", "deadline", "lapsed_at"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(direction__in=Direction.values),
                                   name="cases_message_known_direction"),
            # Only the department requests, and a deadline belongs to a request.
            models.CheckConstraint(
                condition=models.Q(direction="to_citizen")
                | (models.Q(requested="") & models.Q(deadline__isnull=True)),
                name="cases_message_request_to_citizen"),
            models.CheckConstraint(
                condition=models.Q(deadline__isnull=True) | ~models.Q(requested=""),
                name="cases_message_deadline_with_request"),
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.direction} {self.created_at:%Y-%m-%d}"

    @property
    def is_request(self) -> bool:
        return bool(self.requested)


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



class CaseTally(models.Model):
    """A change in how many cases of a department and service are in a state with an assignee.

    Written only by database triggers on the case table (``rathaus.cases.tally``), in the
    transaction of every insert, update and delete, however it is made: +1 for the case's new
    combination, -1 for its old one. Rows are only ever added, so concurrent writers never
    wait for each other; ``rathaus.cases.tally.compact`` folds them into one row per
    combination (hourly).
    The workbasket's counts per state are sums over these rows instead of counts over the
    cases (decision 0028). ``assignee`` 0 is nobody.
    """

    department = models.ForeignKey(Department, verbose_name=_("department"),
                                   on_delete=models.DO_NOTHING, db_constraint=False,
                                   related_name="+")
    service = models.ForeignKey(Service, verbose_name=_("service"), on_delete=models.DO_NOTHING,
                                db_constraint=False, related_name="+")
    state = models.CharField(_("state"), max_length=20)
    assignee = models.IntegerField(_("assigned to (user ID, 0: nobody)"))
    cases = models.IntegerField(_("change in the number of cases"))

    class Meta:
        verbose_name = _("case count")
        verbose_name_plural = _("case counts")
        indexes = [models.Index(fields=["department", "state"])]

    def __str__(self) -> str:
        return f"{self.department_id}/{self.service_id}/{self.state}/{self.assignee}: {self.cases}"


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
