"""A local XBezahldienste payment platform: token endpoint, payment transactions, pay page.

The token endpoint takes OAuth 2.0 client credentials (in the form or as HTTP Basic) and
answers ``invalid_client`` (401) otherwise. The transaction endpoints answer problems as the
standard does, ``application/problem+json`` with ``functionalCode``: FORBIDDEN (403, no valid
bearer token), NO_VALID_ORIGINATOR_OR_ENDPOINT, PAYMENT_EXISTS (a requestId used before),
CALCULATION_ERROR (items that do not add up to ``grosAmount``) and VALIDATION_ERROR (missing
fields, lengths and character sets of the standard, currency other than EUR), all 400; an
unknown transaction is 404. ``GET status/{originatorId}/{endPointId}`` reports the endpoint.

The standard has no push; ``notify_url`` imitates one a platform may offer (a POST naming the
transaction, no status worth believing), steered like the GiroCheckout peer's notifications.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from . import StartResponse, base_url, form_of, pay_page, read_body, redirect, respond, send

RESULTS = {"pay": "PAYED", "cancel": "CANCELED", "fail": "FAILED"}
METHODS = (("CREDITCARD", "Credit card (simulated)"), ("PAYPAL", "PayPal (simulated)"))
REQUIRED = ("requestId", "requestTimestamp", "currency", "grosAmount", "purpose", "redirectUrl")
# The standard's patterns (Java regular expressions: \w is ASCII there).
ID = re.compile(r"[A-Za-z0-9_-]{1,36}")
PURPOSE = re.compile(r"[A-Za-z0-9_\s-]{1,27}")


def _amount(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


@dataclass
class XBezahldienstePeer:
    client_id: str = "rathaus"
    client_secret: str = "local-secret"  # noqa: S105 (the local peer's default)
    originator_id: str = "rathaus"
    endpoint_id: str = "gebuehren"
    notify_url: str = ""
    notify_times: int = 1
    hold: bool = False
    transactions: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: set[str] = field(default_factory=set)
    pending: list[bytes] = field(default_factory=list)
    delivered: list[tuple[bytes, int]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def release(self, *, reverse: bool = False) -> list[int]:
        """Send the held pushes (reversed: out of order); the receiver's statuses."""
        with self._lock:
            bodies, self.pending = self.pending, []
        return [self._push(body) for body in (reversed(bodies) if reverse else bodies)]

    def _push(self, body: bytes) -> int:
        status = send("POST", self.notify_url, body=body, content_type="application/json")
        with self._lock:
            self.delivered.append((body, status))
        return status

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/oauth/token" and method == "POST":
            return self._token(environ, start_response)
        if path == f"/status/{self.originator_id}/{self.endpoint_id}" and method == "GET":
            return _json(start_response, "200 OK", {"status": 200, "title": "OK"})
        if path.startswith("/paymenttransaction/"):
            return self._transaction(environ, start_response, method,
                                     path.removeprefix("/paymenttransaction/").split("/"))
        if path.startswith("/paypage/"):
            return self._page(environ, start_response, path.removeprefix("/paypage/"))
        return _problem_answer(start_response, 404, "UNSPECIFIED", "not found")

    def _token(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        fields = form_of(environ)
        client_id, secret = fields.get("client_id", ""), fields.get("client_secret", "")
        authorization = environ.get("HTTP_AUTHORIZATION", "")
        if authorization.startswith("Basic "):
            try:
                client_id, _, secret = base64.b64decode(
                    authorization[6:]).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                client_id = secret = ""
        if fields.get("grant_type") != "client_credentials":
            return _json(start_response, "400 Bad Request", {"error": "unsupported_grant_type"})
        if not (secrets.compare_digest(client_id.encode(), self.client_id.encode())
                and secrets.compare_digest(secret.encode(), self.client_secret.encode())):
            return _json(start_response, "401 Unauthorized", {"error": "invalid_client"})
        token = secrets.token_urlsafe(24)
        with self._lock:
            self.tokens.add(token)
        return _json(start_response, "200 OK",
                     {"access_token": token, "token_type": "Bearer", "expires_in": 300})

    def _transaction(self, environ: dict[str, Any], start_response: StartResponse,
                     method: str, parts: list[str]) -> list[bytes]:
        authorization = environ.get("HTTP_AUTHORIZATION", "")
        if not authorization.startswith("Bearer ") or authorization[7:] not in self.tokens:
            return _problem_answer(start_response, 403, "FORBIDDEN", "no valid access token")
        if parts[:2] != [self.originator_id, self.endpoint_id] or len(parts) > 3:
            return _problem_answer(start_response, 400, "NO_VALID_ORIGINATOR_OR_ENDPOINT",
                                   "unknown originatorId or endPointId")
        if method == "GET" and len(parts) == 3:
            transaction = self.transactions.get(parts[2])
            if transaction is None:
                return _problem_answer(start_response, 404, "UNSPECIFIED", "unknown transaction")
            return _json(start_response, "200 OK", transaction)
        if method == "POST" and len(parts) == 2:
            return self._create(environ, start_response)
        return _problem_answer(start_response, 405, "UNSPECIFIED", "method not allowed")

    def _create(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        try:
            request = json.loads(read_body(environ).decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return _problem_answer(start_response, 400, "VALIDATION_ERROR", "body is not JSON")
        code, problem = _problem(request)
        if problem:
            return _problem_answer(start_response, 400, code, problem)
        with self._lock:
            if any(t["paymentRequest"]["requestId"] == request["requestId"]
                   for t in self.transactions.values()):
                return _problem_answer(start_response, 400, "PAYMENT_EXISTS",
                                       "a PaymentRequest with this requestId exists")
            transaction_id = secrets.token_hex(12)
            self.transactions[transaction_id] = transaction = {
                "paymentRequest": request,
                "paymentInformation": {
                    "transactionUrl": f"{base_url(environ)}/paymenttransaction/"
                                      f"{self.originator_id}/{self.endpoint_id}/{transaction_id}",
                    "transactionRedirectUrl": f"{base_url(environ)}/paypage/{transaction_id}",
                    "transactionId": transaction_id, "transactionReference": None,
                    "transactionTimestamp": None, "paymentMethod": None,
                    "paymentMethodDetail": None, "status": "INITIAL", "statusDetail": None}}
        return _json(start_response, "200 OK", transaction)

    def _page(self, environ: dict[str, Any], start_response: StartResponse,
              transaction_id: str) -> list[bytes]:
        transaction = self.transactions.get(transaction_id)
        if transaction is None:
            return respond(start_response, "404 Not Found", b"unknown transaction")
        info, request = transaction["paymentInformation"], transaction["paymentRequest"]
        if info["status"] != "INITIAL":
            return respond(start_response, "410 Gone", b"this payment is completed")
        if environ["REQUEST_METHOD"] != "POST":
            amount = _amount(request["grosAmount"]) or Decimal(0)
            page = pay_page(title="XBezahldienste (local test peer)",
                            action=f"{base_url(environ)}/paypage/{transaction_id}",
                            amount_cents=int(amount * 100), currency=request["currency"],
                            purpose=request["purpose"], methods=METHODS)
            return respond(start_response, "200 OK", page, "text/html; charset=utf-8")
        choice = form_of(environ)
        status = RESULTS.get(choice.get("result", ""))
        if status is None:
            return respond(start_response, "400 Bad Request", b"choose pay, cancel or fail")
        with self._lock:
            info.update(status=status, transactionRedirectUrl=None,
                        transactionTimestamp=datetime.now(UTC).isoformat(timespec="seconds"))
            if status == "PAYED":
                info.update(paymentMethod=choice.get("method") or METHODS[0][0],
                            transactionReference=f"KZ-{transaction_id[:8].upper()}")
            else:
                info["statusDetail"] = "abgebrochen" if status == "CANCELED" else "abgelehnt"
        if self.notify_url:
            body = json.dumps({"transactionId": transaction_id,
                               "requestId": request["requestId"]}).encode()
            if self.hold:
                with self._lock:
                    self.pending.extend([body] * self.notify_times)
            else:
                for _ in range(self.notify_times):
                    self._push(body)
        return redirect(start_response, request["redirectUrl"])


def _problem(request: Any) -> tuple[str, str]:
    """The functional code and text of what is wrong with a PaymentRequest, or ("", "")."""
    invalid = "VALIDATION_ERROR"
    if not isinstance(request, dict):
        return invalid, "PaymentRequest must be an object"
    missing = [name for name in REQUIRED if request.get(name) in (None, "")]
    if missing:
        return invalid, f"missing: {', '.join(missing)}"
    if not ID.fullmatch(str(request["requestId"])):
        return invalid, "requestId: at most 36 letters, digits, - or _"
    if not PURPOSE.fullmatch(str(request["purpose"])):
        return invalid, "purpose: at most 27 letters, digits, spaces, - or _"
    if len(str(request.get("description") or "")) > 250:
        return invalid, "description: at most 250 characters"
    if len(str(request["redirectUrl"])) > 2082:
        return invalid, "redirectUrl: at most 2082 characters"
    if request["currency"] != "EUR":
        return invalid, "currency must be EUR"
    total = _amount(request["grosAmount"])
    if total is None or not 0 < total <= 999999:
        return invalid, "grosAmount must be positive, at most 999999"
    items = request.get("items") or []
    if not 1 <= len(items) <= 99:
        return invalid, "items: 1 to 99 positions"
    for item in items:
        if not (isinstance(item, dict) and ID.fullmatch(str(item.get("id", "")))
                and ID.fullmatch(str(item.get("reference", "")))):
            return invalid, "items: id and reference of at most 36 letters, digits, - or _"
    try:
        summed = sum((Decimal(str(item["totalNetAmount"]))
                      + Decimal(str(item.get("totalTaxAmount") or 0)) for item in items),
                     Decimal(0))
    except (KeyError, TypeError, InvalidOperation):
        return invalid, "items need totalNetAmount"
    if summed != total:
        return "CALCULATION_ERROR", f"items add up to {summed}, grosAmount is {total}"
    return "", ""


def _problem_answer(start_response: StartResponse, status: int, code: str,
                    detail: str) -> list[bytes]:
    titles = {400: "Bad Request", 403: "Forbidden", 404: "Not Found",
              405: "Method Not Allowed"}
    body = {"type": "about:blank", "status": status, "title": titles.get(status, "Error"),
            "detail": detail, "functionalCode": code}
    return respond(start_response, f"{status} {titles.get(status, 'Error')}",
                   json.dumps(body).encode(), "application/problem+json")


def _json(start_response: StartResponse, status: str, data: Any) -> list[bytes]:
    return respond(start_response, status, json.dumps(data).encode(), "application/json")
