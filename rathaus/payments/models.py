"""Payments of fees: one per submission that charges one, its attempts at providers, its log.

A payment's state changes only through ``services.apply_report`` (a verified provider report)
or an import or act of the cash office; every message about it is kept as a PaymentEvent with
the verdict it got, whether it changed anything or not.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rathaus.applications.models import Submission

from .providers.base import Outcome


class PaymentState(models.TextChoices):
    OPEN = "open", _("not paid yet")
    PAID = "paid", _("paid")
    FAILED = "failed", _("payment failed")
    CANCELLED = "cancelled", _("payment cancelled")
    REFUNDED = "refunded", _("refunded")


# Methods besides the configured providers' keys, which a payment stores as its method.
TRANSFER = "transfer"
DIRECT_DEBIT = "direct_debit"


class KassenzeichenCounter(models.Model):
    """The last number given out for one Kassenzeichen format in one year."""

    series = models.CharField(_("format"), max_length=40)
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("Kassenzeichen counter")
        verbose_name_plural = _("Kassenzeichen counters")
        constraints = [models.UniqueConstraint(fields=["series", "year"],
                                               name="payments_counter_series_year")]

    def __str__(self) -> str:
        return f"{self.series} {self.year}: {self.last}"


class Payment(models.Model):
    """A fee to be paid for a submission, under its Kassenzeichen."""

    # SET_NULL: the cash record outlives the purged application (its own, fiscal retention);
    # it names no person, only the Kassenzeichen, the amount and the booking text.
    submission = models.ForeignKey(Submission, verbose_name=_("submission"), null=True,
                                   on_delete=models.SET_NULL, related_name="payments")
    kassenzeichen = models.CharField(_("Kassenzeichen"), max_length=40, unique=True)
    amount_cents = models.PositiveIntegerField(_("amount (cents)"))
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    purpose = models.CharField(_("purpose"), max_length=140)
    booking_reference = models.CharField(_("cost centre"), max_length=60, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=PaymentState.choices,
                             default=PaymentState.OPEN, db_index=True)
    # A configured provider's key, "transfer" or "direct_debit"; "" until the citizen chose.
    method = models.CharField(_("method"), max_length=40, blank=True)
    paid_cents = models.PositiveIntegerField(_("paid (cents)"), default=0)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount_cents__gt=0),
                                   name="payments_payment_amount_positive"),
            # Paid (or paid and refunded) means a time and an amount; open means neither.
            models.CheckConstraint(
                condition=(models.Q(state__in=["paid", "refunded"], paid_at__isnull=False,
                                    paid_cents__gt=0)
                           | (~models.Q(state__in=["paid", "refunded"])
                              & models.Q(paid_at__isnull=True, paid_cents=0))),
                name="payments_payment_paid_has_time_and_amount"),
        ]

    def __str__(self) -> str:
        return self.kassenzeichen

    @property
    def amount(self) -> str:
        """The amount in euros with two decimals, for display and exports."""
        return f"{self.amount_cents // 100}.{self.amount_cents % 100:02d}"


class PaymentAttempt(models.Model):
    """One start of the payment at a provider; each has its own request id."""

    payment = models.ForeignKey(Payment, verbose_name=_("payment"), on_delete=models.CASCADE,
                                related_name="attempts")
    request_id = models.CharField(_("request id"), max_length=64, unique=True)
    provider = models.CharField(_("provider"), max_length=40)
    provider_reference = models.CharField(_("provider's reference"), max_length=255,
                                          blank=True)
    redirect_url = models.URLField(_("pay page"), max_length=2000, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10,
                               choices=[(item.value, item.value) for item in Outcome],
                               default=Outcome.PENDING)
    created_at = models.DateTimeField(_("started"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("payment attempt")
        verbose_name_plural = _("payment attempts")

    def __str__(self) -> str:
        return self.request_id


class EventSource(models.TextChoices):
    START = "start", _("start at the provider")
    NOTIFICATION = "notification", _("notification")
    RETURN = "return", _("return from the pay page")
    STATUS_QUERY = "status_query", _("status query")
    IMPORT = "import", _("bank statement import")
    MANUAL = "manual", _("cash office")


class Verdict(models.TextChoices):
    APPLIED = "applied", _("applied")
    DUPLICATE = "duplicate", _("duplicate")
    LATE = "late", _("late")
    OUT_OF_ORDER = "out_of_order", _("out of order")
    REJECTED = "rejected", _("rejected (failed verification)")
    AMOUNT_MISMATCH = "amount_mismatch", _("amount mismatch")
    UNKNOWN = "unknown", _("unknown request id")
    FAILED = "failed", _("provider error")


class PaymentEvent(models.Model):
    """Every message about a payment and what it did (or why it did nothing)."""

    payment = models.ForeignKey(Payment, verbose_name=_("payment"), null=True, blank=True,
                                on_delete=models.CASCADE, related_name="events")
    attempt = models.ForeignKey(PaymentAttempt, verbose_name=_("attempt"), null=True,
                                blank=True, on_delete=models.SET_NULL, related_name="events")
    provider = models.CharField(_("provider"), max_length=40, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=EventSource.choices)
    verdict = models.CharField(_("verdict"), max_length=20, choices=Verdict.choices)
    outcome = models.CharField(_("reported outcome"), max_length=10, blank=True)
    amount_cents = models.PositiveIntegerField(_("reported amount (cents)"), null=True,
                                               blank=True)
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    # The message's fields, without secrets (hash values and passwords are left out).
    raw = models.JSONField(_("fields"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("payment event")
        verbose_name_plural = _("payment events")

    def __str__(self) -> str:
        return f"{self.source} {self.verdict}"

    @property
    def reported_amount(self) -> str:
        """The reported amount in euros ("" when the message named none)."""
        if self.amount_cents is None:
            return ""
        return f"{self.amount_cents // 100}.{self.amount_cents % 100:02d}"


# -- The cash office's bank statements ---------------------------------------------------------


class StatementImport(models.Model):
    """A bank statement (camt.053) uploaded by the cash office.

    The file itself is stored so that the preview and the confirmation can be answered by any
    web process; what it booked is in its StatementLines, which outlive the file: it is
    emptied RATHAUS_CASH_STATEMENT_FILE_DAYS after it was applied (it holds every booking of
    the account, foreign ones included).
    """

    filename = models.CharField(_("file name"), max_length=255, blank=True)
    data = models.BinaryField(_("file"))
    digest = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    statement_id = models.CharField(_("statement"), max_length=35, blank=True)
    account_iban = models.CharField(_("account"), max_length=34, blank=True)
    sequence_number = models.PositiveIntegerField(_("statement number"), null=True,
                                                  blank=True)
    entries = models.PositiveIntegerField(_("entries"), default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"),
                                    null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("applied by"),
                                   null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    applied_at = models.DateTimeField(_("applied"), null=True, blank=True)
    # What the confirmation did: payments booked, lines left open, entries known before.
    booked = models.PositiveIntegerField(_("payments booked"), default=0)
    left_open = models.PositiveIntegerField(_("lines left open"), default=0)
    known = models.PositiveIntegerField(_("entries imported before"), default=0)
    file_deleted_at = models.DateTimeField(_("file deleted"), null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        verbose_name = _("bank statement import")
        verbose_name_plural = _("bank statement imports")
        permissions = [("work_cash_office", _("Can work in the cash office (Stadtkasse)"))]

    def __str__(self) -> str:
        return self.filename or self.statement_id or str(self.pk)


class LineStatus(models.TextChoices):
    BOOKED = "booked", _("booked")  # paid its payment when the statement was applied
    OPEN = "open", _("open")  # partial, overpaid, unmatched: for the cash office
    ASSIGNED = "assigned", _("assigned by hand")
    DISMISSED = "dismissed", _("dismissed")
    RETURNED = "returned", _("returned direct debit")  # took back a collection of ours
    IGNORED = "ignored", _("set aside")  # a debit, a return, not booked yet


class StatementLine(models.Model):
    """One entry of a bank statement, stored once under its entry key, whatever it did."""

    statement = models.ForeignKey(StatementImport, verbose_name=_("bank statement"),
                                  on_delete=models.PROTECT, related_name="lines")
    entry_key = models.CharField(_("entry key"), max_length=64, unique=True)
    outcome = models.CharField(_("reconciliation"), max_length=10)
    status = models.CharField(_("status"), max_length=10, choices=LineStatus.choices,
                              db_index=True)
    booking_date = models.DateField(_("booking date"))
    amount_cents = models.PositiveBigIntegerField(_("amount (cents)"))
    credit = models.BooleanField(_("credit"), default=True)
    debtor_name = models.CharField(_("payer"), max_length=140, blank=True)
    debtor_iban = models.CharField(_("payer's IBAN"), max_length=34, blank=True)
    remittance = models.CharField(_("remittance text"), max_length=500, blank=True)
    kassenzeichen = models.CharField(_("Kassenzeichen named"), max_length=200, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    payment = models.ForeignKey(Payment, verbose_name=_("payment"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="statement_lines")
    note = models.CharField(_("note"), max_length=500, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("resolved by"),
                                    null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        ordering = ["booking_date", "pk"]
        verbose_name = _("bank statement line")
        verbose_name_plural = _("bank statement lines")

    def __str__(self) -> str:
        return f"{self.booking_date} {self.amount}"

    @property
    def amount(self) -> str:
        return f"{self.amount_cents // 100}.{self.amount_cents % 100:02d}"


class RefundState(models.TextChoices):
    PENDING = "pending", _("asked at the provider")
    DONE = "done", _("refunded")
    FAILED = "failed", _("refused by the provider")


class Refund(models.Model):
    """Money the cash office paid back through the provider the payment came by.

    Claimed (pending) before the provider is asked, so that two refunds at once never pay back
    more than was paid; done or failed after its answer.
    """

    payment = models.ForeignKey(Payment, verbose_name=_("payment"), on_delete=models.PROTECT,
                                related_name="refunds")
    amount_cents = models.PositiveIntegerField(_("amount (cents)"))
    state = models.CharField(_("state"), max_length=10, choices=RefundState.choices,
                             default=RefundState.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("issued by"),
                                     null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    detail = models.CharField(_("provider's answer"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [models.CheckConstraint(condition=models.Q(amount_cents__gt=0),
                                              name="payments_refund_amount_positive")]

    def __str__(self) -> str:
        return f"{self.payment_id}: {self.amount_cents}"


class DirectDebitExport(models.Model):
    """A pain.008 file the cash office took to the bank, kept as it was written."""

    message_id = models.CharField(_("message id"), max_length=35, unique=True)
    collection_date = models.DateField(_("collection date"))
    data = models.BinaryField(_("file"))
    count = models.PositiveIntegerField(_("collections"))
    total_cents = models.PositiveBigIntegerField(_("total (cents)"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("exported by"),
                                   null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(_("exported"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("direct debit export")
        verbose_name_plural = _("direct debit exports")

    def __str__(self) -> str:
        return self.message_id


class DirectDebitCollection(models.Model):
    """A payment collected by direct debit: in one export only (the unique payment)."""

    payment = models.OneToOneField(Payment, verbose_name=_("payment"), on_delete=models.PROTECT,
                                   related_name="collection")
    export = models.ForeignKey(DirectDebitExport, verbose_name=_("export"),
                               on_delete=models.PROTECT, related_name="collections")
    mandate_reference = models.CharField(_("mandate reference"), max_length=35, db_index=True)
    sequence = models.CharField(_("sequence type"), max_length=4)
    amount_cents = models.PositiveIntegerField(_("amount (cents)"))

    class Meta:
        ordering = ["pk"]
        verbose_name = _("direct debit collection")
        verbose_name_plural = _("direct debit collections")

    def __str__(self) -> str:
        return f"{self.mandate_reference} {self.sequence}"
