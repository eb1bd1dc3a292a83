"""What the application process shows and does about paying (its hooks, provided at start).

The check page offers the ways to pay (``payment_methods``); the submit opens the payment in
its transaction (``open_payment``) and sends the browser to the provider's pay page
(``after_submit``); the confirmation, the status page, the e-mail and the receipt say what is
paid and how to pay the rest (``payment_sections``).
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from rathaus.applications import links
from rathaus.applications.hooks import PaymentOption
from rathaus.applications.models import Submission
from rathaus.core.templatetags.rathaus import euro
from rathaus.forms.schema import ServiceDef
from rathaus.notices.render import PaymentRequest

from . import giro_code, selectors, services
from .models import DIRECT_DEBIT, TRANSFER, Payment, PaymentState

log = logging.getLogger(__name__)


def payment_methods(*, spec: ServiceDef, fee_total: Decimal) -> list[PaymentOption]:
    if services.to_cents(fee_total) <= 0 or not spec.payment.at_submit:
        return []  # with the notice, the notice's payment request carries the ways to pay
    options = selectors.offered_methods(spec)
    if options and spec.payment.policy == "optional":
        options.append(PaymentOption("later", _("Pay later"), _(
            "You can pay from the status page of your application.")))
    return options


def open_payment_for_submission(*, submission: Submission, method: str) -> object:
    return services.open_payment(submission=submission, method=method)


def provider_urls(provider_key: str, request_id: str) -> tuple[str, str]:
    """Return the absolute return and notification URLs of an attempt."""
    return (
        links.absolute(reverse("payments:return", kwargs={"provider": provider_key,
                                                          "request_id": request_id})),
        links.absolute(reverse("payment_notify:notify", kwargs={"provider": provider_key})),
    )


def start_or_say_why(request: HttpRequest, payment: Payment, provider_key: str) -> str | None:
    """Start an online payment; on failure tell the citizen (messages) and return None."""
    try:
        return services.start_online_payment(payment_id=payment.pk, provider_key=provider_key,
                                             urls=provider_urls)
    except services.NotPayable:
        messages.success(request, _("This fee is paid already."))
    except services.MethodNotOffered:
        messages.error(request, _("This way to pay is not offered. Choose another."))
    except services.PaymentNotStarted:
        messages.error(request, _(
            "The payment could not be started. Your application is stored; please try again "
            "in a few minutes or choose another way to pay."))
    return None


def after_submit(request: HttpRequest, *, submission: Submission) -> str | None:
    """Start the online payment the citizen chose; the confirmation then links to its page.

    Not a redirect to the pay page: the portal's CSP (``form-action 'self'``) makes the
    browser refuse a form submission that is redirected to another site, so the citizen
    follows a link instead, and has their reference before leaving.
    """
    payment = selectors.payment_of(submission)
    if payment is not None and payment.method not in {"", TRANSFER, DIRECT_DEBIT}:
        start_or_say_why(request, payment, payment.method)
    return None


@dataclass(frozen=True)
class TransferCode:
    """The GiroCode of a transfer: its payload, its accessible name and its pictures."""

    payload: str
    title: str

    @property
    def svg(self) -> str:
        return giro_code.svg(self.payload, title=self.title)

    @property
    def png_data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(
            giro_code.png(self.payload)).decode("ascii")


def transfer_code(payment: Payment) -> TransferCode | None:
    """Return the GiroCode to the payee for the payment's amount and Kassenzeichen, or None.

    None without the payee's account, and when the details do not fit a GiroCode (logged:
    the transfer details are shown in words all the same)."""
    payee = settings.RATHAUS_PAYEE
    if not payee.get("iban"):
        return None
    rest = payment.purpose.removeprefix(payment.kassenzeichen).strip()
    try:
        payload = giro_code.epc_payload(
            name=payee["name"], iban=payee["iban"], bic=payee.get("bic", ""),
            amount_cents=payment.amount_cents, reference=payment.kassenzeichen, text=rest)
    except giro_code.GiroCodeError as error:
        log.warning("no GiroCode for %s: %s", payment.kassenzeichen, error)
        return None
    title = _("GiroCode: transfer of %(amount)s to %(payee)s, IBAN %(iban)s, purpose "
              "%(kassenzeichen)s") % {"amount": euro(payment.amount),
                                      "payee": payee["name"], "iban": payee["iban"],
                                      "kassenzeichen": payment.kassenzeichen}
    return TransferCode(payload=payload, title=title)


def notice_payment_request(*, submission: Submission,
                           amount_cents: int) -> PaymentRequest | None:
    """Open the payment of a notice's fee; what the notice says about paying it."""
    payment = services.open_notice_payment(submission=submission, amount_cents=amount_cents)
    if payment is None:
        return None
    payee = settings.RATHAUS_PAYEE
    by_debit = payment.method == DIRECT_DEBIT
    with translation.override(submission.language[:2]):
        code = None if by_debit else transfer_code(payment)
    return PaymentRequest(
        kassenzeichen=payment.kassenzeichen, amount_cents=payment.amount_cents,
        payee_name=payee["name"], iban="" if by_debit else payee["iban"],
        bic="" if by_debit else payee.get("bic", ""),
        pay_url=links.status_url(submission) if selectors.online_methods(
            submission.service_version.spec) else "",
        code_png=code.png_data_uri if code is not None else "",
        code_title=code.title if code is not None else "", direct_debit=by_debit)


def transfer_code_svg(payment: Payment) -> str | None:
    """Return the EPC QR code (GiroCode) for a bank transfer as SVG, or None."""
    code = transfer_code(payment)
    return code.svg if code is not None else None


def payment_sections(request: HttpRequest | None, *, submission: Submission, token: str,
                     place: str) -> list[str]:
    payment = selectors.payment_of(submission)
    if payment is None:
        return []
    spec = submission.service_version.spec
    code = (transfer_code(payment) if payment.method == TRANSFER
            and payment.state not in {PaymentState.PAID, PaymentState.REFUNDED} else None)
    context = {
        "payment": payment,
        "place": place,
        "token": token,
        "paid": payment.state == PaymentState.PAID,
        "refunded": payment.state == PaymentState.REFUNDED,
        "failed": payment.state in {PaymentState.FAILED, PaymentState.CANCELLED},
        "by_transfer": payment.method == TRANSFER,
        "with_notice": spec.payment.policy == "with_notice",
        "by_debit": payment.method == DIRECT_DEBIT,
        "method_label": selectors.method_label(payment.method),
        "online": selectors.online_methods(spec),
        # The other offline ways (the one chosen is described above the form).
        "offline": [option for option in selectors.offered_methods(spec)
                    if option.value in {TRANSFER, DIRECT_DEBIT}
                    and option.value != payment.method],
        "payee": settings.RATHAUS_PAYEE,
        "transfer_code": code.svg if code is not None and place != "receipt" else None,
        "transfer_code_png": code.png_data_uri if code is not None and place == "receipt"
        else None,
        "transfer_code_title": code.title if code is not None else "",
        "pay_page": selectors.pay_page(payment) if place in {"status", "confirmation"} else None,
        "provider_label": selectors.provider_label(payment.method),
    }
    if place == "email":
        return [render_to_string("payments/email_section.txt", context)]
    return [render_to_string("payments/section.html", context, request=request)]
