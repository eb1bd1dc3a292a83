"""Reads about payments: what a service offers, a submission's payment, its log."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
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


# -- The cash office -------------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentFilters:
    """What the cash office's payment list is narrowed to."""

    states: tuple[str, ...] = ()
    methods: tuple[str, ...] = ()
    service_id: int | None = None
    day: str = "created"  # "created" or "paid": which day the date range is about
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""


def _local_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def cash_office_payments(filters: PaymentFilters, *, with_state: bool = True
                         ) -> QuerySet[Payment]:
    """The payments under ``filters``, newest first by the chosen day; without the state
    filter when ``with_state`` is false (for the counts per state)."""
    found = Payment.objects.all()
    if with_state and filters.states:
        found = found.filter(state__in=filters.states)
    if filters.methods:
        found = found.filter(method__in=filters.methods)
    if filters.service_id is not None:
        found = found.filter(submission__service_id=filters.service_id)
    column = "paid_at" if filters.day == "paid" else "created_at"
    if filters.date_from is not None:
        found = found.filter(**{f"{column}__gte": _local_start(filters.date_from)})
    if filters.date_to is not None:
        found = found.filter(**{f"{column}__lt": _local_start(filters.date_to
                                                                + timedelta(days=1))})
    text = filters.q.strip()
    if text:
        compact = re.sub(r"[^0-9A-Za-z]", "", text)
        found = found.filter(Q(kassenzeichen__icontains=text)
                             | Q(submission__reference__iexact=text)
                             | Q(purpose__icontains=text)
                             | (Q(kassenzeichen__icontains=compact) if compact else Q()))
    return found.order_by(F(column).desc(nulls_last=True), "-pk")


def state_counts(filters: PaymentFilters) -> dict[str, int]:
    """How many payments of each state the filters (but the state) leave, in state order."""
    counted = dict(cash_office_payments(filters, with_state=False).order_by()
                   .values_list("state").annotate(n=Count("pk")).values_list("state", "n"))
    return {state: counted.get(state, 0) for state in PaymentState.values}


def methods_in_use() -> list[str]:
    """The methods payments have (for the filter), configured providers first."""
    used = set(Payment.objects.order_by().values_list("method", flat=True).distinct())
    ordered = [*registry.configured(), TRANSFER, DIRECT_DEBIT]
    return [m for m in ordered if m in used or m in {TRANSFER, DIRECT_DEBIT}] + sorted(
        m for m in used if m and m not in ordered)


@dataclass(frozen=True)
class MonthFigure:
    """Payments created in one month with one method in one state: how many, how much."""

    month: date
    method: str
    state: str
    count: int
    amount_cents: int


def monthly_figures(first_month: date, last_month: date) -> list[MonthFigure]:
    """The payments created from ``first_month`` to the end of ``last_month`` by month,
    method and state (one query)."""
    zone = timezone.get_current_timezone()
    end = (last_month.replace(day=28) + timedelta(days=4)).replace(day=1)
    rows = (Payment.objects.filter(created_at__gte=_local_start(first_month),
                                   created_at__lt=_local_start(end))
            .annotate(month=TruncMonth("created_at", tzinfo=zone))
            .order_by().values("month", "method", "state")
            .annotate(n=Count("pk"), cents=Sum("amount_cents")))
    return sorted((MonthFigure(month=_as_date(row["month"]), method=row["method"],
                               state=row["state"], count=row["n"],
                               amount_cents=row["cents"] or 0) for row in rows),
                  key=lambda figure: (figure.month, figure.method, figure.state))


def _as_date(value: date | datetime) -> date:
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value
