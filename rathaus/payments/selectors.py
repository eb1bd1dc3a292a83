"""Reads about payments: what a service offers, a submission's payment, its log."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from rathaus.applications.hooks import PaymentOption
from rathaus.applications.models import Submission
from rathaus.forms.schema import ServiceDef

from .models import DIRECT_DEBIT, TRANSFER, Payment, PaymentAttempt, PaymentEvent, PaymentState
from .providers import registry
from .providers.base import Outcome


def provider_label(key: str) -> str:
    """Return what citizens read for a configured provider, in the active language.

    ``label_en`` (any language code) where given, else ``label``, else the key."""
    options = settings.RATHAUS_PAYMENT_PROVIDERS.get(key, {})
    language = (get_language() or "de")[:2]
    return str(options.get(f"label_{language}") or options.get("label") or key)


def transfer_possible() -> bool:
    """Return whether the payee's account is configured, so that transfers can be made."""
    return bool(settings.RATHAUS_PAYEE.get("iban"))


def method_label(method: str) -> str:
    if method == TRANSFER:
        return _("bank transfer")
    if method == DIRECT_DEBIT:
        return _("SEPA direct debit")
    return provider_label(method) if method else _("not chosen yet")


def offered_methods(spec: ServiceDef) -> list[PaymentOption]:
    """Return the ways to pay this service offers with this configuration, in order."""
    policy = spec.payment
    if policy.policy == "none":
        return []
    options: list[PaymentOption] = []
    for method in policy.methods:
        if method == "online":
            options += [PaymentOption(key, provider_label(key), _(
                "You pay on the payment provider's page and come back here."))
                for key in registry.configured()]
        elif method == "transfer" and transfer_possible():
            options.append(PaymentOption(TRANSFER, _("Bank transfer"), _(
                "You get our account details and the payment reference after submitting.")))
        elif method == "direct_debit":
            options.append(PaymentOption(DIRECT_DEBIT, _("SEPA direct debit"), _(
                "We collect the fee from the account you gave in the form.")))
    return options


def online_methods(spec: ServiceDef) -> list[PaymentOption]:
    return [option for option in offered_methods(spec)
            if option.value not in {TRANSFER, DIRECT_DEBIT}]


def payment_of(submission: Submission) -> Payment | None:
    """Return the submission's payment (the latest, should there be several)."""
    return Payment.objects.filter(submission=submission).order_by("-created_at", "-pk").first()


def events_of(payment: Payment) -> list[PaymentEvent]:
    return list(payment.events.select_related("attempt").order_by("created_at", "pk"))


def attempt_by_request_id(*, request_id: str, provider_key: str) -> PaymentAttempt | None:
    return PaymentAttempt.objects.select_related("payment__submission").filter(
        request_id=request_id, provider=provider_key).first()


# How long after its start the pay page of an attempt is offered as "continue to payment";
# later the status page offers a new start instead (providers let pay pages expire).
PAY_PAGE_MINUTES = 30


def pay_page(payment: Payment) -> PaymentAttempt | None:
    """Return the attempt whose pay page the citizen may still go to, if there is one."""
    if payment.state != PaymentState.OPEN:
        return None
    latest = payment.attempts.order_by("-created_at", "-pk").first()
    if latest is None or latest.outcome != Outcome.PENDING or not latest.redirect_url:
        return None
    if latest.created_at < timezone.now() - timedelta(minutes=PAY_PAGE_MINUTES):
        return None
    return latest
