"""The case page: a clerk moves the case along its workflow, notes, assigns, and sees it all."""

from __future__ import annotations

import html
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import close_old_connections, connection
from django.test import Client

from rathaus.applications.models import Upload
from rathaus.applications.tests.hund import answer_simply
from rathaus.applications.tests.journey import Journey
from rathaus.audit.models import Action, AuditEvent
from rathaus.cases.models import Case, CaseEvent, EventKind, Note
from rathaus.cases.services import CaseChanged, add_note, change_state
from rathaus.cases.tests.factories import copy_to, dog_registration

from .conftest import text
from .factories import sign_in_verified, staff_user


@pytest.fixture
def case(catalog: None) -> Case:
    return dog_registration()


@pytest.fixture
def clerk(db: Any) -> User:
    return staff_user("steuer", clerk_of=("steueramt",))


@pytest.fixture
def lead(db: Any) -> User:
    return staff_user("leitung", lead_of=("steueramt",))


def signed_in(user: User) -> Client:
    client = Client()
    sign_in_verified(client, user)
    return client


def url(case: Case) -> str:
    return f"/en/staff/submissions/{case.reference}/"


def plain(response: Any) -> str:
    return html.unescape(text(response))


@pytest.mark.django_db
def test_the_case_page_offers_the_clerks_steps_and_records_the_view(
        case: Case, clerk: User, lead: User) -> None:
    page = signed_in(clerk).get(url(case))
    body = plain(page)
    for shown in ("Case " + case.reference, "State received", "Assigned to nobody",
                  "Erika", "Bello", "Musterversicherung AG", "Set to “in progress”",
                  "Set to “waiting for the citizen”", "Set to “withdrawn”", "Assign to me",
                  "No notes yet.", "the applicant: Application received (online)",
                  "steuer: Case opened"):
        assert shown in body, shown
    assert "Set to “forwarded”" not in body  # the default workflow leaves it to the lead
    assert 'name="version" value="1"' in page.content.decode()
    assert "Set to “forwarded”" in plain(signed_in(lead).get(url(case)))
    viewed = AuditEvent.objects.filter(action=Action.SUBMISSION_VIEWED).order_by("pk").first()
    assert viewed is not None
    assert (viewed.actor, viewed.object_id) == (clerk, case.reference)
    assert CaseEvent.objects.filter(case=case, kind=EventKind.VIEWED).count() == 2


@pytest.mark.django_db
def test_a_clerk_moves_the_case_and_the_timeline_says_who_and_what(
        case: Case, clerk: User) -> None:
    client = signed_in(clerk)
    moved = client.post(url(case), {"action": "transition", "to": "in_progress",
                                    "version": "1"}, follow=True)
    assert "The case is now “in progress”." in plain(moved)
    assert "steuer: State changed from “received” to “in progress”" in plain(moved)
    missing = client.post(url(case), {"action": "transition", "to": "decided", "version": "2"})
    assert missing.status_code == 400
    assert 'href="#id_outcome"' in missing.content.decode()
    assert "Choose the outcome of the decision." in plain(missing)
    decided = client.post(url(case), {"action": "transition", "to": "decided",
                                      "outcome": "refused", "version": "2"}, follow=True)
    assert "State decided: refused" in plain(decided)
    case.refresh_from_db()
    assert (case.state, case.outcome, case.version) == ("decided", "refused", 3)


@pytest.mark.django_db
def test_a_clerk_posting_a_lead_only_step_is_refused_by_the_service_layer(
        case: Case, clerk: User) -> None:
    response = signed_in(clerk).post(url(case), {
        "action": "transition", "to": "forwarded", "forwarded_to": "Landesamt",
        "version": "1"})
    assert response.status_code == 400
    assert "Only the department's lead may take this step." in plain(response)
    assert 'href="#transitions"' in response.content.decode()
    case.refresh_from_db()
    assert (case.state, case.version) == ("received", 1)
    for junk in ({"action": "transition", "to": "x", "version": "1"},
                 {"action": "transition", "to": "closed", "version": "abc"},
                 {"action": "explode"}, {"action": "note", "text": "x"}):
        assert signed_in(clerk).post(url(case), junk).status_code == 400, junk


@pytest.mark.django_db
def test_two_clerks_at_once_the_second_keeps_the_note_and_hears_what_changed(
        case: Case, clerk: User, lead: User) -> None:
    mine, theirs = signed_in(clerk), signed_in(lead)
    assert 'name="version" value="1"' in mine.get(url(case)).content.decode()
    theirs.get(url(case))
    theirs.post(url(case), {"action": "take", "version": "1"})
    theirs.post(url(case), {"action": "transition", "to": "in_progress", "version": "2"})

    stale = mine.post(url(case), {"action": "note", "version": "1",
                                  "text": "Chip number 276098106543210 checked by phone"})
    assert stale.status_code == 409
    said = plain(stale)
    assert "Someone else changed this case after you opened it. Nothing was saved." in said
    assert ("leitung: Assigned to leitung; leitung: State changed from “received” to "
            "“in progress”") in said
    assert ">Chip number 276098106543210 checked by phone</textarea>" in stale.content.decode()
    assert 'name="version" value="3"' in stale.content.decode()
    assert not Note.objects.exists()

    again = mine.post(url(case), {"action": "note", "version": "3",
                                  "text": "Chip number 276098106543210 checked by phone"},
                      follow=True)
    assert "The note is saved." in plain(again)
    assert "Chip number 276098106543210 checked by phone" in plain(again)
    assert "steuer: Internal note added" in plain(again)


@pytest.mark.django_db
def test_an_empty_note_is_refused_with_a_message(case: Case, clerk: User) -> None:
    response = signed_in(clerk).post(url(case), {"action": "note", "version": "1",
                                                 "text": "   "})
    assert response.status_code == 400
    assert 'href="#id_text"' in response.content.decode()
    assert "Write the note." in plain(response)


@pytest.mark.django_db
def test_the_citizen_never_sees_internal_notes(catalog: None, clerk: User) -> None:
    citizen = Client()
    submission = answer_simply(Journey(citizen, "hund-anmelden", language="en").start()).submit()
    case = Case.objects.get(submission=submission)
    add_note(case_id=case.pk, text="Owner sounded unsure about the chip", actor=clerk,
             expected_version=1)
    status = citizen.get(f"/en/submitted/{case.reference}/")
    assert status.status_code == 200
    assert case.reference in text(status)
    assert "unsure about the chip" not in status.content.decode()


@pytest.mark.django_db
def test_another_departments_case_answers_404_for_every_page_and_action(
        case: Case, clerk: User) -> None:
    other = copy_to(case.submission, "ordnungsamt")
    upload = Upload.objects.create(submission=other.submission, field_id="x",
                                   original_name="x.pdf", file=ContentFile(b"%PDF", name="x.pdf"),
                                   content_type="application/pdf", size=4, sha256="0")
    client = signed_in(clerk)
    assert client.get(url(other)).status_code == 404
    assert client.post(url(other), {"action": "take", "version": "1"}).status_code == 404
    assert client.get(f"{url(other)}files/{upload.pk}/preview/").status_code == 404
    other.refresh_from_db()
    assert (other.assignee, other.version) == (None, 1)
    assert not CaseEvent.objects.filter(case=other, kind=EventKind.VIEWED).exists()


@pytest.mark.django_db
def test_pdfs_and_images_open_in_the_browser_sandboxed_and_logged(
        case: Case, clerk: User) -> None:
    pdf = Upload.objects.create(submission=case.submission, field_id="x",
                                original_name="erlaubnis.pdf",
                                file=ContentFile(b"%PDF-1.4", name="e.pdf"),
                                content_type="application/pdf", size=8, sha256="0")
    other = Upload.objects.create(submission=case.submission, field_id="x",
                                  original_name="notes.txt", file=ContentFile(b"x", name="n.txt"),
                                  content_type="text/plain", size=1, sha256="0")
    client = signed_in(clerk)
    page = client.get(url(case)).content.decode()
    preview = f"{url(case)}files/{pdf.pk}/preview/"
    assert f'href="{preview}"' in page
    assert f"{url(case)}files/{other.pk}/preview/" not in page
    response = client.get(preview)
    assert response["Content-Disposition"].startswith("inline")
    assert response["Content-Security-Policy"] == "sandbox"
    assert b"".join(response.streaming_content) == b"%PDF-1.4"  # type: ignore[attr-defined]
    assert client.get(f"{url(case)}files/{other.pk}/preview/").status_code == 404
    download = client.get(f"{url(case)}files/{pdf.pk}/")
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == b"%PDF-1.4"  # type: ignore[attr-defined]
    assert [event.message for event in AuditEvent.objects.filter(
        action=Action.ATTACHMENT_DOWNLOADED).order_by("pk")] == [
        "erlaubnis.pdf (preview)", "erlaubnis.pdf"]
    timeline = plain(client.get(url(case)))
    assert timeline.count("steuer: Attachment opened: erlaubnis.pdf") == 2


# -- two clerks at the same moment, on PostgreSQL -------------------------------------------


def _at_once(case_id: int, *writes: Any) -> list[str]:
    start = threading.Barrier(len(writes))

    def run(write: Any) -> str:
        try:
            start.wait()
            write()
            return "saved"
        except CaseChanged:
            return "refused"
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(writes)) as pool:
        outcome = list(pool.map(run, writes))
    close_old_connections()
    return outcome


@pytest.mark.django_db(transaction=True)
def test_postgresql_two_clerks_writing_at_the_same_moment_one_wins(
        postgres: None, catalog: None) -> None:
    assert connection.vendor == "postgresql"
    case = dog_registration()
    clerk = staff_user("steuer", clerk_of=("steueramt",))
    lead = staff_user("leitung", lead_of=("steueramt",))
    for _round in range(5):
        case.refresh_from_db()
        shown, to = case.version, (
            "waiting_for_citizen" if case.state == "in_progress" else "in_progress")
        outcome = _at_once(
            case.pk,
            partial(add_note, case_id=case.pk, text="checked", actor=clerk,
                    expected_version=shown),
            partial(change_state, case_id=case.pk, to=to, actor=lead, expected_version=shown))
        assert sorted(outcome) == ["refused", "saved"]
        case.refresh_from_db()
        assert case.version == shown + 1
    assert CaseEvent.objects.filter(case=case, version__gt=1).count() == 5


@pytest.mark.django_db
def test_the_case_page_takes_the_same_queries_however_long_the_case_is(
        case: Case, clerk: User) -> None:
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    from rathaus.cases.conversation import reply_by_citizen, send_message
    from rathaus.cases.tests.conversation_helpers import png

    client = signed_in(clerk)

    def queries() -> int:
        client.get(url(case))  # the first view of the session warms what is per session
        with CaptureQueriesContext(db) as captured:
            assert client.get(url(case)).status_code == 200
        return len(captured.captured_queries)

    def grow(numbers: range) -> None:
        for number in numbers:
            case.refresh_from_db()
            add_note(case_id=case.pk, text=f"Note {number}", actor=clerk,
                     expected_version=case.version)
            case.refresh_from_db()
            send_message(case_id=case.pk, text=f"Question {number}", actor=clerk,
                         expected_version=case.version)
            reply_by_citizen(submission=case.submission, text=f"Answer {number}",
                             files=[png()])
            Upload.objects.create(submission=case.submission, field_id="liability_proof",
                                  original_name=f"nachweis-{number}.pdf",
                                  content_type="application/pdf", size=8, sha256="0" * 64,
                                  file=ContentFile(b"%PDF-1.4", name=f"nachweis-{number}.pdf"))

    grow(range(1))  # one of each: a note, a message with a reply and its file, an upload
    short = queries()
    grow(range(1, 7))
    long = queries()
    page = plain(client.get(url(case)))
    for shown in ("Answer 6", "Note 6", "nachweis-6.pdf"):
        assert shown in page
    # user, OTP device, membership, case, the view logged (savepoint, event, audit, release),
    # role, timeline, attachments, messages with their files, text blocks, notes, the notice
    # panel (the case's notices, the service's templates), the payment (none for the dog)
    assert (short, long) == (18, 18)
