"""The interface every payment provider implements, shaped like XBezahldienste.

Rathaus starts a payment with the provider, sends the citizen's browser to the provider's pay
page, and learns the outcome from a notification the provider sends (server to server), from
the citizen's return, or by asking the provider. Only what a provider has signed or answered
over its authenticated interface becomes a :class:`StatusReport`; everything else raises
:class:`InvalidMessage`. No card or account data ever passes through Rathaus.

A provider module knows its protocol only: hashes, parameter names, status codes. It knows
nothing of the Payment model; ``rathaus.payments.services`` keeps the state machine, the
idempotence and the log.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol


class Outcome(enum.StrEnum):
    """What a provider says about a payment, in Rathaus' terms."""

    PENDING = "pending"  # started, not finished (XBezahldienste INITIAL)
    PAID = "paid"
    FAILED = "failed"
    CANCELLED = "cancelled"  # the citizen broke off on the pay page
    REFUNDED = "refunded"


@dataclass(frozen=True)
class OrderItem:
    """One position of the order, e.g. a copy of a certificate, with its booking reference."""

    text: str
    amount_cents: int
    quantity: int = 1
    booking_reference: str = ""  # Haushaltsstelle / Objekt of the cash office


@dataclass(frozen=True)
class PaymentOrder:
    """What Rathaus asks a provider to collect. Amounts are integer cents."""

    request_id: str  # unique per attempt, chosen by Rathaus (XBezahldienste requestId)
    kassenzeichen: str  # the cash office's payment reference
    amount_cents: int
    purpose: str  # booking text, already within the provider's limits (purpose.py)
    description: str  # a longer text the pay page may show
    return_url: str  # the citizen's browser comes back here (absolute URL)
    notify_url: str  # the provider reports here, server to server (absolute URL)
    language: str = "de"
    currency: str = "EUR"
    items: tuple[OrderItem, ...] = ()


@dataclass(frozen=True)
class Started:
    """The provider accepted the order: send the citizen to ``redirect_url``."""

    provider_reference: str  # the provider's id of this transaction
    redirect_url: str


@dataclass(frozen=True)
class StatusReport:
    """A verified statement of the provider about one payment."""

    request_id: str
    provider_reference: str
    outcome: Outcome
    amount_cents: int | None = None  # what the provider says was paid, when it says so
    method: str = ""  # the method the citizen chose on the pay page (creditcard, paypal, ...)
    detail: str = ""  # the provider's status code or text, for the log
    raw: Mapping[str, str] = field(default_factory=dict)  # the message's fields, for the log


@dataclass(frozen=True)
class Incoming:
    """An HTTP request from the provider or the returning browser, without Django."""

    method: str
    query: Mapping[str, str]
    form: Mapping[str, str]
    headers: Mapping[str, str]  # lower-case names
    body: bytes = b""


class ProviderError(Exception):
    """The provider could not be reached or refused the request; the text goes to the log."""


class InvalidMessage(ProviderError):
    """A notification or return that fails verification (hash, signature, unknown fields)."""


class RefundNotSupported(ProviderError):
    """This provider (or its configuration) offers no refunds through its interface."""


class PaymentProvider(Protocol):
    key: str  # "girocheckout", "xbezahldienste", ... as in the settings
    supports_refund: bool

    def start(self, order: PaymentOrder) -> Started:
        """Register the order with the provider. Raises ProviderError."""
        ...

    def parse_notification(self, incoming: Incoming) -> StatusReport:
        """Verify and read a server-to-server notification. Raises InvalidMessage."""
        ...

    def notification_answer(self, report: StatusReport | None) -> tuple[int, str, bytes]:
        """The HTTP answer the provider expects to a notification: status, content type, body.

        ``None`` when the notification was invalid."""
        ...

    def parse_return(self, incoming: Incoming) -> StatusReport | None:
        """Verify and read the browser's return; None when the return carries no status
        (then Rathaus asks with fetch_status). Raises InvalidMessage."""
        ...

    def fetch_status(self, *, request_id: str, provider_reference: str) -> StatusReport:
        """Ask the provider for the current status. Raises ProviderError."""
        ...

    def refund(self, *, request_id: str, provider_reference: str,
               amount_cents: int) -> StatusReport:
        """Pay back (part of) a paid payment. Raises RefundNotSupported or ProviderError."""
        ...
