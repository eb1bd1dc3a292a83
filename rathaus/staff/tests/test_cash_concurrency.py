"""On PostgreSQL, with real concurrent clients: one statement imported twice at once books once."""

from __future__ import annotations

import pytest
from django.test import Client

from rathaus.payments.models import (
    LineStatus,
    PaymentEvent,
    PaymentState,
    StatementImport,
    StatementLine,
    Verdict,
)
from rathaus.payments.tests.test_concurrency import at_once

from .cash import signed_in_cashier, statement, transfer_payment
from .test_cash_office import upload


@pytest.mark.django_db(transaction=True)
def test_postgresql_the_same_statement_confirmed_by_two_clients_books_each_payment_once(
        postgres: None, catalog: None) -> None:
    full, other = transfer_payment(copies=2), transfer_payment(copies=1)
    data = statement(kz123=full.kassenzeichen, kz125=other.kassenzeichen)
    clients = [Client(), Client()]
    urls = []
    for number, client in enumerate(clients):
        signed_in_cashier(client, f"kasse{number}")
        urls.append(upload(client, data)["Location"])

    answers = at_once(2, lambda n: clients[n].post(urls[n] + "apply/").status_code)

    assert answers == [302, 302]
    full.refresh_from_db()
    assert full.state == PaymentState.PAID
    assert PaymentEvent.objects.filter(payment=full, verdict=Verdict.APPLIED).count() == 1
    entries = StatementImport.objects.first()
    assert entries is not None
    assert StatementLine.objects.count() == entries.entries  # every entry once
    assert StatementLine.objects.filter(status=LineStatus.BOOKED).count() == 1
    imports = sorted(StatementImport.objects.values_list("booked", "known"))
    assert imports == [(0, entries.entries), (1, 0)]
