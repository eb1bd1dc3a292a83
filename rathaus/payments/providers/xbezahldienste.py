"""XBezahldienste: the standard REST interface between an online service and a payment platform.

Rathaus authenticates with OAuth 2.0 client credentials at the platform's token endpoint, posts
a PaymentRequest to ``paymenttransaction/{originatorId}/{endpointId}`` and sends the citizen to
the ``transactionRedirectUrl`` of the PaymentInformation it gets back. The citizen returns to
the ``redirectUrl`` without any status in the URL: the standard has the online service ask for
the status (``GET paymenttransaction/{originatorId}/{endpointId}/{transactionId}``). A push
from the platform, where one is configured, is no signed message either; Rathaus takes it only
as a reason to ask. So every StatusReport comes from an authenticated answer of the platform.

Statuses: INITIAL (open), PAYED, FAILED, CANCELED. The standard defines no refund.

Sources: the XBezahldienste data model as implemented by aivot-digital/gover (PaymentRequest,
PaymentInformation, PaymentItem, the status and payment method lists, the paths and the token
request used for pmPayment, ePayBL and epay21 platforms) and the published overview of the
standard (digitale-verwaltung.de, EFAST configuration docs); RFC 6749 §4.4 for the token.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from . import http
from .base import (
    Incoming,
    InvalidMessage,
    Outcome,
    PaymentOrder,
    ProviderError,
    RefundNotSupported,
    Started,
    StatusReport,
)

# The standard's limits (its patterns are Java regular expressions: \w is ASCII there).
REQUEST_ID = re.compile(r"[A-Za-z0-9_-]{1,36}")
PURPOSE = re.compile(r"[A-Za-z0-9_\s-]{1,27}")
DESCRIPTION_LIMIT = 250
_NOT_IN_DESCRIPTION = re.compile(r"[^\w\s,.\u00C0-\u017F-]", re.ASCII)

OUTCOMES = {"INITIAL": Outcome.PENDING, "PAYED": Outcome.PAID, "FAILED": Outcome.FAILED,
            "CANCELED": Outcome.CANCELLED}


def euros(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def cents_of(value: Any) -> int | None:
    try:
        amount = Decimal(str(value)) * 100
    except (InvalidOperation, ValueError):
        return None
    return int(amount) if amount == amount.to_integral_value() else None


def display_text(text: str) -> str:
    """``text`` in the character set and length the standard allows for descriptions."""
    return " ".join(_NOT_IN_DESCRIPTION.sub(" ", text).split())[:DESCRIPTION_LIMIT]


def _reference(text: str, index: int) -> str:
    # The item reference allows [A-Za-z0-9_-]; the exact booking references (Kassenzeichen,
    # Haushaltsstelle with their dots) travel unchanged in bookingData.
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")[:36]
    return cleaned or f"position-{index}"


def payment_request(order: PaymentOrder) -> dict[str, Any]:
    """The PaymentRequest of the standard for ``order`` (fees carry no VAT).

    Raises ProviderError when requestId or purpose break the standard's limits: they are
    references the cash office books by, so they are refused rather than changed."""
    if not REQUEST_ID.fullmatch(order.request_id):
        raise ProviderError("XBezahldienste: requestId must be at most 36 letters, digits, "
                            f"- or _ ({order.request_id!r})")
    if not PURPOSE.fullmatch(order.purpose):
        raise ProviderError("XBezahldienste: purpose must be at most 27 letters, digits, "
                            f"spaces, - or _ ({order.purpose!r})")
    items = order.items or ()
    positions = [
        {"id": str(index), "reference": _reference(item.booking_reference, index),
         "description": display_text(item.text), "quantity": item.quantity,
         "taxRate": Decimal("0.00"),
         "singleNetAmount": euros(item.amount_cents), "singleTaxAmount": Decimal("0.00"),
         "totalNetAmount": euros(item.amount_cents * item.quantity),
         "totalTaxAmount": Decimal("0.00"),
         "bookingData": {"kassenzeichen": order.kassenzeichen,
                         **({"haushaltsstelle": item.booking_reference}
                            if item.booking_reference else {})}}
        for index, item in enumerate(items, start=1)]
    if not positions:
        positions = [{"id": "1", "reference": _reference("", 1),
                      "description": display_text(order.description or order.purpose),
                      "quantity": 1,
                      "taxRate": Decimal("0.00"), "singleNetAmount": euros(order.amount_cents),
                      "singleTaxAmount": Decimal("0.00"),
                      "totalNetAmount": euros(order.amount_cents),
                      "totalTaxAmount": Decimal("0.00"),
                      "bookingData": {"kassenzeichen": order.kassenzeichen}}]
    return {"requestId": order.request_id,
            "requestTimestamp": datetime.now(UTC).isoformat(timespec="seconds"),
            "currency": order.currency, "grosAmount": euros(order.amount_cents),
            "purpose": order.purpose, "description": display_text(order.description),
            "redirectUrl": order.return_url, "items": positions}


def _encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)  # two decimals: the float's shortest form is the decimal itself
    raise TypeError(type(value).__name__)


@dataclass
class XBezahldienste:
    key: str
    base_url: str
    token_url: str
    client_id: str
    client_secret: str
    originator_id: str
    endpoint_id: str
    timeout: float = http.DEFAULT_TIMEOUT
    supports_refund: bool = False

    def __repr__(self) -> str:  # never show the secret
        return f"XBezahldienste(key={self.key!r}, base_url={self.base_url!r}, " \
               f"originator_id={self.originator_id!r}, endpoint_id={self.endpoint_id!r})"

    @property
    def _name(self) -> str:
        return f"XBezahldienste {self.key}"

    def _token(self) -> str:
        answer = http.post_form(self._name, self.token_url, {
            "grant_type": "client_credentials", "client_id": self.client_id,
            "client_secret": self.client_secret}, timeout=self.timeout)
        if answer.status != 200:
            raise ProviderError(f"{self._name}: token refused, HTTP {answer.status} "
                                f"{_error_text(answer)}")
        token = answer.json(self._name).get("access_token")
        if not isinstance(token, str) or not token:
            raise ProviderError(f"{self._name}: token answer without access_token")
        return token

    def _transactions(self, *tail: str) -> str:
        parts = [self.originator_id, self.endpoint_id, *tail]
        return f"{self.base_url.rstrip('/')}/paymenttransaction/" + "/".join(
            urllib.parse.quote(part, safe="") for part in parts)

    def _api(self, method: str, url: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self._token()}", "Accept": "application/json"}
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body, default=_encode).encode("utf-8")
        answer = http.call(self._name, method, url, body=data, headers=headers,
                           timeout=self.timeout)
        if answer.status not in (200, 201):
            raise ProviderError(f"{self._name}: {method} paymenttransaction refused, "
                                f"HTTP {answer.status} {_error_text(answer)}")
        return answer.json(self._name)

    def start(self, order: PaymentOrder) -> Started:
        transaction = self._api("POST", self._transactions(), payment_request(order))
        info = transaction.get("paymentInformation") or {}
        transaction_id = str(info.get("transactionId") or "")
        redirect = str(info.get("transactionRedirectUrl") or "")
        if not transaction_id or not redirect:
            raise ProviderError(f"{self._name}: answer lacks transactionId or "
                                "transactionRedirectUrl")
        if info.get("status") not in (None, "INITIAL"):
            raise ProviderError(f"{self._name}: new transaction in status {info.get('status')}")
        return Started(provider_reference=transaction_id, redirect_url=redirect)

    def fetch_status(self, *, request_id: str, provider_reference: str) -> StatusReport:
        # transactionId is the platform's key; one that keeps none answers with the requestId
        transaction = self._api("GET", self._transactions(provider_reference or request_id))
        return self._report(transaction, request_id=request_id)

    def _report(self, transaction: dict[str, Any], *, request_id: str) -> StatusReport:
        info = transaction.get("paymentInformation") or {}
        request = transaction.get("paymentRequest") or {}
        status = str(info.get("status") or "")
        if status not in OUTCOMES:
            raise ProviderError(f"{self._name}: unknown status {status!r}")
        if request.get("requestId", request_id) != request_id:
            raise ProviderError(f"{self._name}: the transaction belongs to another request")
        outcome = OUTCOMES[status]
        return StatusReport(
            request_id=request_id, provider_reference=str(info.get("transactionId") or ""),
            outcome=outcome,
            amount_cents=cents_of(request.get("grosAmount")) if outcome is Outcome.PAID else None,
            method=str(info.get("paymentMethod") or "").lower(),
            detail=" ".join(filter(None, [status, str(info.get("statusDetail") or "")])),
            raw={name: str(value) for name, value in info.items() if value is not None})

    def refund(self, *, request_id: str, provider_reference: str,
               amount_cents: int) -> StatusReport:
        raise RefundNotSupported(f"{self._name}: XBezahldienste defines no refund; the cash "
                                 "office refunds through the payment platform")

    def parse_notification(self, incoming: Incoming) -> StatusReport:
        named = {**_json_fields(incoming.body), **incoming.form, **incoming.query}
        transaction_id = named.get("transactionId", "")
        request_id = named.get("requestId", "")
        if not transaction_id and not request_id:
            raise InvalidMessage(f"{self._name}: notification names no transaction")
        transaction = self._api("GET", self._transactions(transaction_id or request_id))
        known = (transaction.get("paymentRequest") or {}).get("requestId") or request_id
        if not known:
            raise InvalidMessage(f"{self._name}: the platform names no requestId")
        return self._report(transaction, request_id=str(known))

    def notification_answer(self, report: StatusReport | None) -> tuple[int, str, bytes]:
        if report is None:
            return 400, "application/json", b'{"error": "invalid notification"}'
        return 200, "application/json", b'{"result": "ok"}'

    def parse_return(self, incoming: Incoming) -> StatusReport | None:
        return None  # the return carries no status in XBezahldienste: ask with fetch_status


def _json_fields(body: bytes) -> dict[str, str]:
    try:
        data = json.loads(body.decode("utf-8")) if body else {}
    except (UnicodeDecodeError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    info = data.get("paymentInformation")
    request = data.get("paymentRequest")
    flat = {**(request if isinstance(request, dict) else {}),
            **(info if isinstance(info, dict) else {}), **data}
    return {name: str(flat[name]) for name in ("transactionId", "requestId")
            if isinstance(flat.get(name), (str, int))}


def _error_text(answer: http.Answer) -> str:
    """The problem the platform names (``functionalCode``: ``detail``), else the body's start."""
    try:
        problem = json.loads(answer.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        problem = None
    if isinstance(problem, dict) and ("functionalCode" in problem or "error" in problem):
        code = problem.get("functionalCode") or problem.get("error")
        detail = problem.get("detail") or problem.get("error_description") or ""
        return f"{code}: {detail}" if detail else str(code)
    return answer.body.decode("utf-8", "replace").strip().replace("\n", " ")[:200]


def build(key: str, options: Mapping[str, str]) -> XBezahldienste:
    needed = ("base_url", "token_url", "client_id", "client_secret", "originator_id",
              "endpoint_id")
    missing = [name for name in needed if not options.get(name)]
    if missing:
        raise ImproperlyConfigured(
            f"RATHAUS_PAYMENT_PROVIDERS[{key!r}]: {', '.join(missing)} missing")
    return XBezahldienste(
        key=key, base_url=str(options["base_url"]), token_url=str(options["token_url"]),
        client_id=str(options["client_id"]), client_secret=str(options["client_secret"]),
        originator_id=str(options["originator_id"]), endpoint_id=str(options["endpoint_id"]),
        timeout=float(options.get("timeout") or http.DEFAULT_TIMEOUT))
