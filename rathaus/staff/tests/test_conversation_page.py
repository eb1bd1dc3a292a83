"""The case page's conversation: text blocks inserted without JavaScript, requests, replies."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from rathaus.applications.models import Submission
from rathaus.audit.models import Action, AuditEvent
from rathaus.cases.conversation import reply_by_citizen
from rathaus.cases.models import Case, CaseEvent, CaseMessage, CaseState, EventKind, TextBlock
from rathaus.cases.tests.conversation_helpers import REQUESTED, in_days, png
from rathaus.cases.tests.factories import copy_to, dog_registration

from .factories import staff_user
from .test_case_page import plain, signed_in, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(catalog: None) -> Case:
    call_command("load_text_blocks", stdout=io.StringIO())
    return dog_registration()


@pytest.fixture
def clerk(db: Any) -> User:
    return staff_user("steuer", clerk_of=("steueramt",))


def test_a_text_block_is_inserted_without_javascript_in_the_applicants_language(
        case: Case, clerk: User) -> None:
    clerk.first_name, clerk.last_name = "Paula", "Steuer"
    clerk.save()
    Case.objects.filter(pk=case.pk).update(applicant_name="Erika <Mustermann>")
    block = TextBlock.objects.get(department=case.department, key="nachweis-haftpflicht-hund")
    client = signed_in(clerk)
    shown = plain(client.get(url(case)))
    assert "Conversation with the applicant" in shown
    assert "No messages yet." in shown
    assert "Nachweis der Hundehaftpflichtversicherung anfordern" in shown  # the block's title
    assert "gets an e-mail without the message's content" in shown

    deadline = in_days(10)
    response = client.post(url(case), {"action": "insert_block", "block": str(block.pk),
                                       "message": "", "requested": REQUESTED,
                                       "deadline": deadline.isoformat(), "version": "1"})
    assert response.status_code == 200
    body = response.content.decode()
    # The applicant wrote in English: the English text, every placeholder filled and escaped.
    assert "Dear Erika &lt;Mustermann&gt;," in body
    assert f"case {case.reference}" in body
    assert f"by {deadline:%-d %B %Y}." in body
    assert "Paula Steuer" in body
    assert "{" not in body.split('id="id_message"')[1].split("</textarea>")[0]
    assert f">{REQUESTED}</textarea>" in body
    assert CaseMessage.objects.count() == 0  # inserting sends nothing

    missing = client.post(url(case), {"action": "insert_block", "block": "",
                                      "message": "Mein Text", "version": "1"})
    assert missing.status_code == 400
    assert "Choose a text block to insert." in plain(missing)
    assert ">Mein Text</textarea>" in missing.content.decode()


def test_the_clerk_requests_documents_and_sees_the_reply_with_its_file(
        case: Case, clerk: User, django_capture_on_commit_callbacks: Any) -> None:
    client = signed_in(clerk)
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(url(case), {
            "action": "message", "message": "Bitte senden Sie den Nachweis.",
            "requested": REQUESTED, "deadline": in_days(14).strftime("%d.%m.%Y"),
            "version": "1"}, follow=True)
    page = plain(sent)
    assert "The request is sent; the case waits for the applicant." in page
    assert "State waiting for the citizen" in page
    assert "Bitte senden Sie den Nachweis." in page
    assert f"Requested by {in_days(14):%-d %B %Y}: {REQUESTED}" in page
    assert "not read yet" in page
    assert "steuer: Documents or information requested, deadline" in page

    reply_by_citizen(submission=case.submission, text="Anbei.", files=[png()])
    page = plain(client.get(url(case)))
    assert "The applicant replied, with 1 file" in page
    assert "Anbei." in page
    assert "versicherung.png" in page
    assert "read on" in page
    case.refresh_from_db()
    assert case.state == CaseState.IN_PROGRESS
    [reply] = CaseMessage.objects.filter(direction="from_citizen")
    [upload] = reply.files.all()
    preview = client.get(f"/en/staff/submissions/{case.reference}/files/{upload.pk}/preview/")
    assert preview.status_code == 200
    assert preview["Content-Security-Policy"] == "sandbox"
    assert b"".join(preview.streaming_content).startswith(b"\x89PNG")  # type: ignore[attr-defined]
    assert CaseEvent.objects.filter(case=case, kind=EventKind.DOWNLOADED,
                                    detail="versicherung.png").exists()
    assert AuditEvent.objects.filter(action=Action.ATTACHMENT_DOWNLOADED,
                                     message__startswith="versicherung.png").exists()


def test_bad_input_is_named_and_kept(case: Case, clerk: User) -> None:
    client = signed_in(clerk)
    empty = client.post(url(case), {"action": "message", "message": " ",
                                    "requested": REQUESTED, "version": "1"})
    assert empty.status_code == 400
    assert "Write the message." in plain(empty)
    assert 'href="#id_message"' in empty.content.decode()
    assert f">{REQUESTED}</textarea>" in empty.content.decode()

    past = client.post(url(case), {"action": "message", "message": "Bitte bis gestern",
                                   "requested": REQUESTED, "deadline": "2020-01-01",
                                   "version": "1"})
    assert past.status_code == 400
    assert "The deadline must be after today." in plain(past)
    assert 'id="id_deadline" name="deadline" value="2020-01-01"' in past.content.decode()

    wrong = client.post(url(case), {"action": "message", "message": "x", "requested": "y",
                                    "deadline": "31.02.2027", "version": "1"})
    assert "Enter the date as DD.MM.YYYY or YYYY-MM-DD." in plain(wrong)
    assert not CaseMessage.objects.exists()


def test_a_stale_form_sends_nothing_and_keeps_the_text(case: Case, clerk: User) -> None:
    client = signed_in(clerk)
    client.post(url(case), {"action": "note", "text": "erst prüfen", "version": "1"})
    stale = client.post(url(case), {"action": "message", "message": "Hallo Frau Mustermann",
                                    "version": "1"})
    assert stale.status_code == 409
    assert "Someone else changed this case" in plain(stale)
    assert ">Hallo Frau Mustermann</textarea>" in stale.content.decode()
    assert not CaseMessage.objects.exists()


def test_an_applicant_without_address_or_account_is_to_be_called(
        case: Case, clerk: User) -> None:
    Submission.objects.filter(pk=case.submission_id).update(email="")
    client = signed_in(clerk)
    assert "neither an e-mail address nor signed in" in plain(client.get(url(case)))
    sent = client.post(url(case), {"action": "message", "message": "Rückruf erbeten",
                                   "version": "1"}, follow=True)
    assert "please call them or write by post" in plain(sent)
    assert CaseMessage.objects.get().notified == "none"


def test_another_departments_case_answers_not_found(case: Case) -> None:
    other = copy_to(case.submission, "soziales")
    client = signed_in(staff_user("steuer", clerk_of=("steueramt",)))
    response = client.post(url(other), {"action": "message", "message": "Hallo",
                                        "version": "1"})
    assert response.status_code == 404
    assert not CaseMessage.objects.exists()


def test_the_request_can_be_refused_by_the_workflow(case: Case, clerk: User) -> None:
    client = signed_in(clerk)
    client.post(url(case), {"action": "transition", "to": "in_progress", "version": "1"})
    client.post(url(case), {"action": "transition", "to": "decided", "outcome": "granted",
                            "version": "2"})
    refused = client.post(url(case), {"action": "message", "message": "Noch etwas",
                                      "requested": "Foto", "version": "3"})
    assert refused.status_code == 400
    assert "cannot wait for the applicant" in plain(refused)
    assert 'href="#write"' in refused.content.decode()


def test_the_workbasket_marks_and_filters_replies_and_lapsed_deadlines(
        case: Case, clerk: User) -> None:
    quiet = copy_to(case.submission, "steueramt")
    lapsed = copy_to(case.submission, "steueramt", attention="lapsed")
    reply_by_citizen(submission=case.submission, text="Frage zur Gebühr", files=[])
    client = signed_in(clerk)
    listed = plain(client.get("/en/staff/submissions/"))
    assert "received reply received" in listed
    assert "deadline lapsed" in listed
    replies = plain(client.get("/en/staff/submissions/?attention=reply"))
    assert case.reference in replies
    assert quiet.reference not in replies
    assert lapsed.reference not in replies
    either = plain(client.get("/en/staff/submissions/?attention=any"))
    assert case.reference in either
    assert lapsed.reference in either
    assert quiet.reference not in either


def test_text_blocks_are_edited_in_the_german_admin_and_bad_placeholders_refused(
        case: Case, admin_client: Client) -> None:
    listed = plain(admin_client.get("/admin/cases/textblock/"))
    assert "Textbausteine" in listed
    assert "Rückfrage stellen" in listed
    form = plain(admin_client.get("/admin/cases/textblock/add/"))
    for label in ("Fachbereich", "Nur für die Leistung", "Text (Deutsch)", "Text (Englisch)",
                  "{applicant_name}"):
        assert label in form, label
    refused = admin_client.post("/admin/cases/textblock/add/", {
        "department": str(case.department_id), "title": "Kaputt", "key": "kaputt",
        "text_de": "Hallo {vorname}", "text_en": "Hello {{ user.password }}",
        "position": "0", "active": "on"})
    assert refused.status_code == 200
    said = plain(refused)
    assert "Unbekannter Platzhalter {vorname}." in said
    assert not TextBlock.objects.filter(key="kaputt").exists()
