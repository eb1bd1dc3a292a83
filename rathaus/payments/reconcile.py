"""Match the entries of a bank statement to the open payments they pay.

Pure: the caller gives the entries (``camt.read_statement``), a function that looks up an open
payment by its Kassenzeichen, and the pattern that finds Kassenzeichen in what payers type.
Banks and payers mangle references (``kz 2026 - 000 126``), so candidates are compared in
their :func:`compact` form, letters and digits only, upper case; ``find`` receives that form
and the caller stores its Kassenzeichen compacted the same way to look them up.

Each entry gets one :class:`Result` with a reason in words for the cash office. Importing a
statement twice must book nothing twice: that is the caller's job, with :attr:`Result.key`
stored unique.
"""

from __future__ import annotations

import enum
import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.translation import get_language, gettext

from rathaus.payments.camt import Entry, return_reason_text


class Outcome(enum.StrEnum):
    """What an entry of the statement does to the open payments."""

    MATCHED = "matched"  # pays one open payment exactly
    PARTIAL = "partial"  # pays less than is open
    OVERPAID = "overpaid"  # pays more than is open
    UNMATCHED = "unmatched"  # money came in, but for no open payment Rathaus can name
    RETURNED = "returned"  # a direct debit of ours the payer's bank took back
    IGNORED = "ignored"  # not a payment received: a debit, a return, not yet booked


@dataclass(frozen=True)
class Open:
    """An open payment as the caller knows it."""

    payment_id: int
    amount_cents: int  # what is still expected


@dataclass(frozen=True)
class Collected:
    """A payment the cash office collected by direct debit, as the caller knows it."""

    payment_id: int
    kassenzeichen: str


@dataclass(frozen=True)
class Result:
    """What the reconciliation made of one entry."""

    outcome: Outcome
    entry: Entry
    key: str  # stable across imports of the same booking; store it unique
    reason: str  # for the cash office, in the active language
    kassenzeichen: str = ""  # compacted, as passed to ``find``
    payment_id: int | None = None
    expected_cents: int | None = None

    @property
    def difference_cents(self) -> int:
        """Paid minus expected: negative still open, positive paid too much, 0 otherwise."""
        if self.expected_cents is None:
            return 0
        return self.entry.amount_cents - self.expected_cents


def compact(kassenzeichen: str) -> str:
    """``kassenzeichen`` as letters and digits only, upper case: the form ``find`` gets."""
    return re.sub(r"[^0-9A-Z]", "", kassenzeichen.upper())


def entry_key(entry: Entry) -> str:
    """A key for the booking that is the same each time the bank reports it."""
    parts = [entry.bank_reference, entry.end_to_end_id, str(entry.amount_cents),
             entry.booking_date.isoformat(), "C" if entry.credit else "D",
             "R" if entry.reversal else "", str(entry.position)]
    if not entry.bank_reference:
        # Without the bank's reference two equal transfers on one day would collide.
        parts += [entry.debtor_iban, entry.remittance, entry.creditor_reference]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def match(entries: Sequence[Entry], find: Callable[[str], Open | None], *,
          pattern: re.Pattern[str],
          collected: Callable[[Entry], Collected | None] = lambda entry: None) -> list[Result]:
    """One result per entry: which open payment it pays, and how well.

    ``collected`` names the direct debit of ours a returned debit takes back (by its
    end-to-end id or mandate), or None.
    """
    return [_match_one(entry, find, pattern, collected) for entry in entries]


def _match_one(entry: Entry, find: Callable[[str], Open | None], pattern: re.Pattern[str],
               collected: Callable[[Entry], Collected | None]) -> Result:
    key = entry_key(entry)
    candidates = _candidates(entry, pattern)
    named = ", ".join(candidates)
    if not entry.booked:
        return Result(Outcome.IGNORED, entry, key, gettext(
            "Not booked yet; it will appear again on a later statement."))
    ours = collected(entry) if entry.returned_debit else None
    if ours is not None:
        return Result(Outcome.RETURNED, entry, key, gettext(
            "Returned direct debit of Kassenzeichen %(kassenzeichen)s, "
            "%(amount)s: %(reason)s. The payment is due again.") % {
            "kassenzeichen": ours.kassenzeichen, "amount": _money(entry.amount_cents),
            "reason": return_reason_text(entry.return_reason)},
            kassenzeichen=compact(ours.kassenzeichen), payment_id=ours.payment_id)
    if entry.reversal:
        reason = gettext("A return of an earlier booking (reason %(code)s).") % {
            "code": entry.return_reason or "?"}
        if candidates:
            reason += " " + gettext("Check Kassenzeichen %(kassenzeichen)s by hand.") % {
                "kassenzeichen": named}
        return Result(Outcome.IGNORED, entry, key, reason, kassenzeichen=named)
    if entry.debit:
        return Result(Outcome.IGNORED, entry, key, gettext(
            "Money paid out from the account, not a payment received."))
    if not candidates:
        return Result(Outcome.UNMATCHED, entry, key, gettext(
            "No Kassenzeichen of a payment due in the remittance text; find the payer by name and "
            "account."))
    found = [(kassenzeichen, payment) for kassenzeichen in candidates
             if (payment := find(kassenzeichen)) is not None]
    if not found:
        return Result(Outcome.UNMATCHED, entry, key, gettext(
            "No open payment has the Kassenzeichen %(kassenzeichen)s; perhaps it is mistyped "
            "or already paid.") % {"kassenzeichen": named}, kassenzeichen=named)
    if len({payment.payment_id for _, payment in found}) > 1:
        return Result(Outcome.UNMATCHED, entry, key, gettext(
            "The transfer names several open payments (%(kassenzeichen)s); divide it by hand.")
            % {"kassenzeichen": ", ".join(k for k, _ in found)},
            kassenzeichen=", ".join(k for k, _ in found))
    kassenzeichen, payment = found[0]
    paid, expected = entry.amount_cents, payment.amount_cents
    values = {"kassenzeichen": kassenzeichen, "paid": _money(paid),
              "expected": _money(expected), "difference": _money(abs(paid - expected))}
    if paid == expected:
        outcome = Outcome.MATCHED
        reason = gettext("Paid in full: %(paid)s for Kassenzeichen %(kassenzeichen)s.") % values
    elif paid < expected:
        outcome = Outcome.PARTIAL
        reason = gettext("Paid in part: %(paid)s of %(expected)s for Kassenzeichen "
                         "%(kassenzeichen)s; %(difference)s are still open.") % values
    else:
        outcome = Outcome.OVERPAID
        reason = gettext("Paid too much: %(paid)s instead of %(expected)s for Kassenzeichen "
                         "%(kassenzeichen)s; %(difference)s to refund.") % values
    return Result(outcome, entry, key, reason, kassenzeichen=kassenzeichen,
                  payment_id=payment.payment_id, expected_cents=expected)


def _candidates(entry: Entry, pattern: re.Pattern[str]) -> list[str]:
    """The distinct compacted Kassenzeichen in the entry's references, in order of
    appearance."""
    texts = (entry.remittance, entry.creditor_reference, entry.end_to_end_id)
    seen: dict[str, None] = {}
    for text in texts:
        for found in pattern.finditer(text):
            seen.setdefault(compact(found.group(0)), None)
    return [candidate for candidate in seen if candidate]


def _money(cents: int) -> str:
    euros, rest = divmod(cents, 100)
    if (get_language() or "").startswith("de"):
        return f"{euros:,}".replace(",", ".") + f",{rest:02d} €"
    return f"{euros:,}.{rest:02d} €"  # as the portal's English pages write amounts
