"""A TEST DOUBLE payment provider, for the tests of the payment flow only. Not a protocol.

It behaves as a provider does at the interface (providers/base.py): it accepts orders, names
a pay page, signs its notifications and returns with an HMAC over the fields, answers status
queries, and refuses what is unsigned or tampered with. The real protocols are in
``rathaus.payments.providers``. Configure it with::

    RATHAUS_PAYMENT_PROVIDERS = {"double": {"protocol": "rathaus.payments.tests.double",
                                            "label": "Testkasse", "secret": "s3cret"}}

``fail_start: "true"`` makes every start fail as an unreachable provider does.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field

from rathaus.payments.providers.base import (
    Incoming,
    InvalidMessage,
    Outcome,
    PaymentOrder,
    ProviderError,
    RefundNotSupported,
    Started,
    StatusReport,
)

PAY_PAGE = "https://pay.double.invalid/page/"
FIELDS = ("request_id", "reference", "outcome", "amount")


@dataclass
class Ledger:
    """What the double's "server" knows: orders by request id and their outcome."""

    orders: dict[str, PaymentOrder] = field(default_factory=dict)
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    references: dict[str, str] = field(default_factory=dict)
    numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))


LEDGER = Ledger()


def reset() -> None:
    global LEDGER
    LEDGER = Ledger()


def sign(secret: str, values: Mapping[str, str]) -> str:
    message = "|".join(str(values.get(name, "")) for name in FIELDS)
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def message(secret: str, *, request_id: str, outcome: Outcome, amount: int | None = None,
            reference: str | None = None) -> dict[str, str]:
    """The fields of a signed notification (or return) as the double's server sends it."""
    order = LEDGER.orders.get(request_id)
    values = {"request_id": request_id,
              "reference": reference or LEDGER.references.get(request_id, ""),
              "outcome": outcome.value,
              "amount": str(amount if amount is not None else (
                  order.amount_cents if order else 0))}
    return {**values, "hash": sign(secret, values)}


@dataclass(frozen=True)
class DoubleProvider:
    key: str
    secret: str
    fail_start: bool = False
    supports_refund: bool = False

    def start(self, order: PaymentOrder) -> Started:
        if self.fail_start:
            raise ProviderError("double: connection refused")
        reference = f"DBL-{next(LEDGER.numbers):05d}"
        LEDGER.orders[order.request_id] = order
        LEDGER.outcomes[order.request_id] = Outcome.PENDING
        LEDGER.references[order.request_id] = reference
        return Started(provider_reference=reference, redirect_url=f"{PAY_PAGE}{reference}")

    def _read(self, values: Mapping[str, str]) -> StatusReport:
        given = values.get("hash", "")
        if not hmac.compare_digest(given, sign(self.secret, values)):
            raise InvalidMessage("double: hash does not match")
        try:
            outcome = Outcome(values.get("outcome", ""))
            amount = int(values.get("amount", ""))
        except ValueError as error:
            raise InvalidMessage(f"double: {error}") from None
        return StatusReport(request_id=values.get("request_id", ""),
                            provider_reference=values.get("reference", ""), outcome=outcome,
                            amount_cents=amount, detail=f"double {outcome.value}",
                            raw=dict(values))

    def parse_notification(self, incoming: Incoming) -> StatusReport:
        if incoming.method != "POST":
            raise InvalidMessage("double: notifications are POSTed")
        return self._read(incoming.form)

    def notification_answer(self, report: StatusReport | None) -> tuple[int, str, bytes]:
        if report is None:
            return 400, "text/plain", b"REJECTED"
        return 200, "text/plain", b"OK"

    def parse_return(self, incoming: Incoming) -> StatusReport | None:
        if "hash" not in incoming.query:
            return None
        return self._read(incoming.query)

    def fetch_status(self, *, request_id: str, provider_reference: str) -> StatusReport:
        if request_id not in LEDGER.orders:
            raise ProviderError("double: unknown transaction")
        outcome = LEDGER.outcomes[request_id]
        order = LEDGER.orders[request_id]
        return StatusReport(request_id=request_id, provider_reference=provider_reference,
                            outcome=outcome,
                            amount_cents=order.amount_cents if outcome == Outcome.PAID else None,
                            detail=f"double status {outcome.value}")

    def refund(self, *, request_id: str, provider_reference: str,
               amount_cents: int) -> StatusReport:
        raise RefundNotSupported("double: no refunds")


def build(key: str, options: Mapping[str, str]) -> DoubleProvider:
    return DoubleProvider(key=key, secret=options.get("secret", "double-secret"),
                          fail_start=options.get("fail_start", "").lower() == "true")
