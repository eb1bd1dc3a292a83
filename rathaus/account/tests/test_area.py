"""Mein Rathaus shows a citizen their own applications, appointments, drafts and messages only."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client

from rathaus.account.tests import factories
from rathaus.applications.models import Draft, SubmissionStatus
from rathaus.applications.tests.journey import downloaded
from rathaus.appointments.models import BookingStatus
from rathaus.appointments.tests.pages import h1, text
from rathaus.identity.people import person_key

pytestmark = pytest.mark.django_db

PAGES = ["/de/mein-rathaus/", "/de/mein-rathaus/antraege/", "/de/mein-rathaus/termine/",
         "/de/mein-rathaus/entwuerfe/", "/de/mein-rathaus/postfach/",
         "/de/mein-rathaus/meine-daten/", "/de/mein-rathaus/konto-loeschen/"]


@pytest.mark.parametrize("path", [*PAGES, "/de/mein-rathaus/postfach/1/",
                                  "/de/mein-rathaus/meine-daten/mein-rathaus.json"])
def test_without_sign_in_every_page_sends_to_the_sign_in_page(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/de/anmelden/?next=")
    assert path.replace("/", "%2F") in response["Location"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_are_personal_and_never_cached(client: Client, hund_catalog: None,
                                             path: str) -> None:
    factories.signed_in(client)
    response = client.get(path)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert len(h1(response)) == 1


def test_applications_are_the_citizens_own(client: Client, hund_catalog: None) -> None:
    erika = factories.signed_in(client)
    mine = factories.submission(erika, status=SubmissionStatus.IN_PROGRESS)
    other = factories.submission(factories.other_citizen())
    anonymous = factories.submission(None)

    page = client.get("/en/mein-rathaus/antraege/")
    body = text(page)
    assert mine.reference in body
    assert "Register a dog for dog tax" in body
    assert "in progress" in body
    assert other.reference not in body
    assert anonymous.reference not in body
    # The links are the signed status and receipt links the e-mail would carry.
    receipt = next(link for link in _links(page) if link.endswith("/receipt.pdf"))
    pdf = client.get(receipt)
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"


def test_appointments_are_found_by_the_person_key(client: Client) -> None:
    erika = factories.email_citizen(client, "erika@example.org")
    upcoming = factories.booking(erika.person_key, days_ahead=3)
    factories.booking(erika.person_key, days_ahead=5, status=BookingStatus.CANCELLED)
    registration = factories.registration(erika.person_key)
    waiting = factories.waitlist_entry(erika.person_key)
    foreign = factories.booking(person_key(email="max@example.org"), name="Max Meier")
    held = factories.booking(erika.person_key, status=BookingStatus.HELD)

    page = client.get("/en/mein-rathaus/termine/")
    body = text(page)
    assert upcoming.reference in body
    assert registration.reference in body
    assert "cancelled" in body
    assert foreign.reference not in body
    assert "Max Meier" not in body
    assert held.reference not in body
    links = _links(page)
    manage = [link for link in links if link.startswith("/en/appointment/")]
    assert len(manage) == 2, "upcoming and cancelled booking, each with its manage link"
    assert client.get(manage[0]).status_code == 200
    assert any(link.startswith("/en/registration/") for link in links)
    # Each waiting-list entry links to its own page, where she sees her place or leaves.
    waitlist = [link for link in links if link.startswith("/en/waiting-list/")]
    assert len(waitlist) == 1
    entry_page = client.get(waitlist[0])
    assert waiting.reference in text(entry_page)
    assert "You are number 1 on the waiting list." in text(entry_page)


def test_drafts_are_the_citizens_own_and_can_be_continued_and_deleted(
        client: Client, hund_catalog: None) -> None:
    erika = factories.signed_in(client)
    mine = factories.draft(erika)
    other = factories.draft(factories.other_citizen())

    page = client.get("/en/mein-rathaus/entwuerfe/")
    assert "Register a dog for dog tax" in text(page)
    continue_link = next(link for link in _links(page) if "/resume/" in link)
    resumed = client.get(continue_link)
    assert resumed.status_code == 302
    assert f"/apply/{mine.pk}/" in resumed["Location"]
    assert f"/mein-rathaus/entwuerfe/{other.pk}/" not in page.content.decode()

    assert client.get(f"/en/mein-rathaus/entwuerfe/{other.pk}/loeschen/").status_code == 404
    assert client.post(f"/en/mein-rathaus/entwuerfe/{other.pk}/loeschen/").status_code == 404
    assert Draft.objects.filter(pk=other.pk).exists()

    confirm = client.get(f"/en/mein-rathaus/entwuerfe/{mine.pk}/loeschen/")
    assert h1(confirm) == ["Delete this unfinished application?"]
    assert Draft.objects.filter(pk=mine.pk).exists(), "asking is not deleting"
    done = client.post(f"/en/mein-rathaus/entwuerfe/{mine.pk}/loeschen/")
    assert done.status_code == 200
    assert "Unfinished application deleted" in text(done)
    assert not Draft.objects.filter(pk=mine.pk).exists()
    assert client.get("/en/mein-rathaus/entwuerfe/loeschen/").status_code == 404


def test_mailbox_shows_own_messages_marks_unread_and_reading_marks_read(client: Client) -> None:
    erika = factories.signed_in(client)
    message = factories.message(erika, "Ihr Bescheid zur Hundesteuer")
    foreign = factories.message(factories.other_citizen(), "Geheimer Bescheid")

    box = client.get("/en/mein-rathaus/postfach/")
    body = text(box)
    assert "Ihr Bescheid zur Hundesteuer" in body
    assert "Geheimer Bescheid" not in body
    assert "New Ihr Bescheid zur Hundesteuer" in body, "unread is said in words"
    home = text(client.get("/en/mein-rathaus/"))
    assert "1 unread message" in home

    read = client.get(f"/en/mein-rathaus/postfach/{message.pk}/")
    assert h1(read) == ["Ihr Bescheid zur Hundesteuer"]
    message.refresh_from_db()
    assert message.read_at is not None
    assert "small\">New</span>" not in client.get("/en/mein-rathaus/postfach/").content.decode()
    assert "No unread messages" in text(client.get("/en/mein-rathaus/"))

    assert client.get(f"/en/mein-rathaus/postfach/{foreign.pk}/").status_code == 404
    foreign.refresh_from_db()
    assert foreign.read_at is None


def test_attachments_only_for_their_owner(client: Client) -> None:
    erika = factories.signed_in(client)
    mine = factories.message(erika, attachment=b"%PDF-1.7 mine")
    foreign = factories.message(factories.other_citizen(), attachment=b"%PDF-1.7 theirs")
    without = factories.message(erika)

    download = client.get(f"/en/mein-rathaus/postfach/{mine.pk}/anhang/")
    assert download.status_code == 200
    assert downloaded(download) == b"%PDF-1.7 mine"
    assert 'filename="bescheid.pdf"' in download["Content-Disposition"]
    assert "no-store" in download["Cache-Control"]
    assert client.get(f"/en/mein-rathaus/postfach/{foreign.pk}/anhang/").status_code == 404
    assert client.get(f"/en/mein-rathaus/postfach/{without.pk}/anhang/").status_code == 404
    assert client.get("/en/mein-rathaus/postfach/999999/anhang/").status_code == 404
    assert Client().get(f"/en/mein-rathaus/postfach/{mine.pk}/anhang/").status_code == 302


@pytest.mark.parametrize("path", ["/en/mein-rathaus/postfach/abc/",
                                  "/en/mein-rathaus/postfach/?page=-1",
                                  "/en/mein-rathaus/postfach/?page=x%00",
                                  "/en/mein-rathaus/entwuerfe/not-a-uuid/loeschen/",
                                  "/en/mein-rathaus/postfach/99999999999999999999/"])
def test_bad_input_never_fails(client: Client, path: str) -> None:
    factories.signed_in(client)
    assert client.get(path).status_code in (200, 404)


def test_the_notice_names_nothing_of_the_message(client: Client,
                                                 django_capture_on_commit_callbacks: Any) -> None:
    erika = factories.signed_in(client)
    with django_capture_on_commit_callbacks(execute=True):
        factories.message(erika, "Bescheid Hundesteuer für Erika Mustermann, Az. K7QX-2M4P",
                          body="Sehr geehrte Frau Mustermann, ...", language="de")
    assert len(mail.outbox) == 1
    notice = mail.outbox[0]
    assert notice.to == ["erika.mustermann@example.org"]
    everything = str(notice.subject) + str(notice.body)
    for secret in ("Bescheid", "Hundesteuer", "Erika", "Mustermann", "K7QX", "Sehr geehrte"):
        assert secret not in everything
    assert "http://127.0.0.1:8000/de/mein-rathaus/postfach/" in notice.body
    assert notice.body.startswith("Guten Tag,")
    assert not notice.attachments


def test_home_shows_what_there_is(client: Client, hund_catalog: None) -> None:
    erika = factories.signed_in(client)
    factories.submission(erika)
    factories.booking(erika.person_key)
    factories.draft(erika)
    page = text(client.get("/en/mein-rathaus/"))
    assert "You are signed in with BundID, trust level “high (online ID card)”." in page
    assert "1 application sent" in page
    assert "1 upcoming appointment" in page
    assert "1 not sent yet" in page


# -- query counts ------------------------------------------------------------------------------

# Every page: the citizen (the session comes from the cache); then one query per list or count.
@pytest.mark.parametrize(("path", "queries"), [
    ("/de/mein-rathaus/", 5),  # applications, upcoming appointments, drafts, unread messages
    ("/de/mein-rathaus/antraege/", 2),
    ("/de/mein-rathaus/termine/", 4),  # bookings, draw registrations, waiting lists
    ("/de/mein-rathaus/entwuerfe/", 2),
    ("/de/mein-rathaus/postfach/", 3),  # count for the pages, one page of messages
    ("/de/mein-rathaus/meine-daten/", 7),  # six counts
])
def test_query_counts_do_not_grow_with_the_list(client: Client, hund_catalog: None,
                                                django_assert_num_queries: Any, path: str,
                                                queries: int) -> None:
    erika = factories.signed_in(client)
    for number in range(3):
        factories.submission(erika)
        factories.draft(erika)
        factories.message(erika, f"Nachricht {number}", notify=False)
        factories.booking(erika.person_key, days_ahead=number + 2)
        factories.registration(erika.person_key)
        factories.waitlist_entry(erika.person_key)
    client.get(path)  # the first request may warm the session cache
    with django_assert_num_queries(queries):
        assert client.get(path).status_code == 200


def _links(response: Any) -> list[str]:
    import re

    return re.findall(r'href="([^"#]+)"', response.content.decode())
