"""Deleting the account: drafts and mailbox go, submissions stay with the town, bookings stay."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from rathaus.account.models import DailyCount, Message, Metric
from rathaus.account.tests import factories
from rathaus.applications.models import Draft, Submission
from rathaus.appointments.models import Booking
from rathaus.appointments.tests.pages import h1, text
from rathaus.identity.models import Citizen

pytestmark = pytest.mark.django_db(transaction=True)  # files are removed after commit


def test_the_page_says_what_goes_and_what_stays(client: Client, hund_catalog: None) -> None:
    erika = factories.signed_in(client)
    factories.submission(erika)
    factories.draft(erika)
    page = client.get("/en/mein-rathaus/konto-loeschen/")
    body = text(page)
    assert h1(page) == ["Delete your account"]
    assert "1 unfinished application with its answers and files." in body
    assert "1 application you sent stays with the town." in body
    assert "How long we keep your application" in body
    assert "Your appointments and registrations stay valid." in body
    assert Citizen.objects.filter(pk=erika.pk).exists(), "showing the page deletes nothing"


def test_deleting_removes_account_drafts_and_mailbox_and_signs_out(client: Client,
                                                                   hund_catalog: None) -> None:
    erika = factories.signed_in(client)
    sent = factories.submission(erika)
    factories.draft(erika)
    message = factories.message(erika, attachment=b"%PDF-1.7 x", notify=False)
    stored = str(message.attachment.name)
    assert default_storage.exists(stored)
    booking = factories.booking(erika.person_key)
    max_ = factories.other_citizen()
    factories.draft(max_)
    factories.message(max_, notify=False)

    response = client.post("/en/mein-rathaus/konto-loeschen/")
    assert response.status_code == 302
    done = client.get(response["Location"])
    assert h1(done) == ["Your account has been deleted"]
    assert "Sign in" in text(done), "the header shows the visitor as signed out"

    assert not Citizen.objects.filter(pk=erika.pk).exists()
    assert not Draft.objects.filter(citizen_id=erika.pk).exists()
    assert not Message.objects.filter(citizen_id=erika.pk).exists()
    assert not default_storage.exists(stored)
    kept = Submission.objects.get(pk=sent.pk)
    assert kept.citizen_id is None
    assert Booking.objects.filter(pk=booking.pk, person_key=erika.person_key).exists()
    assert Draft.objects.filter(citizen=max_).exists()
    assert Message.objects.filter(citizen=max_).exists()
    assert DailyCount.objects.get(metric=Metric.ACCOUNT_DELETED).value == 1

    again = client.get("/en/mein-rathaus/")
    assert again.status_code == 302
    assert again["Location"].startswith("/en/anmelden/")


def test_get_does_not_delete(client: Client) -> None:
    erika = factories.signed_in(client)
    client.get("/en/mein-rathaus/konto-loeschen/")
    assert Citizen.objects.filter(pk=erika.pk).exists()
