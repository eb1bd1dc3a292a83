"""The status page of an application with health data, opened from the mailed link.

Whoever opens the link sees the state and why the receipt is not there, with a way to sign in;
the page passes axe-core in German and English, with and without JavaScript.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from rathaus.applications import links
from rathaus.applications.models import Submission
from rathaus.catalog.models import Service
from rathaus.identity.models import Citizen, SignInSource

from .conftest import Portal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXTS = {
    "de": ("Dieser Antrag enthält Gesundheitsdaten", "Mit BundID anmelden und Eingangsbestätigung"),
    "en": ("This application contains health data", "Sign in with BundID to see the receipt"),
}


def _health_application() -> Submission:
    service = Service.objects.select_related("current_version", "department").get(
        slug="schwerbehindertenausweis")
    assert service.current_version is not None
    citizen = Citizen.objects.create(person_key="renate-key", source=SignInSource.BUNDID,
                                     highest_level=4, last_sign_in_at=timezone.now())
    return Submission.objects.create(
        draft_key=uuid.uuid4(), service=service, service_version=service.current_version,
        department=service.department, language="de", citizen=citizen, trust_level=4,
        answers={"impairments": [{"impairment_description": "Arthrose"}]},
        sensitive_fields=["impairment_description"])


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_mailed_link_shows_the_state_and_how_to_open_the_receipt(
    portal: Portal, new_page: Callable[..., Page], axe: Callable[..., None], language: str,
) -> None:
    submission = _health_application()
    path = f"/{language}/status/{links.status_token(submission)}/"
    why, button = TEXTS[language]
    page = new_page()

    page.goto(portal.url(path))

    expect(page.locator("main")).to_contain_text(submission.reference)
    expect(page.locator("main")).to_contain_text(why)
    expect(page.get_by_role("button", name=button)).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("Arthrose")
    assert page.locator('a[href$="receipt.pdf"]').count() == 0
    axe(page, path)
