"""Which open payments the day's statement pays, as the cash office sees it."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.utils import translation

from rathaus.payments.camt import read_statement
from rathaus.payments.reconcile import Open, Outcome, Result, compact, entry_key, match

FILES = Path(__file__).parent / "files"
STATEMENT = read_statement((FILES / "sparkasse-camt053-001-02.xml").read_bytes())
# The town's Kassenzeichen: KZ, the year, six digits (KZ-2026-000123), however payers write it.
PATTERN = re.compile(r"K\s*Z[\s.:/-]*(?:\d[\s./-]*){9}\d", re.IGNORECASE)
OPEN = {
    "KZ2026000123": Open(payment_id=1, amount_cents=2400),  # birth certificate, two copies
    "KZ2026000124": Open(payment_id=2, amount_cents=2600),  # business registration
    "KZ2026000125": Open(payment_id=3, amount_cents=1000),  # registration certificate
    "KZ2026000126": Open(payment_id=4, amount_cents=500),
    "KZ2026000127": Open(payment_id=5, amount_cents=2600),
    "KZ2026000128": Open(payment_id=6, amount_cents=500),
    "KZ2026000130": Open(payment_id=7, amount_cents=4800),  # dog tax, collected
}


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def results() -> dict[str, Result]:
    """The results by the bank's reference, with the batch's transfers as reference/position."""
    found = match(STATEMENT.entries, OPEN.get, pattern=PATTERN)
    return {r.entry.bank_reference[-2:] + (f"/{r.entry.position}" if r.entry.position else ""): r
            for r in found}


def test_a_payment_in_full() -> None:
    result = results()["01"]

    assert result.outcome is Outcome.MATCHED
    assert (result.payment_id, result.kassenzeichen) == (1, "KZ2026000123")
    assert result.difference_cents == 0
    assert result.reason == "Paid in full: 24.00 € for Kassenzeichen KZ2026000123."


def test_a_partial_payment_says_what_is_still_open() -> None:
    result = results()["02"]

    assert result.outcome is Outcome.PARTIAL
    assert result.payment_id == 2
    assert result.difference_cents == -1600
    assert result.reason == ("Paid in part: 10.00 € of 26.00 € for Kassenzeichen KZ2026000124; "
                             "16.00 € are still open.")


def test_an_overpayment_says_what_to_refund() -> None:
    result = results()["03"]

    assert result.outcome is Outcome.OVERPAID
    assert result.difference_cents == 500
    assert "5.00 € to refund" in result.reason


def test_a_kassenzeichen_mangled_by_the_bank_is_still_found() -> None:
    result = results()["04"]  # "Meldebescheinigung kz 2026 -" / "000 126"

    assert result.outcome is Outcome.MATCHED
    assert result.payment_id == 4


def test_a_mistyped_kassenzeichen_is_left_for_the_cash_office() -> None:
    result = results()["05"]  # KZ 2026.000219, no such open payment

    assert result.outcome is Outcome.UNMATCHED
    assert result.payment_id is None
    assert result.reason == ("No open payment has the Kassenzeichen KZ2026000219; perhaps it is "
                             "mistyped or already paid.")


def test_a_payment_from_abroad_without_reference_is_unmatched() -> None:
    result = results()["06"]

    assert result.outcome is Outcome.UNMATCHED
    assert result.kassenzeichen == ""
    assert "No Kassenzeichen of a payment due in the remittance text" in result.reason


def test_each_transfer_of_a_batch_is_matched_on_its_own() -> None:
    found = results()

    assert (found["07/1"].outcome, found["07/1"].payment_id) == (Outcome.MATCHED, 5)
    assert (found["07/2"].outcome, found["07/2"].payment_id) == (Outcome.MATCHED, 6)


def test_a_returned_direct_debit_is_set_aside_with_its_kassenzeichen() -> None:
    result = results()["08"]

    assert result.outcome is Outcome.IGNORED
    assert result.payment_id is None
    assert result.reason == ("A return of an earlier booking (reason MD06). "
                             "Check Kassenzeichen KZ2026000130 by hand.")


def test_a_bank_fee_is_set_aside() -> None:
    result = results()["09"]

    assert result.outcome is Outcome.IGNORED
    assert result.reason == "Money paid out from the account, not a payment received."


def test_the_day_at_a_glance() -> None:
    outcomes = [r.outcome for r in match(STATEMENT.entries, OPEN.get, pattern=PATTERN)]

    assert outcomes == [Outcome.MATCHED, Outcome.PARTIAL, Outcome.OVERPAID, Outcome.MATCHED,
                        Outcome.UNMATCHED, Outcome.UNMATCHED, Outcome.MATCHED, Outcome.MATCHED,
                        Outcome.IGNORED, Outcome.IGNORED]


def test_a_transfer_for_two_open_payments_is_divided_by_hand() -> None:
    entry = dataclasses.replace(STATEMENT.entries[0], amount_cents=4900,
                                remittance="KZ-2026-000123 und KZ-2026-000127")

    [result] = match([entry], OPEN.get, pattern=PATTERN)

    assert result.outcome is Outcome.UNMATCHED
    assert "several open payments (KZ2026000123, KZ2026000127)" in result.reason


def test_a_kassenzeichen_in_the_end_to_end_id_counts() -> None:
    entry = dataclasses.replace(STATEMENT.entries[0], remittance="Geburtsurkunde",
                                end_to_end_id="KZ2026000123")

    [result] = match([entry], OPEN.get, pattern=PATTERN)

    assert result.payment_id == 1


def test_a_pending_entry_is_not_booked() -> None:
    entry = dataclasses.replace(STATEMENT.entries[0], booked=False)

    [result] = match([entry], OPEN.get, pattern=PATTERN)

    assert result.outcome is Outcome.IGNORED


def test_the_reason_in_german_amounts() -> None:
    with translation.override("de"):
        [result] = match([dataclasses.replace(STATEMENT.entries[0], amount_cents=123456)],
                         OPEN.get, pattern=PATTERN)

    assert "1.234,56 €" in result.reason
    assert "24,00 €" in result.reason


def test_keys_are_stable_and_tell_every_booking_apart() -> None:
    again = read_statement((FILES / "sparkasse-camt053-001-02.xml").read_bytes())
    keys = [r.key for r in match(STATEMENT.entries, OPEN.get, pattern=PATTERN)]

    assert keys == [entry_key(entry) for entry in again.entries]  # a second import: same keys
    assert len(set(keys)) == len(keys)  # the batch's two transfers included
    changed = dataclasses.replace(STATEMENT.entries[0], amount_cents=2500)
    assert entry_key(changed) != keys[0]


def test_compact() -> None:
    assert compact("kz 2026 - 000 126") == "KZ2026000126"
    assert compact("KZ-2026.000126") == "KZ2026000126"
