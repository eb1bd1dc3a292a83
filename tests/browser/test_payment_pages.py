"""Paying the birth certificate fee without JavaScript: every page of it passes axe-core.

The citizen chooses nothing and is asked to, pays by bank transfer and sees the account, then
changes to paying online; the test double provider's pay page stands in for a real one, and its
signed notification marks the fee paid on the status page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import Page, expect

from rathaus.applications import links
from rathaus.payments.models import Payment
from rathaus.payments.providers.base import Outcome
from rathaus.payments.tests import double
from rathaus.payments.tests.conftest import DOUBLE, SECRET
from rathaus.payments.tests.journeys import birth_certificate

from .conftest import Portal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_paying_the_fee_without_javascript(portal: Portal, new_page: Callable[..., Page],
                                           axe: Callable[..., None], settings: Any) -> None:
    settings.RATHAUS_PAYMENT_PROVIDERS = DOUBLE
    double.reset()
    client = Client()
    journey = birth_certificate(client, copies=2)  # answered as a citizen would, in English
    page = new_page(javascript=False)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                               "url": portal.base_url}])
    page.context.route(f"{double.PAY_PAGE}**", lambda route: route.fulfill(
        body="<!doctype html><title>Testkasse</title><p>Pay page of the test double</p>",
        content_type="text/html"))

    page.goto(portal.url(journey.step_url))
    expect(page.get_by_role("group", name="How do you want to pay the fee of 24.00 €?")) \
        .to_be_visible()
    axe(page, "check page")
    page.get_by_role("button", name="Submit application").click()
    expect(page.locator("main")).to_contain_text("Choose how you want to pay the fee.")
    axe(page, "check page with the error")

    page.get_by_label("Bank transfer").check()
    page.get_by_role("button", name="Submit application").click()
    main = page.locator("main")
    expect(main).to_contain_text("Application submitted")
    expect(main).to_contain_text("DE02120300000000202051")
    payment = Payment.objects.get()
    expect(main).to_contain_text(payment.kassenzeichen)
    axe(page, "confirmation with the transfer details")

    # The mailed link, on the live server's address (links name RATHAUS_BASE_URL).
    assert payment.submission is not None
    page.goto(portal.url(f"/en/status/{links.status_token(payment.submission)}/"))
    expect(page.locator("main")).to_contain_text("not paid yet")
    axe(page, "status page, not paid yet")
    status_url = page.url
    page.get_by_label("Testkasse").check()
    page.get_by_role("button", name="Pay now").click()
    expect(page.locator("main")).to_contain_text("on the payment page of Testkasse")
    axe(page, "status page with the way to the pay page")
    page.get_by_role("link", name="Continue to the payment page").click()
    expect(page).to_have_title("Testkasse")

    request_id = payment.attempts.get().request_id
    answer = client.post("/payments/notify/double/", double.message(
        SECRET, request_id=request_id, outcome=Outcome.PAID))
    assert answer.status_code == 200
    page.goto(status_url)
    expect(page.locator("main")).to_contain_text("We received 24.00 €")
    axe(page, "status page, paid")
