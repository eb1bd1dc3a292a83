"""GiroCheckout (GiroSolution) through its Payment Page.

Rathaus initialises a pay page transaction (``paypage/init``), sends the citizen to the page
GiroCheckout answers with, where the citizen chooses one of the methods the project offers
(credit card, PayPal, ...; giropay and paydirekt ended in 2024 and are refused here), and learns
the result from the notification GiroCheckout sends to ``notifyUrl`` and from the signed
parameters of the citizen's return.

Authentication is a hash: HMAC-MD5 with the project password over the values of the sent fields,
concatenated without separators in the order of the interface description (merchantId and
projectId first). Answers carry their own hash, over the raw body, in the HTTP header ``hash``;
notifications and returns carry ``gcHash`` over their ``gc*`` values in the documented order.

Sources: the GiroCheckout API documentation (api.girocheckout.de: general, paypage, tools,
error codes, result codes) and the field lists of GiroSolution's PHP SDK (girocheckout_sdk,
``GiroCheckout_SDK_PaypageTransaction``, ``..._PaypageRefund``, ``..._Tools_GetTransaction``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

from . import http
from .base import (
    Incoming,
    InvalidMessage,
    Outcome,
    PaymentOrder,
    ProviderError,
    Started,
    StatusReport,
)

DEFAULT_BASE_URL = "https://payment.girosolution.de/girocheckout/api/v2"
PURPOSE_LIMIT = 27
PAID = "4000"

# The order of the fields is the order of the hash (paypage initialisation, in part).
INIT_FIELDS = ("merchantId", "projectId", "merchantTxId", "amount", "currency", "purpose",
               "description", "pagetype", "expirydate", "single", "timeout", "type", "locale",
               "paymethods", "test", "successUrl", "backUrl", "failUrl", "notifyUrl",
               "kassenzeichen")
STATUS_FIELDS = ("merchantId", "projectId", "reference")
REFUND_FIELDS = ("merchantId", "projectId", "merchantTxId", "amount", "currency", "purpose",
                 "reference")
# Notification and return of a pay page transaction: (name, mandatory), in hash order.
NOTIFY_FIELDS = (("gcPaymethod", True), ("gcType", True), ("gcProjectId", True),
                 ("gcReference", True), ("gcMerchantTxId", True), ("gcBackendTxId", True),
                 ("gcAmount", True), ("gcCurrency", True), ("gcResultPayment", True),
                 ("gcPkn", False), ("gcCardnumber", False), ("gcCardExpDate", False),
                 ("gcAccountHolder", False), ("gcIban", False))

# The payment method codes of GiroCheckout (gcPaymethod, paymethods).
METHODS = {"6": "directdebit", "7": "directdebit", "8": "directdebit", "11": "creditcard",
           "14": "paypal", "36": "applepay", "37": "direktueberweisung", "39": "googlepay",
           "40": "wero"}
ENDED_METHODS = {"1": "giropay", "17": "giropay", "18": "giropay", "23": "paydirekt"}

# gcResultPayment / resultPayment: not final yet, broken off by the citizen; the rest failed.
UNDECIDED = {"4500", "4152", "4154"}  # result unknown; PayPal post-processing or not completed
BROKEN_OFF = {"4501", "4502"}  # timeout / no input on the pay page; user aborted


def hmac_md5(password: str, values: Sequence[str]) -> str:
    """The GiroCheckout hash: hex HMAC-MD5 of the values joined without separators."""
    return hmac.new(password.encode("utf-8"), "".join(values).encode("utf-8"),
                    hashlib.md5).hexdigest()


def outcome_of(result: str) -> Outcome:
    if result == PAID:
        return Outcome.PAID
    if result in UNDECIDED:
        return Outcome.PENDING
    if result in BROKEN_OFF:
        return Outcome.CANCELLED
    return Outcome.FAILED


@dataclass
class GiroCheckout:
    key: str
    merchant_id: str
    project_id: str
    password: str
    base_url: str = DEFAULT_BASE_URL
    test: bool = False
    paymethods: str = ""  # comma-separated codes; empty: what the project offers
    timeout: float = http.DEFAULT_TIMEOUT
    supports_refund: bool = True

    def __repr__(self) -> str:  # never show the password
        return f"GiroCheckout(key={self.key!r}, merchant_id={self.merchant_id!r}, " \
               f"project_id={self.project_id!r}, base_url={self.base_url!r})"

    # -- calls to GiroCheckout ---------------------------------------------------------------

    def _signed(self, order: Sequence[str], values: Mapping[str, str]) -> dict[str, str]:
        fields = {name: values[name] for name in order if values.get(name, "") != ""}
        fields["hash"] = hmac_md5(self.password, list(fields.values()))
        return fields

    def _call(self, path: str, order: Sequence[str], values: Mapping[str, str]) -> dict[str, str]:
        answer = http.post_form(f"GiroCheckout {self.key}", f"{self.base_url.rstrip('/')}/{path}",
                                self._signed(order, values), timeout=self.timeout)
        data = answer.json(f"GiroCheckout {self.key}")
        rc = str(data.get("rc", ""))
        if rc != "0":
            raise ProviderError(f"GiroCheckout {self.key}: {path} refused, rc={rc or '?'} "
                                f"({data.get('msg', '')}), HTTP {answer.status}")
        expected = hmac_md5(self.password, [answer.body.decode("utf-8")])
        if not _same(answer.headers.get("hash", ""), expected):
            raise ProviderError(f"GiroCheckout {self.key}: {path} answer without a valid hash")
        return {name: "" if value is None else str(value) for name, value in data.items()}

    def start(self, order: PaymentOrder) -> Started:
        if len(order.purpose) > PURPOSE_LIMIT:
            raise ProviderError(f"GiroCheckout {self.key}: purpose longer than {PURPOSE_LIMIT}")
        data = self._call("paypage/init", INIT_FIELDS, {
            "merchantId": self.merchant_id, "projectId": self.project_id,
            "merchantTxId": order.request_id, "amount": str(order.amount_cents),
            "currency": order.currency, "purpose": order.purpose,
            "description": order.description, "pagetype": "1",  # a payment, not a donation
            "single": "2",  # the page takes one successful payment, then closes
            "type": "SALE", "locale": "en" if order.language == "en" else "de",
            "paymethods": self.paymethods, "test": "1" if self.test else "0",
            "successUrl": order.return_url, "backUrl": order.return_url,
            "failUrl": order.return_url, "notifyUrl": order.notify_url,
            "kassenzeichen": order.kassenzeichen,
        })
        if not data.get("reference") or not data.get("url"):
            raise ProviderError(f"GiroCheckout {self.key}: paypage/init answer lacks reference/url")
        return Started(provider_reference=data["reference"], redirect_url=data["url"])

    def fetch_status(self, *, request_id: str, provider_reference: str) -> StatusReport:
        data = self._call("transaction/status", STATUS_FIELDS, {
            "merchantId": self.merchant_id, "projectId": self.project_id,
            "reference": provider_reference})
        if data.get("merchantTxId", request_id) != request_id:
            raise ProviderError(f"GiroCheckout {self.key}: status of {provider_reference} "
                                "belongs to another request")
        result = data.get("resultPayment", "")
        return StatusReport(
            request_id=request_id, provider_reference=data.get("reference", provider_reference),
            outcome=outcome_of(result) if result else Outcome.PENDING,
            amount_cents=_cents(data.get("amount", "")),
            method=METHODS.get(data.get("paymethod", ""), ""), detail=result, raw=data)

    def refund(self, *, request_id: str, provider_reference: str,
               amount_cents: int) -> StatusReport:
        # A refund is a transaction of its own, with a merchantTxId of its own.
        refund_id = f"{request_id}-R{secrets.token_hex(4)}"
        data = self._call("transaction/refund", REFUND_FIELDS, {
            "merchantId": self.merchant_id, "projectId": self.project_id,
            "merchantTxId": refund_id, "amount": str(amount_cents), "currency": "EUR",
            "reference": provider_reference})
        result = data.get("resultPayment", "")
        if result != PAID:
            raise ProviderError(f"GiroCheckout {self.key}: refund of {provider_reference} "
                                f"not executed, resultPayment={result or '?'}")
        return StatusReport(request_id=request_id, provider_reference=provider_reference,
                            outcome=Outcome.REFUNDED, amount_cents=_cents(data.get("amount", "")),
                            detail=f"refund {refund_id} {data.get('reference', '')}", raw=data)

    # -- messages from GiroCheckout ----------------------------------------------------------

    def _verified(self, incoming: Incoming) -> StatusReport:
        params = {**incoming.form, **incoming.query}
        values: list[str] = []
        for name, mandatory in NOTIFY_FIELDS:
            if name in params:
                values.append(params[name])
            elif mandatory:
                raise InvalidMessage(f"GiroCheckout {self.key}: {name} missing")
        given = params.get("gcHash", "")
        if not given:
            raise InvalidMessage(f"GiroCheckout {self.key}: gcHash missing")
        if not _same(given.lower(), hmac_md5(self.password, values)):
            raise InvalidMessage(f"GiroCheckout {self.key}: gcHash does not match "
                                 f"(reference {params['gcReference']!r})")
        if params["gcProjectId"] != self.project_id:
            raise InvalidMessage(f"GiroCheckout {self.key}: message for project "
                                 f"{params['gcProjectId']!r}")
        result = params["gcResultPayment"]
        return StatusReport(
            request_id=params["gcMerchantTxId"], provider_reference=params["gcReference"],
            outcome=outcome_of(result), amount_cents=_cents(params["gcAmount"]),
            method=METHODS.get(params["gcPaymethod"], params["gcPaymethod"]), detail=result,
            raw={name: params[name] for name, _ in NOTIFY_FIELDS if name in params})

    def parse_notification(self, incoming: Incoming) -> StatusReport:
        return self._verified(incoming)

    def notification_answer(self, report: StatusReport | None) -> tuple[int, str, bytes]:
        # 200 takes the notification; 400 refuses it for good; anything else is retried.
        if report is None:
            return 400, "text/plain; charset=utf-8", b"invalid notification"
        return 200, "text/plain; charset=utf-8", b"OK"

    def parse_return(self, incoming: Incoming) -> StatusReport | None:
        params = {**incoming.form, **incoming.query}
        if "gcHash" not in params:
            return None
        return self._verified(incoming)


def _same(given: str, expected: str) -> bool:
    # bytes: compare_digest refuses str with non-ASCII characters, which anyone can send
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def _cents(value: str) -> int | None:
    return int(value) if value.isdigit() else None


def build(key: str, options: Mapping[str, str]) -> GiroCheckout:
    missing = [name for name in ("merchant_id", "project_id", "password") if not options.get(name)]
    if missing:
        raise ImproperlyConfigured(
            f"RATHAUS_PAYMENT_PROVIDERS[{key!r}]: {', '.join(missing)} missing")
    paymethods = str(options.get("paymethods", "")).replace(" ", "")
    ended = [ENDED_METHODS[code] for code in paymethods.split(",") if code in ENDED_METHODS]
    if ended:
        raise ImproperlyConfigured(f"RATHAUS_PAYMENT_PROVIDERS[{key!r}]: "
                                   f"{', '.join(sorted(set(ended)))} ended in 2024")
    return GiroCheckout(
        key=key, merchant_id=str(options["merchant_id"]), project_id=str(options["project_id"]),
        password=str(options["password"]),
        base_url=str(options.get("base_url") or DEFAULT_BASE_URL),
        test=str(options.get("test", "")).lower() in {"1", "true", "yes"},
        paymethods=paymethods, timeout=float(options.get("timeout") or http.DEFAULT_TIMEOUT))
