"""The cash office's bank statements: upload, preview, apply, and the lines left open.

An uploaded camt.053 file is stored as a StatementImport (the bytes in the database, so the
preview and the confirmation may reach any web process). The preview reconciles it against the
payments as they are; confirming reconciles it again inside one transaction and stores every
entry as a StatementLine under its entry key, which is unique: an entry already stored (the
same file again, or a later statement repeating a booking) is skipped, so importing twice
books nothing twice, also when two clients confirm at once. Matched entries book their payment
through ``services.apply_booking``; partial, overpaid and unmatched ones stay open for the cash
office, who assigns them to a payment by its Kassenzeichen or dismisses them with a note.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q, Sum, Value
from django.db.models.functions import Replace, Upper
from django.http import HttpRequest
from django.utils import timezone

from rathaus.audit.models import Action
from rathaus.audit.services import record

from . import camt, reconcile, services
from .models import (
    TRANSFER,
    DirectDebitCollection,
    EventSource,
    LineStatus,
    Payment,
    PaymentEvent,
    PaymentState,
    StatementImport,
    StatementLine,
    Verdict,
)
from .providers.base import Outcome as ReportOutcome
from .reconcile import Collected, Open, Outcome, Result

# Payments money may still arrive for (a failed or cancelled online payment is paid by
# transfer just as well).
PAYABLE = (PaymentState.OPEN, PaymentState.FAILED, PaymentState.CANCELLED)


class StatementAlreadyApplied(services.PaymentError):
    """This upload was confirmed before."""


class LineNotOpen(services.PaymentError):
    """The statement line was assigned or dismissed already (or is no payment received)."""


class NoSuchPayment(services.PaymentError):
    """No payment has the Kassenzeichen given."""


class PaymentSettled(services.PaymentError):
    """The payment is paid or refunded already; more money for it is refunded, not booked."""


def max_bytes() -> int:
    """The largest statement file accepted."""
    return int(settings.RATHAUS_CASH_STATEMENT_MAX_BYTES)


# -- Matching against the payments as they are ---------------------------------------------


def _shape(kassenzeichen: str) -> str:
    """A pattern for Kassenzeichen shaped like ``kassenzeichen``, as payers type them."""
    parts = []
    for token in re.findall(r"[A-Z]+|\d+", kassenzeichen.upper()):
        if token.isdigit():
            # Exactly as many digits, with the spaces, dots or dashes banks put between.
            parts.append(r"\d" + r"[\s./-]*\d" * (len(token) - 1))
        else:
            parts.append(r"\s*".join(token))
    return r"[\s.:/-]*".join(parts)


def _payable() -> dict[str, tuple[int, str, int]]:
    """The payable payments by compacted Kassenzeichen: (id, Kassenzeichen, cents). One query."""
    return {reconcile.compact(code): (pk, code, cents)
            for pk, code, cents in Payment.objects.filter(state__in=PAYABLE).values_list(
                "pk", "kassenzeichen", "amount_cents")}


def _pattern(payable: dict[str, tuple[int, str, int]]) -> re.Pattern[str]:
    shapes = sorted({_shape(code) for _pk, code, _cents in payable.values()}, key=len,
                    reverse=True)
    if not shapes:
        return re.compile(r"(?!x)x")  # nothing is payable: nothing to find
    return re.compile(r"(?<![A-Za-z0-9])(?:" + "|".join(shapes) + r")(?!\d)", re.IGNORECASE)


def _collections(entries: Sequence[camt.Entry]) -> Callable[[camt.Entry], Collected | None]:
    """Find the direct debit of ours a returned debit takes back. One query.

    By its end-to-end id, which is the Kassenzeichen the export gave it; else by the mandate
    reference and amount of the latest collection under that mandate. Where the bank names
    the mandate, it must be the collection's.
    """
    returns = [entry for entry in entries if entry.returned_debit]
    if not returns:
        return lambda entry: None
    wanted = DirectDebitCollection.objects.filter(
        Q(payment__kassenzeichen__in={entry.end_to_end_id for entry in returns
                                      if entry.end_to_end_id})
        | Q(mandate_reference__in={entry.mandate_id for entry in returns if entry.mandate_id})
    ).order_by("pk").values_list("payment_id", "payment__kassenzeichen", "mandate_reference",
                                 "amount_cents")
    by_code: dict[str, tuple[int, str, str]] = {}
    by_mandate: dict[tuple[str, int], tuple[int, str, str]] = {}
    for pk, code, mandate, cents in wanted:
        by_code[code] = (pk, code, mandate)
        by_mandate[(mandate, cents)] = (pk, code, mandate)  # the latest wins

    def find(entry: camt.Entry) -> Collected | None:
        found = by_code.get(entry.end_to_end_id) or by_mandate.get(
            (entry.mandate_id, entry.amount_cents))
        if found is None or (entry.mandate_id and entry.mandate_id != found[2]):
            return None
        return Collected(payment_id=found[0], kassenzeichen=found[1])

    return find


def _match(entries: Sequence[camt.Entry]) -> tuple[list[Result], dict[str, tuple[int, str, int]]]:
    payable = _payable()
    opened = {compact: Open(payment_id=pk, amount_cents=cents)
              for compact, (pk, _code, cents) in payable.items()}
    return reconcile.match(entries, opened.get, pattern=_pattern(payable),
                           collected=_collections(entries)), payable


@dataclass(frozen=True)
class PreviewRow:
    """What confirming would do with one entry."""

    result: Result
    known: bool  # stored by an earlier import: confirming skips it

    @property
    def amount(self) -> str:
        cents = self.result.entry.amount_cents
        return f"{cents // 100}.{cents % 100:02d}"


@dataclass(frozen=True)
class Preview:
    statement: camt.Statement
    rows: list[PreviewRow]

    def count(self, outcome: str) -> int:
        return sum(1 for row in self.rows if row.result.outcome == outcome and not row.known)

    @property
    def known(self) -> int:
        return sum(1 for row in self.rows if row.known)

    @property
    def all_known(self) -> bool:
        return bool(self.rows) and self.known == len(self.rows)


def preview(upload: StatementImport) -> Preview:
    """Reconcile the uploaded statement against the payments as they are now; change nothing."""
    statement = camt.read_statement(bytes(upload.data))
    results, _payable_now = _match(statement.entries)
    known = set(StatementLine.objects.filter(entry_key__in=[r.key for r in results])
                .values_list("entry_key", flat=True))
    return Preview(statement, [PreviewRow(result, result.key in known) for result in results])


# -- Writes --------------------------------------------------------------------------------


def upload_statement(*, filename: str, data: bytes, actor: User
                     ) -> StatementImport:
    """Store an uploaded statement for its preview; raises camt.StatementError."""
    statement = camt.read_statement(data)
    return StatementImport.objects.create(
        filename=filename[:255], data=data, digest=hashlib.sha256(data).hexdigest(),
        statement_id=statement.statement_id[:35], account_iban=statement.account_iban[:34],
        sequence_number=statement.sequence_number, entries=len(statement.entries),
        uploaded_by=actor)


def _booked_at(day: dt.date) -> dt.datetime:
    # The bank books a day, not a time: noon keeps that day in UTC and in every export.
    return dt.datetime.combine(day, dt.time(12), tzinfo=ZoneInfo(settings.TIME_ZONE))


_STATUS = {Outcome.MATCHED: LineStatus.BOOKED, Outcome.IGNORED: LineStatus.IGNORED,
           Outcome.RETURNED: LineStatus.RETURNED}


def _line(upload: StatementImport, result: Result, payable: dict[str, tuple[int, str, int]]
          ) -> StatementLine:
    entry = result.entry
    # The other party: the payer of a credit or of a returned direct debit, else the payee.
    payer = entry.credit or entry.returned_debit
    return StatementLine(
        statement=upload, entry_key=result.key, outcome=result.outcome.value,
        status=_STATUS.get(result.outcome, LineStatus.OPEN), booking_date=entry.booking_date,
        amount_cents=entry.amount_cents, credit=entry.credit,
        debtor_name=(entry.debtor_name if payer else entry.creditor_name)[:140],
        debtor_iban=(entry.debtor_iban if payer else entry.creditor_iban)[:34],
        remittance=" ".join(filter(None, (entry.remittance, entry.creditor_reference)))[:500],
        kassenzeichen=result.kassenzeichen[:200], reason=result.reason[:500],
        payment_id=result.payment_id)


def _fields(entry: camt.Entry) -> dict[str, str]:
    return {"bank_reference": entry.bank_reference, "end_to_end_id": entry.end_to_end_id,
            "mandate_id": entry.mandate_id, "transaction_code": entry.transaction_code,
            "booking_date": entry.booking_date.isoformat(), "remittance": entry.remittance,
            "creditor_reference": entry.creditor_reference, "payer": entry.debtor_name}


@dataclass(frozen=True)
class Applied:
    """What confirming a statement did."""

    booked: int
    left_open: int
    ignored: int
    known: int
    returned: int = 0


def apply_statement(*, upload_id: int, actor: User,
                    request: HttpRequest | None = None) -> Applied:
    """Store every entry of the upload once and book the payments it pays in full."""
    with transaction.atomic():
        upload = StatementImport.objects.select_for_update().get(pk=upload_id)
        if upload.applied_at is not None:
            raise StatementAlreadyApplied(str(upload.pk))
        statement = camt.read_statement(bytes(upload.data))
        results, payable = _match(statement.entries)
        # ON CONFLICT DO NOTHING: an entry stored before (or by a concurrent import, which
        # this waits for) stays as it is, and is not this import's.
        StatementLine.objects.bulk_create([_line(upload, r, payable) for r in results],
                                          ignore_conflicts=True)
        ours = dict(StatementLine.objects.filter(statement=upload).values_list("entry_key",
                                                                              "pk"))
        by_id = {pk: code for pk, code, _cents in payable.values()}
        booked = left_open = ignored = returned = 0
        for result in results:
            if result.key not in ours:
                continue
            if result.outcome == Outcome.IGNORED:
                ignored += 1
                continue
            if result.outcome == Outcome.RETURNED and result.payment_id is not None:
                if _take_back(result, line_id=ours[result.key], actor=actor, request=request):
                    returned += 1
                else:
                    left_open += 1
                continue
            if result.outcome != Outcome.MATCHED or result.payment_id is None:
                left_open += 1
                continue
            event = services.apply_booking(
                kassenzeichen=by_id[result.payment_id], amount_cents=result.entry.amount_cents,
                booked_at=_booked_at(result.entry.booking_date), fields=_fields(result.entry))
            if event.verdict == Verdict.APPLIED:
                booked += 1
            else:  # paid meanwhile by another way: the cash office looks at it
                StatementLine.objects.filter(pk=ours[result.key]).update(
                    status=LineStatus.OPEN, reason=event.get_verdict_display()[:500])
                left_open += 1
        known = len(results) - len(ours)
        upload.applied_at = timezone.now()
        upload.applied_by = actor
        upload.booked, upload.left_open, upload.known = booked, left_open, known
        upload.save(update_fields=["applied_at", "applied_by", "booked", "left_open", "known"])
        record(action=Action.STATEMENT_IMPORTED, request=request, actor=actor,
               object_type="payments.statementimport", object_id=str(upload.pk),
               message=f"{upload.filename} {upload.statement_id}: {booked} booked, "
                       f"{returned} returned, {left_open} open, {ignored} set aside, "
                       f"{known} imported before")
    return Applied(booked=booked, left_open=left_open, ignored=ignored, known=known,
                   returned=returned)


def _take_back(result: Result, *, line_id: int, actor: User,
               request: HttpRequest | None) -> bool:
    """Apply a returned direct debit to its payment; whether it changed the payment.

    A return the payment does not take (refunded meanwhile) leaves the line open.
    """
    assert result.payment_id is not None
    entry = result.entry
    event = services.apply_return(payment_id=result.payment_id,
                                  amount_cents=entry.amount_cents,
                                  reason_code=entry.return_reason, fields=_fields(entry))
    if event.verdict != Verdict.APPLIED:
        StatementLine.objects.filter(pk=line_id).update(
            status=LineStatus.OPEN, reason=event.get_verdict_display()[:500])
        return False
    assert event.payment is not None
    record(action=Action.DIRECT_DEBIT_RETURNED, request=request, actor=actor,
           object_type="payments.payment", object_id=event.payment.kassenzeichen,
           message=f"{entry.amount_cents} cents, reason {entry.return_reason or '?'}")
    return True


def _open_line(line_id: int) -> StatementLine:
    line = StatementLine.objects.select_for_update().get(pk=line_id)
    if line.status != LineStatus.OPEN:
        raise LineNotOpen(str(line.pk))
    return line


def assign_line(*, line_id: int, kassenzeichen: str, actor: User, note: str = "",
                request: HttpRequest | None = None) -> Payment:
    """Book an open statement line on the payment with ``kassenzeichen``.

    The payment is paid once the lines assigned to it add up to at least its amount (several
    instalments, or an overpayment whose surplus the cash office pays back); until then it
    stays open and the line is kept with it.
    """
    wanted = reconcile.compact(kassenzeichen)
    with transaction.atomic():
        line = _open_line(line_id)
        found = next((pk for pk, code in Payment.objects.filter(
            kassenzeichen__iexact=kassenzeichen.strip()).values_list("pk", "kassenzeichen")),
            None) or _by_compact(wanted)
        if found is None:
            raise NoSuchPayment(kassenzeichen)
        payment = Payment.objects.select_for_update().get(pk=found)
        if payment.state not in PAYABLE:
            raise PaymentSettled(payment.kassenzeichen)
        before = (StatementLine.objects.filter(payment=payment, status=LineStatus.ASSIGNED)
                  .aggregate(total=Sum("amount_cents"))["total"] or 0)
        total = before + line.amount_cents
        paid = total >= payment.amount_cents
        if paid:
            payment.state = PaymentState.PAID
            payment.paid_cents = total
            payment.paid_at = _booked_at(line.booking_date)
            payment.method = TRANSFER  # it came by bank transfer, whatever was chosen
            payment.save(update_fields=["state", "paid_cents", "paid_at", "method",
                                        "updated_at"])
            services.receipt_follows(payment)
        PaymentEvent.objects.create(
            payment=payment, source=EventSource.MANUAL, verdict=Verdict.APPLIED,
            outcome=(ReportOutcome.PAID if paid else ReportOutcome.PENDING).value,
            amount_cents=line.amount_cents,
            detail=(f"statement line {line.pk} assigned by {actor.get_username()}"
                    f"{': ' + note if note else ''}")[:500],
            raw={"statement_line": str(line.pk), "booking_date": line.booking_date.isoformat(),
                 "assigned_total_cents": str(total)})
        line.status = LineStatus.ASSIGNED
        line.payment = payment
        line.note = note[:500]
        line.resolved_by = actor
        line.resolved_at = timezone.now()
        line.save(update_fields=["status", "payment", "note", "resolved_by", "resolved_at"])
        record(action=Action.STATEMENT_LINE_ASSIGNED, request=request, actor=actor,
               object_type="payments.statementline", object_id=str(line.pk),
               message=f"{payment.kassenzeichen} {line.amount}"
                       f"{' paid' if paid else ' in part'} {note}"[:500])
    return payment


def _by_compact(wanted: str) -> int | None:
    """The payment whose Kassenzeichen is ``wanted`` without its dashes and slashes (the only
    separators a Kassenzeichen format allows)."""
    if not wanted:
        return None
    compacted = Replace(Replace(Upper("kassenzeichen"), Value("-"), Value("")), Value("/"),
                        Value(""))
    found = (Payment.objects.annotate(compacted=compacted).filter(compacted=wanted)
             .values_list("pk", flat=True).first())
    return int(found) if found is not None else None


def dismiss_line(*, line_id: int, note: str, actor: User,
                 request: HttpRequest | None = None) -> StatementLine:
    """Close an open statement line without booking it, with the cash office's note."""
    with transaction.atomic():
        line = _open_line(line_id)
        line.status = LineStatus.DISMISSED
        line.note = note[:500]
        line.resolved_by = actor
        line.resolved_at = timezone.now()
        line.save(update_fields=["status", "note", "resolved_by", "resolved_at"])
        record(action=Action.STATEMENT_LINE_DISMISSED, request=request, actor=actor,
               object_type="payments.statementline", object_id=str(line.pk),
               message=note[:500])
    return line


# -- Retention -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Purged:
    """What the retention of statement files did."""

    emptied: int  # applied imports whose file was deleted (their lines stay)
    deleted: int  # uploads never applied, deleted whole


def purge_statement_files(*, now: dt.datetime | None = None) -> Purged:
    """Delete the files of statements applied longer ago than the retention, and old uploads.

    The lines of an applied statement are the cash office's booking record and stay; the file
    holds the whole account's day and goes. An upload nobody applied stored no line: it goes
    whole. Idempotent: a second run finds nothing.
    """
    now = now or timezone.now()
    before = now - dt.timedelta(days=int(settings.RATHAUS_CASH_STATEMENT_FILE_DAYS))
    with transaction.atomic():
        emptied = StatementImport.objects.filter(
            applied_at__lt=before, file_deleted_at__isnull=True).update(
            data=b"", file_deleted_at=now)
        deleted, _counts = StatementImport.objects.filter(
            applied_at__isnull=True, uploaded_at__lt=before).delete()
    return Purged(emptied=emptied, deleted=deleted)
