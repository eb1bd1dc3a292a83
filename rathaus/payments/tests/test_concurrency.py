"""On PostgreSQL, with real concurrent clients: no Kassenzeichen twice, no payment booked twice."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest
from django.db import close_old_connections, connection
from django.test import Client

from rathaus.applications.models import Submission
from rathaus.payments import kassenzeichen
from rathaus.payments.models import Payment, PaymentEvent, PaymentState, Verdict
from rathaus.payments.providers.base import Outcome

from . import double
from .conftest import SECRET
from .journeys import birth_certificate

T = TypeVar("T")


def at_once(count: int, work: Callable[[int], T]) -> list[T]:
    """Run ``work(0..count-1)`` in threads that start together, each on its own connection."""
    start = threading.Barrier(count)

    def run(number: int) -> T:
        try:
            start.wait()
            return work(number)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        results = list(pool.map(run, range(count)))
    close_old_connections()
    return results


@pytest.mark.django_db(transaction=True)
def test_postgresql_counters_give_every_number_once(postgres: None) -> None:
    numbers = at_once(8, lambda _n: [kassenzeichen.allocate(series="T-{year}-{number}", year=2026)
                                     for _round in range(5)])
    given = sorted(number for batch in numbers for number in batch)
    assert given == list(range(1, 41))


@pytest.mark.django_db(transaction=True)
def test_postgresql_concurrent_submissions_get_distinct_kassenzeichen(
        postgres: None, catalog: None) -> None:
    journeys = [birth_certificate(Client(), copies=1 + n % 3) for n in range(6)]

    def submit(number: int) -> int:
        journey = journeys[number]
        response = journey.client.post(journey.step_url, {"payment_method": "transfer"})
        return int(response.status_code)

    assert at_once(len(journeys), submit) == [302] * len(journeys)
    codes = list(Payment.objects.values_list("kassenzeichen", flat=True))
    assert Submission.objects.count() == 6
    assert len(codes) == 6
    assert len(set(codes)) == 6
    assert sorted(int(code.rsplit("-", 1)[1]) for code in codes) == [1, 2, 3, 4, 5, 6]


@pytest.mark.django_db(transaction=True)
def test_postgresql_two_notifications_at_once_give_one_booking(
        postgres: None, catalog: None, provider: str) -> None:
    journey = birth_certificate(Client(), copies=2)
    response = journey.client.post(journey.step_url, {"payment_method": provider})
    assert response.status_code == 302
    payment = Payment.objects.get()
    request_id = payment.attempts.get().request_id
    fields = double.message(SECRET, request_id=request_id, outcome=Outcome.PAID)

    def send(_number: int) -> Any:
        return Client().post("/payments/notify/double/", fields).status_code

    assert at_once(4, send) == [200] * 4
    payment.refresh_from_db()
    assert payment.state == PaymentState.PAID
    assert payment.paid_cents == 2400
    verdicts = sorted(PaymentEvent.objects.filter(source="notification")
                      .values_list("verdict", flat=True))
    assert verdicts == [Verdict.APPLIED] + [Verdict.DUPLICATE] * 3
