"""Writes about payments: open one for a submission, start it at a provider, apply reports.

The state (open → paid / failed / cancelled / refunded) changes only in ``apply_report`` and
``apply_booking``, from what a provider verified or a bank statement says, with the payment's
row locked; every message is kept as a PaymentEvent with its verdict, also those that change
nothing (twice, late, out of order, wrong amount, unknown, failed verification).
"""

from __future__ import annotations

import datetime
import logging
import re
import uuid
from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Sum
from django.http import HttpRequest
from django.utils import timezone

from rathaus.applications.models import Submission

from . import hooks, kassenzeichen, selectors
from .models import (
    DIRECT_DEBIT,
    TRANSFER,
    DirectDebitCollection,
    EventSource,
    Payment,
    PaymentAttempt,
    PaymentEvent,
    PaymentState,
    Verdict,
)
from .providers import registry
from .providers.base import (
    OrderItem,
    Outcome,
    PaymentOrder,
    ProviderError,
    RefundNotSupported,
    StatusReport,
)
from .purpose import SEPA_LIMIT, sepa_text

log = logging.getLogger(__name__)

# Field names that may carry secrets; their values are never logged.
_SECRET = re.compile(r"hash|secret|passw|token|signature|auth|key", re.IGNORECASE)
_NOT_ONLINE = re.compile(r"[^A-Za-z0-9 -]")
ONLINE_PURPOSE_LIMIT = 27
_FINAL = {Outcome.PAID, Outcome.FAILED, Outcome.CANCELLED, Outcome.REFUNDED}


class PaymentError(Exception):
    """A payment cannot be started or changed this way; the text is for the log."""


class NotPayable(PaymentError):
    """The payment is paid (or refunded) already."""


class MethodNotOffered(PaymentError):
    """The service does not offer this way to pay, or the provider is not configured."""


class PaymentNotStarted(PaymentError):
    """The provider refused or could not be reached; nothing was paid."""


def to_cents(amount: Decimal | str | int) -> int:
    """Return an amount in euros as integer cents (half a cent rounds up)."""
    return int((Decimal(amount) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def safe_fields(fields: Mapping[str, str]) -> dict[str, str]:
    """Return a message's fields for the log, without those that may carry secrets."""
    return {str(key)[:100]: str(value)[:500] for key, value in list(fields.items())[:100]
            if not _SECRET.search(str(key))}


def _purpose(template: str, *, kassenzeichen: str, submission: Submission) -> str:
    spec = submission.service_version.spec
    text = template.format(kassenzeichen=kassenzeichen, reference=submission.reference,
                           service=spec.title.get_text("de"))
    return sepa_text(text, SEPA_LIMIT)


@transaction.atomic
def open_payment(*, submission: Submission, method: str = "") -> Payment | None:
    """Open the payment of a submission's fee, when its service takes payment on submit.

    Returns the payment already open for the submission if there is one, None when nothing
    is to be paid. ``method`` is kept when the service offers it (else "": not chosen yet).
    """
    policy = submission.service_version.spec.payment
    cents = to_cents(submission.fee_total)
    if not policy.at_submit or cents <= 0:
        return None
    existing = Payment.objects.filter(submission=submission).first()
    if existing is not None:
        return existing
    offered = {option.value for option in selectors.offered_methods(
        submission.service_version.spec)}
    code = kassenzeichen.new_kassenzeichen(policy.kassenzeichen)
    payment = Payment.objects.create(
        submission=submission, kassenzeichen=code, amount_cents=cents,
        purpose=_purpose(policy.purpose, kassenzeichen=code, submission=submission),
        booking_reference=policy.booking_reference,
        method=method if method in offered else "")
    _tell_case(payment)
    return payment


@transaction.atomic
def open_notice_payment(*, submission: Submission, amount_cents: int) -> Payment | None:
    """Open the payment of the fee a notice sets, when its service takes payment with it.

    A notice sent again (the case reopened and decided anew) asks for its own amount: the
    payment not paid yet takes it; one paid already stays as it is (the cash office settles
    any difference). None when nothing is to be paid this way.
    """
    policy = submission.service_version.spec.payment
    if policy.policy != "with_notice" or amount_cents <= 0:
        return None
    existing = Payment.objects.select_for_update(of=("self",)).filter(
        submission=submission).order_by("-created_at", "-pk").first()
    if existing is not None:
        if existing.state not in {PaymentState.PAID, PaymentState.REFUNDED} and (
                existing.amount_cents != amount_cents):
            existing.amount_cents = amount_cents
            existing.save(update_fields=["amount_cents", "updated_at"])
        return existing
    code = kassenzeichen.new_kassenzeichen(policy.kassenzeichen)
    offered = {option.value for option in selectors.offered_methods(
        submission.service_version.spec)}
    # The mandate of the form pays it where the definition collects by direct debit.
    method = DIRECT_DEBIT if DIRECT_DEBIT in offered and _has_mandate(submission) else ""
    payment = Payment.objects.create(
        submission=submission, kassenzeichen=code, amount_cents=amount_cents,
        purpose=_purpose(policy.purpose, kassenzeichen=code, submission=submission),
        booking_reference=policy.booking_reference, method=method)
    _tell_case(payment)
    return payment


def _has_mandate(submission: Submission) -> bool:
    form = submission.service_version.spec.form
    if form is None:
        return False
    return any(item.type == "iban" and isinstance(submission.answers.get(item.id), dict)
               and submission.answers[item.id].get("mandate") is True
               for _step, _group, item in form.iter_fields())


@transaction.atomic
def choose_offline(*, payment_id: int, method: str) -> Payment:
    """Pay by bank transfer (or by the direct debit mandate of the form) instead."""
    payment = Payment.objects.select_for_update(of=("self",)).select_related(
        "submission__service_version").get(pk=payment_id)
    if payment.submission is None or payment.state in {PaymentState.PAID,
                                                       PaymentState.REFUNDED}:
        raise NotPayable(payment.kassenzeichen)
    offered = {option.value for option in selectors.offered_methods(
        payment.submission.service_version.spec)}
    if method not in {TRANSFER, DIRECT_DEBIT} or method not in offered:
        raise MethodNotOffered(method)
    payment.method = method
    payment.state = PaymentState.OPEN
    payment.save(update_fields=["method", "state", "updated_at"])
    return payment


def _order(payment: Payment, attempt: PaymentAttempt, *, options: Mapping[str, str],
           return_url: str, notify_url: str) -> PaymentOrder:
    submission = payment.submission
    assert submission is not None  # checked under the lock
    language = submission.language[:2]
    # E-payment platforms take 27 letters, digits, spaces and hyphens (GiroCheckout, ePayBL,
    # XBezahldienste): the Kassenzeichen comes first, so it survives the cut.
    limit = int(options.get("purpose_limit") or ONLINE_PURPOSE_LIMIT)
    items = tuple(
        OrderItem(text=str(line["label"].get(language) or line["label"].get("de", "")),
                  amount_cents=to_cents(line["amount"]), quantity=int(line["quantity"]),
                  booking_reference=payment.booking_reference)
        for line in submission.fee_lines if to_cents(line["total"]) > 0)
    return PaymentOrder(
        request_id=attempt.request_id, kassenzeichen=payment.kassenzeichen,
        amount_cents=payment.amount_cents,
        purpose=" ".join(_NOT_ONLINE.sub(" ", sepa_text(
            payment.purpose, limit,
            upper=options.get("purpose_upper", "").lower() == "true")).split()),
        description=submission.service_version.spec.title.get_text(language),
        return_url=return_url, notify_url=notify_url, language=language,
        currency=payment.currency, items=items)


def start_online_payment(*, payment_id: int, provider_key: str,
                         urls: Callable[[str, str], tuple[str, str]]) -> str:
    """Start a new attempt at the provider and return its pay page.

    ``urls(provider_key, request_id)`` gives the absolute return and notification URLs.
    A failed or cancelled payment starts again (resumed); the provider is called outside
    any transaction. Raises MethodNotOffered, NotPayable or PaymentNotStarted.
    """
    provider = registry.get(provider_key)
    options = settings.RATHAUS_PAYMENT_PROVIDERS.get(provider_key, {})
    with transaction.atomic():
        payment = Payment.objects.select_for_update(of=("self",)).select_related(
            "submission__service_version").get(pk=payment_id)
        if payment.submission is None or payment.state in {PaymentState.PAID,
                                                           PaymentState.REFUNDED}:
            raise NotPayable(payment.kassenzeichen)
        offered = {option.value for option in selectors.offered_methods(
            payment.submission.service_version.spec)}
        if provider is None or provider_key not in offered:
            raise MethodNotOffered(provider_key)
        attempt = PaymentAttempt.objects.create(payment=payment, request_id=uuid.uuid4().hex,
                                                provider=provider_key)
        payment.method = provider_key
        payment.state = PaymentState.OPEN
        payment.save(update_fields=["method", "state", "updated_at"])
    return_url, notify_url = urls(provider_key, attempt.request_id)
    order = _order(payment, attempt, options=options, return_url=return_url,
                   notify_url=notify_url)
    try:
        started = provider.start(order)
        if not started.redirect_url.startswith(("https://", "http://")):
            raise ProviderError(f"pay page {started.redirect_url[:60]!r} is no web address")
    except ProviderError as error:
        log.warning("payment %s not started at %s: %s", payment.kassenzeichen, provider_key,
                    error)
        with transaction.atomic():
            PaymentAttempt.objects.filter(pk=attempt.pk).update(outcome=Outcome.FAILED)
            PaymentEvent.objects.create(payment=payment, attempt=attempt, provider=provider_key,
                                        source=EventSource.START, verdict=Verdict.FAILED,
                                        detail=str(error)[:500])
        raise PaymentNotStarted(str(error)) from error
    with transaction.atomic():
        PaymentAttempt.objects.filter(pk=attempt.pk).update(
            provider_reference=started.provider_reference[:255],
            redirect_url=started.redirect_url[:2000])
        PaymentEvent.objects.create(payment=payment, attempt=attempt, provider=provider_key,
                                    source=EventSource.START, verdict=Verdict.APPLIED,
                                    outcome=Outcome.PENDING,
                                    amount_cents=payment.amount_cents,
                                    raw={"provider_reference": started.provider_reference})
    return started.redirect_url


def record_rejected(*, provider_key: str, source: EventSource, fields: Mapping[str, str],
                    detail: str) -> PaymentEvent:
    """Log a message that failed verification; it changes nothing."""
    return PaymentEvent.objects.create(provider=provider_key[:40], source=source,
                                       verdict=Verdict.REJECTED, detail=detail[:500],
                                       raw=safe_fields(fields))


def _verdict(payment: Payment, attempt: PaymentAttempt, latest: PaymentAttempt | None,
             report: StatusReport) -> Verdict:
    """Decide what a verified report about ``attempt`` does to ``payment``."""
    outcome = report.outcome
    if payment.state == PaymentState.REFUNDED:
        return Verdict.DUPLICATE if outcome == Outcome.REFUNDED else Verdict.OUT_OF_ORDER
    if payment.state == PaymentState.PAID:
        paid_here = attempt.outcome == Outcome.PAID
        if outcome == Outcome.REFUNDED and paid_here:
            return Verdict.APPLIED
        if outcome == Outcome.PAID:
            # Paid through another attempt as well: the cash office refunds one (the log says).
            return Verdict.DUPLICATE if paid_here else Verdict.LATE
        return Verdict.OUT_OF_ORDER if paid_here else Verdict.LATE
    # Open, failed or cancelled.
    if outcome == Outcome.PAID:
        if report.amount_cents is not None and report.amount_cents != payment.amount_cents:
            return Verdict.AMOUNT_MISMATCH
        return Verdict.APPLIED  # money that arrived counts, whichever attempt it came by
    if outcome == Outcome.REFUNDED:
        return Verdict.OUT_OF_ORDER
    if latest is not None and attempt.pk != latest.pk:
        return Verdict.LATE  # an older attempt's failure says nothing about the new one
    if Outcome(attempt.outcome) == outcome:
        return Verdict.DUPLICATE
    if Outcome(attempt.outcome) in _FINAL:
        return Verdict.OUT_OF_ORDER
    if outcome == Outcome.PENDING:
        return Verdict.DUPLICATE
    return Verdict.APPLIED


def apply_report(*, report: StatusReport, source: EventSource,
                 provider_key: str) -> PaymentEvent:
    """Apply a verified report of ``provider_key`` to its payment, once, and log it."""
    with transaction.atomic():
        found = PaymentAttempt.objects.filter(request_id=report.request_id,
                                              provider=provider_key).values_list(
            "pk", "payment_id").first()
        if found is None:
            return PaymentEvent.objects.create(
                provider=provider_key[:40], source=source, verdict=Verdict.UNKNOWN,
                outcome=report.outcome.value, amount_cents=report.amount_cents,
                detail=f"request id {report.request_id[:64]!r} {report.detail}"[:500],
                raw=safe_fields(report.raw))
        attempt_id, payment_id = found
        # The payment's row is the lock: two notifications at once are applied one by one.
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        attempt = PaymentAttempt.objects.get(pk=attempt_id)
        latest = payment.attempts.order_by("-created_at", "-pk").first()
        verdict = _verdict(payment, attempt, latest, report)
        if verdict == Verdict.APPLIED:
            _change(payment, attempt, report)
        return PaymentEvent.objects.create(
            payment=payment, attempt=attempt, provider=provider_key[:40], source=source,
            verdict=verdict, outcome=report.outcome.value, amount_cents=report.amount_cents,
            detail=report.detail[:500], raw=safe_fields(report.raw))


def _change(payment: Payment, attempt: PaymentAttempt, report: StatusReport) -> None:
    outcome = report.outcome
    attempt.outcome = outcome.value
    attempt.save(update_fields=["outcome"])
    if outcome == Outcome.PAID:
        payment.state = PaymentState.PAID
        payment.paid_cents = payment.amount_cents if report.amount_cents is None else (
            report.amount_cents)
        payment.paid_at = timezone.now()
        payment.method = attempt.provider
    elif outcome in {Outcome.FAILED, Outcome.CANCELLED, Outcome.REFUNDED}:
        payment.state = PaymentState(outcome.value)
    payment.save(update_fields=["state", "paid_cents", "paid_at", "method", "updated_at"])
    _tell_case(payment)
    if outcome in {Outcome.PAID, Outcome.REFUNDED}:
        _receipt_follows(payment)


def _tell_case(payment: Payment) -> None:
    """Tell the layers above where the submission's fee stands now (hooks.fee_changed)."""
    if payment.submission_id is None:
        return
    fee = {PaymentState.PAID: "paid", PaymentState.REFUNDED: "refunded"}.get(
        PaymentState(payment.state), "due")
    detail = f"{payment.kassenzeichen} {payment.amount} EUR"
    hooks.fee_changed.call(submission_id=payment.submission_id, fee=fee, detail=detail)


def _receipt_follows(payment: Payment) -> None:
    """The stored receipt says whether the fee is paid: render it again after the commit."""
    from .tasks import renew_receipt_after_payment

    submission_id = payment.submission_id
    if submission_id is None:
        return
    transaction.on_commit(lambda: renew_receipt_after_payment.enqueue(
        submission_id=submission_id))


@transaction.atomic
def apply_booking(*, kassenzeichen: str, amount_cents: int, booked_at: datetime.datetime,
                  fields: Mapping[str, str], source: EventSource = EventSource.IMPORT
                  ) -> PaymentEvent:
    """Apply money received for a Kassenzeichen (a bank statement line), once, and log it.

    The exact amount of an open payment marks it paid; anything else (more, less, paid
    already, unknown) changes nothing and is logged for the cash office to look at.
    """
    payment = Payment.objects.select_for_update().filter(kassenzeichen=kassenzeichen).first()
    if payment is None:
        verdict = Verdict.UNKNOWN
    elif payment.state in {PaymentState.PAID, PaymentState.REFUNDED}:
        verdict = Verdict.DUPLICATE
    elif amount_cents != payment.amount_cents:
        verdict = Verdict.AMOUNT_MISMATCH
    else:
        verdict = Verdict.APPLIED
        payment.state = PaymentState.PAID
        payment.paid_cents = amount_cents
        payment.paid_at = booked_at
        if source == EventSource.IMPORT and not DirectDebitCollection.objects.filter(
                payment=payment).exists():
            payment.method = TRANSFER  # whatever was chosen, it came by bank transfer
        payment.save(update_fields=["state", "paid_cents", "paid_at", "method", "updated_at"])
        _tell_case(payment)
        _receipt_follows(payment)
    return PaymentEvent.objects.create(
        payment=payment, source=source, verdict=verdict, outcome=Outcome.PAID.value,
        amount_cents=amount_cents, detail=kassenzeichen[:500] if payment is None else "",
        raw=safe_fields(fields))


RETURNED_DEBIT = "returned direct debit"  # the detail of a return's event, for the pages


@transaction.atomic
def apply_return(*, payment_id: int, amount_cents: int, reason_code: str,
                 fields: Mapping[str, str]) -> PaymentEvent:
    """Take back a direct debit the payer's bank returned (a bank statement line), once.

    The money is gone again: the payment is failed (nothing paid, the citizen is asked to pay
    another way), the case's fee is due again, the receipt says so. Only the verified import
    calls this; a payment failed by a return before, or refunded, stays as it is.
    """
    payment = Payment.objects.select_for_update().get(pk=payment_id)
    returned_before = payment.events.filter(source=EventSource.IMPORT,
                                            verdict=Verdict.APPLIED,
                                            outcome=Outcome.FAILED.value).exists()
    if payment.state == PaymentState.FAILED and returned_before:
        verdict = Verdict.DUPLICATE
    elif payment.state == PaymentState.REFUNDED:
        verdict = Verdict.OUT_OF_ORDER  # paid back already: the cash office looks at it
    else:
        verdict = Verdict.APPLIED
        payment.state = PaymentState.FAILED
        payment.paid_cents = 0
        payment.paid_at = None
        payment.save(update_fields=["state", "paid_cents", "paid_at", "updated_at"])
        _tell_case(payment)
        _receipt_follows(payment)
    return PaymentEvent.objects.create(
        payment=payment, source=EventSource.IMPORT, verdict=verdict,
        outcome=Outcome.FAILED.value, amount_cents=amount_cents,
        detail=f"{RETURNED_DEBIT} {reason_code}".strip()[:500],
        raw=safe_fields({**fields, "return_reason": reason_code}))


def is_return(event: PaymentEvent) -> bool:
    """Whether ``event`` is a returned direct debit that made its payment due again."""
    return (event.source == EventSource.IMPORT and event.verdict == Verdict.APPLIED
            and event.outcome == Outcome.FAILED.value
            and event.detail.startswith(RETURNED_DEBIT))


def receipt_follows(payment: Payment) -> None:
    """Render the stored receipt again after the commit (for the cash office's bookings)."""
    _receipt_follows(payment)


# -- Refunds by the cash office ----------------------------------------------------------------


class RefundRefused(PaymentError):
    """No refund this way; ``code`` says why (not_paid, not_online, amount, not_supported,
    failed)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code


def refunded_cents(payment: Payment) -> int:
    """What was paid back of ``payment`` (or is being asked for at the provider)."""
    from .models import Refund, RefundState

    return int(Refund.objects.filter(payment=payment, state__in=[
        RefundState.PENDING, RefundState.DONE]).aggregate(total=Sum("amount_cents"))["total"]
        or 0)


def refund_payment(*, payment_id: int, amount_cents: int, actor: User, reason: str = "",
                   request: HttpRequest | None = None) -> Payment:
    """Pay back ``amount_cents`` of a paid online payment through its provider.

    The rule: a refund of part keeps the payment paid and is recorded with its amount; once the
    refunds add up to what was paid, the payment is refunded. The claim is stored before the
    provider is asked (outside any transaction), so two at once never exceed what was paid.
    Raises RefundRefused.
    """
    from rathaus.audit.models import Action
    from rathaus.audit.services import record

    from .models import Refund, RefundState

    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if payment.state != PaymentState.PAID:
            raise RefundRefused("not_paid")
        attempt = payment.attempts.filter(outcome=Outcome.PAID).order_by("-created_at",
                                                                        "-pk").first()
        provider = registry.get(attempt.provider) if attempt is not None else None
        if attempt is None or provider is None:
            raise RefundRefused("not_online")
        if not 0 < amount_cents <= payment.paid_cents - refunded_cents(payment):
            raise RefundRefused("amount")
        if not provider.supports_refund:
            raise RefundRefused("not_supported")
        refund = Refund.objects.create(payment=payment, amount_cents=amount_cents,
                                       requested_by=actor, reason=reason[:500])
    try:
        report = provider.refund(request_id=attempt.request_id,
                                 provider_reference=attempt.provider_reference,
                                 amount_cents=amount_cents)
    except ProviderError as error:
        code = "not_supported" if isinstance(error, RefundNotSupported) else "failed"
        with transaction.atomic():
            Refund.objects.filter(pk=refund.pk).update(state=RefundState.FAILED,
                                                       detail=str(error)[:500])
            PaymentEvent.objects.create(
                payment=payment, attempt=attempt, provider=attempt.provider,
                source=EventSource.MANUAL, verdict=Verdict.FAILED,
                outcome=Outcome.REFUNDED.value, amount_cents=amount_cents,
                detail=f"refund refused: {error}"[:500])
        raise RefundRefused(code, str(error)) from error
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        Refund.objects.filter(pk=refund.pk).update(state=RefundState.DONE,
                                                   detail=report.detail[:500])
        whole = refunded_cents(payment) >= payment.paid_cents
        if whole:
            payment.state = PaymentState.REFUNDED
            payment.save(update_fields=["state", "updated_at"])
            PaymentAttempt.objects.filter(pk=attempt.pk).update(outcome=Outcome.REFUNDED)
            _receipt_follows(payment)
        PaymentEvent.objects.create(
            payment=payment, attempt=attempt, provider=attempt.provider,
            source=EventSource.MANUAL, verdict=Verdict.APPLIED,
            outcome=Outcome.REFUNDED.value, amount_cents=amount_cents,
            detail=(f"refund by {actor.get_username()}: {report.detail}")[:500],
            raw=safe_fields(report.raw))
        record(action=Action.REFUND_ISSUED, request=request, actor=actor,
               object_type="payments.payment", object_id=payment.kassenzeichen,
               message=f"{amount_cents} cents{' (all)' if whole else ''} {reason}"[:500])
    return payment
