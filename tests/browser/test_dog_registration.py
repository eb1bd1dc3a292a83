"""Registering two dogs for dog tax, from the start page to the receipt, with and without JS."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page

from rathaus.applications.models import Submission

from .conftest import Portal
from .journey import ENGLISH, GERMAN, IBAN, DogRegistration, Texts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def assert_submitted(reference: str, texts: Texts, receipt: bytes, read_pdf: Any,
                     mailoutbox: list[Any]) -> None:
    submission = Submission.objects.get(reference=reference)
    assert submission.language == texts.language
    assert submission.email == "erika@example.org"
    answers = submission.answers
    assert answers["owner_address"]["postcode"] == "31134"
    assert answers["moved_here"] is True
    assert answers["previous_municipality"] == "Hildesheim"
    assert [dog["dog_name"] for dog in answers["dogs"]] == ["Bello", "Luna"]
    assert answers["bank_account"]["iban"] == IBAN.replace(" ", "")

    assert receipt.startswith(b"%PDF-")
    text = read_pdf(receipt)
    assert reference in text
    assert "Luna" in text

    assert [message.to for message in mailoutbox] == [["erika@example.org"]]
    assert reference in mailoutbox[0].body


def test_with_javascript_every_page_is_accessible(
    portal: Portal, new_page: Callable[..., Page], axe: Callable[..., None], read_pdf: Any,
    mailoutbox: list[Any],
) -> None:
    page = new_page(javascript=True)
    journey = DogRegistration(page, portal.base_url, GERMAN, javascript=True, visited=axe)

    journey.through_to_check()
    reference = journey.submit()
    receipt = journey.download_receipt()

    assert_submitted(reference, GERMAN, receipt, read_pdf, mailoutbox)


@pytest.mark.parametrize("texts", [GERMAN, ENGLISH], ids=["de", "en"])
def test_without_javascript(
    portal: Portal, new_page: Callable[..., Page], axe: Callable[..., None], texts: Texts,
    read_pdf: Any,
    mailoutbox: list[Any],
) -> None:
    page = new_page(javascript=False)
    # Without JavaScript every conditional field is on the page at once: a state of its own
    # for axe. Checking it in one language is enough; the markup does not vary by language.
    journey = DogRegistration(page, portal.base_url, texts, javascript=False,
                              visited=axe if texts is GERMAN else None)

    journey.through_to_check()
    reference = journey.submit()
    receipt = journey.download_receipt()

    assert_submitted(reference, texts, receipt, read_pdf, mailoutbox)
