"""The list of unfinished applications says which deletion rule applies to which draft."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from rathaus.account.tests import factories
from rathaus.applications.tests.journey import Journey
from rathaus.appointments.tests.pages import text

pytestmark = pytest.mark.django_db


def test_saved_and_unsaved_drafts_each_name_their_own_rule(
    client: Client, hund_catalog: None, settings: Any
) -> None:
    settings.RATHAUS_UNSAVED_DRAFT_HOURS = 6
    settings.RATHAUS_DRAFT_RETENTION_DAYS = 30
    erika = factories.signed_in(client)
    factories.draft(erika, resume_consent_at=timezone.now(), resume_email="erika@example.org")
    factories.draft(erika)

    page = text(client.get("/en/mein-rathaus/entwuerfe/"))

    assert ("An application you chose to save and continue later is kept for 30 days after "
            "your last change. One you did not save is deleted 6 hours after your last "
            "change.") in page
    assert page.count("Saved to continue later: deleted automatically after") == 1
    assert page.count("Not saved to continue later: deleted automatically after") == 1
    assert "one day" not in page


def test_the_start_page_of_a_form_says_the_same(client: Client, hund_catalog: None,
                                                settings: Any) -> None:
    settings.RATHAUS_UNSAVED_DRAFT_HOURS = 6
    page = text(client.get("/en/services/hund-anmelden/apply/"))

    assert ("If you agree, we keep them for 30 days after your last change. Otherwise we "
            "delete them 6 hours after your last change.") in page


def test_the_save_page_asks_consent_for_the_configured_period(
    client: Client, hund_catalog: None, settings: Any
) -> None:
    settings.RATHAUS_UNSAVED_DRAFT_HOURS = 6
    settings.RATHAUS_DRAFT_RETENTION_DAYS = 14
    journey = Journey(client, "hund-anmelden", language="en").start()
    draft_id = journey.step_url.split("/apply/")[1].split("/")[0]

    page = text(client.get(f"/en/apply/{draft_id}/save/"))

    assert ("If you agree, we keep your answers for 14 days after your last change and then "
            "delete them automatically. Without your consent they are deleted 6 hours after "
            "your last change.") in page
    assert "I agree that my answers are kept for 14 days so that I can continue later." in page
    assert "30" not in page
