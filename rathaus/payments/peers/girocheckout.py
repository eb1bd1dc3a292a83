"""A local GiroCheckout: the pay page API, status and refund, and a test pay page.

It checks merchant, project and hash like the platform (rc 5000 for an unknown project, 5002
for a wrong hash, 5003 for a missing mandatory field, 5023/5030/5033 for an invalid purpose,
amount or currency, 5034 for an unknown transaction), signs every successful answer with the
``hash`` header and every notification and return with ``gcHash``. Notifications go to
``notifyUrl`` as GET requests, as GiroCheckout sends them.

Tests steer the notifications: ``notify_times`` (0 = none, 2 = twice), ``hold`` (keep them
until :meth:`GiroCheckoutPeer.release`, in order or reversed: late or out of order). A
notification the receiver answers with anything but 200 or 400 goes back to ``pending``, to be
repeated as the platform does.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from . import StartResponse, base_url, form_of, pay_page, redirect, respond, send

PREFIX = "/girocheckout"
API = f"{PREFIX}/api/v2"

# Hash order of the pay page initialisation as documented (fields Rathaus may send).
INIT_ORDER = ("merchantId", "projectId", "merchantTxId", "amount", "currency", "purpose",
              "description", "pagetype", "expirydate", "single", "timeout", "type", "locale",
              "paymethods", "payprojects", "organization", "freeamount", "fixedvalues",
              "minamount", "maxamount", "orderid", "projectlist", "pkn", "test", "certdata",
              "otherpayments", "successUrl", "backUrl", "failUrl", "notifyUrl",
              "informationText", "kassenzeichen")
INIT_MANDATORY = ("merchantId", "projectId", "merchantTxId", "amount", "currency", "purpose")
STATUS_ORDER = ("merchantId", "projectId", "reference", "txreference")
REFUND_ORDER = ("merchantId", "projectId", "merchantTxId", "amount", "currency", "purpose",
                "reference", "txreference", "kassenzeichen")
REFUND_MANDATORY = ("merchantId", "projectId", "merchantTxId", "amount", "currency", "reference")

MESSAGES = {0: "", 5000: "authentication failed", 5002: "invalid hash",
            5003: "mandatory field not specified", 5004: "invalid call",
            5023: "invalid purpose", 5030: "invalid amount", 5033: "invalid currency",
            5034: "transaction does not exist", 5055: "invalid urlRedirect",
            5056: "invalid urlNotify"}
RESULTS = {"pay": "4000", "cancel": "4502", "fail": "4900"}
METHODS = (("11", "Credit card (simulated)"), ("14", "PayPal (simulated)"))


def _hash(password: str, values: Iterable[str]) -> str:
    return hmac.new(password.encode(), "".join(values).encode(), hashlib.md5).hexdigest()


@dataclass
class Transaction:
    reference: str
    fields: dict[str, str]
    result: str = ""
    paymethod: str = ""
    backend_tx_id: str = ""
    refunded_cents: int = 0


@dataclass
class GiroCheckoutPeer:
    merchant_id: str = "1234567"
    project_id: str = "1234"
    password: str = "secure"  # noqa: S105 (the documentation's example password)
    notify_times: int = 1
    hold: bool = False
    transactions: dict[str, Transaction] = field(default_factory=dict)
    pending: list[str] = field(default_factory=list)  # notification URLs not yet sent
    delivered: list[tuple[str, int]] = field(default_factory=list)  # (URL, receiver's status)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)  # API calls seen
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # -- test controls -----------------------------------------------------------------------

    def release(self, *, reverse: bool = False) -> list[int]:
        """Send the held notifications (reversed: out of order); the receiver's statuses."""
        with self._lock:
            urls, self.pending = self.pending, []
        return [self._deliver(url) for url in (reversed(urls) if reverse else urls)]

    def _deliver(self, url: str) -> int:
        status = send("GET", url)
        with self._lock:
            self.delivered.append((url, status))
            if status not in (200, 400):  # GiroCheckout repeats until it gets 200 or 400
                self.pending.append(url)
        return status

    # -- WSGI --------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if method == "POST" and path == f"{API}/paypage/init":
            return self._api(start_response, environ, self._init)
        if method == "POST" and path == f"{API}/transaction/status":
            return self._api(start_response, environ, self._status)
        if method == "POST" and path == f"{API}/transaction/refund":
            return self._api(start_response, environ, self._refund)
        if path.startswith(f"{PREFIX}/paypage/"):
            return self._page(environ, start_response, path.rsplit("/", 1)[-1])
        return respond(start_response, "404 Not Found", b"not found")

    def _api(self, start_response: StartResponse, environ: dict[str, Any],
             handler: Any) -> list[bytes]:
        fields = form_of(environ)
        self.requests.append((environ["PATH_INFO"], fields))
        answer: dict[str, Any] = handler(fields, environ)
        rc = int(answer["rc"])
        answer = {"rc": rc, "msg": MESSAGES.get(rc, ""), **answer}
        body = json.dumps(answer).encode()
        if rc != 0:  # GiroCheckout signs what it accepted; refusals come unsigned
            return respond(start_response, "400 Bad Request", body, "application/json")
        return respond(start_response, "200 OK", body, "application/json",
                       headers=[("hash", _hash(self.password, [body.decode()]))])

    def _check(self, fields: dict[str, str], order: Iterable[str],
               mandatory: Iterable[str]) -> int:
        if any(not fields.get(name) for name in mandatory) or not fields.get("hash"):
            return 5003
        if fields["merchantId"] != self.merchant_id or fields["projectId"] != self.project_id:
            return 5000
        values = [fields[name] for name in order if fields.get(name, "") != ""]
        if not hmac.compare_digest(fields["hash"].encode(), _hash(self.password, values).encode()):
            return 5002
        return 0

    def _init(self, fields: dict[str, str], environ: dict[str, Any]) -> dict[str, Any]:
        rc = self._check(fields, INIT_ORDER, INIT_MANDATORY)
        if rc:
            return {"rc": rc, "reference": None, "url": None}
        if not fields["amount"].isdigit() or int(fields["amount"]) <= 0:
            return {"rc": 5030, "reference": None, "url": None}
        if fields["currency"] != "EUR":
            return {"rc": 5033, "reference": None, "url": None}
        if len(fields["purpose"]) > 27:
            return {"rc": 5023, "reference": None, "url": None}
        reference = secrets.token_hex(16)
        with self._lock:
            self.transactions[reference] = Transaction(reference, fields)
        return {"rc": 0, "reference": reference,
                "url": f"{base_url(environ)}{PREFIX}/paypage/{reference}"}

    def _status(self, fields: dict[str, str], environ: dict[str, Any]) -> dict[str, Any]:
        rc = self._check(fields, STATUS_ORDER, ("merchantId", "projectId", "reference"))
        if rc:
            return {"rc": rc}
        tx = self.transactions.get(fields["reference"])
        if tx is None:
            return {"rc": 5034}
        answer = {"rc": 0, "reference": tx.reference, "merchantTxId": tx.fields["merchantTxId"],
                  "backendTxId": tx.backend_tx_id, "amount": int(tx.fields["amount"]),
                  "currency": tx.fields["currency"]}
        if tx.result:
            answer["resultPayment"] = int(tx.result)
        return answer

    def _refund(self, fields: dict[str, str], environ: dict[str, Any]) -> dict[str, Any]:
        rc = self._check(fields, REFUND_ORDER, REFUND_MANDATORY)
        if rc:
            return {"rc": rc}
        with self._lock:
            tx = self.transactions.get(fields["reference"])
            if tx is None:
                return {"rc": 5034}
            if tx.result != "4000":
                return {"rc": 5004}
            amount = int(fields["amount"]) if fields["amount"].isdigit() else 0
            if amount <= 0 or amount > int(tx.fields["amount"]) - tx.refunded_cents:
                return {"rc": 5030}
            tx.refunded_cents += amount
        return {"rc": 0, "reference": secrets.token_hex(16), "referenceParent": tx.reference,
                "merchantTxId": fields["merchantTxId"], "backendTxId": secrets.token_hex(6),
                "amount": amount, "currency": fields["currency"], "resultPayment": 4000}

    # -- the pay page ------------------------------------------------------------------------

    def _page(self, environ: dict[str, Any], start_response: StartResponse,
              reference: str) -> list[bytes]:
        tx = self.transactions.get(reference)
        if tx is None:
            return respond(start_response, "404 Not Found", b"unknown transaction")
        if tx.result:
            return respond(start_response, "410 Gone", b"this payment page is completed")
        if environ["REQUEST_METHOD"] != "POST":
            page = pay_page(title="GiroCheckout (local test peer)",
                            action=f"{base_url(environ)}{PREFIX}/paypage/{reference}",
                            amount_cents=int(tx.fields["amount"]),
                            currency=tx.fields["currency"], purpose=tx.fields["purpose"],
                            methods=METHODS)
            return respond(start_response, "200 OK", page, "text/html; charset=utf-8")
        choice = form_of(environ)
        result = RESULTS.get(choice.get("result", ""))
        if result is None:
            return respond(start_response, "400 Bad Request", b"choose pay, cancel or fail")
        with self._lock:
            tx.result = result
            tx.paymethod = choice.get("method") or METHODS[0][0]
            tx.backend_tx_id = secrets.token_hex(6)
        query = urllib.parse.urlencode(self.signed_result(tx))
        notify = tx.fields.get("notifyUrl")
        if notify:
            urls = [_join(notify, query)] * self.notify_times
            if self.hold:
                with self._lock:
                    self.pending.extend(urls)
            else:
                for url in urls:
                    self._deliver(url)
        back = {"4000": "successUrl", "4502": "backUrl"}.get(result, "failUrl")
        target = tx.fields.get(back) or tx.fields.get("failUrl") or tx.fields.get("successUrl")
        if not target:
            return respond(start_response, "200 OK", b"payment completed")
        return redirect(start_response, _join(target, query))

    def signed_result(self, tx: Transaction) -> dict[str, str]:
        """The gc* parameters of notification and return, with gcHash, in documented order."""
        params = {"gcPaymethod": tx.paymethod, "gcType": tx.fields.get("type") or "SALE",
                  "gcProjectId": self.project_id, "gcReference": tx.reference,
                  "gcMerchantTxId": tx.fields["merchantTxId"], "gcBackendTxId": tx.backend_tx_id,
                  "gcAmount": tx.fields["amount"], "gcCurrency": tx.fields["currency"],
                  "gcResultPayment": tx.result}
        params["gcHash"] = _hash(self.password, params.values())
        return params


def _join(url: str, query: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{query}"
