"""The conversation: a clerk requests documents, the citizen reads and replies on the status page.

What is asserted is what each side notices: the case's state, the pages, the e-mails (which
name nothing of the message), the mailbox, the stored files, the clerk's reminder.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from rathaus.applications.models import Submission, SubmissionStatus, Upload
from rathaus.applications.tests.test_sensitive_receipt import apply, renate
from rathaus.cases import conversation
from rathaus.cases.conversation import REPLY_FIELD, reply_by_citizen, send_message
from rathaus.cases.models import (
    Attention,
    Case,
    CaseMessage,
    CaseState,
    Direction,
    EventKind,
    TextBlock,
)
from rathaus.cases.services import (
    CaseChanged,
    CaseError,
    InvalidInput,
    NotPermitted,
    TransitionRefused,
    add_note,
    change_state,
)
from rathaus.cases.text_blocks import fill
from rathaus.catalog.models import Department, Service
from rathaus.forms.schema import FieldDef, Text
from rathaus.staff.tests.factories import staff_user

from .conversation_helpers import (
    LETTER,
    REQUESTED,
    in_days,
    not_a_pdf,
    png,
    reply_path,
    request_documents,
    status_path,
)
from .factories import copy_to, dog_registration

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(catalog: None) -> Case:
    return dog_registration()


@pytest.fixture
def clerk(db: Any) -> User:
    return staff_user("weber", clerk_of=("steueramt",))


def page(response: Any) -> str:
    import html

    return html.unescape(response.content.decode())


# -- the clerk writes ------------------------------------------------------------------------


def test_a_request_makes_the_case_wait_and_the_email_names_nothing_of_it(
        case: Case, clerk: User, django_capture_on_commit_callbacks: Any) -> None:
    mail.outbox.clear()
    message = request_documents(case, clerk, django_capture_on_commit_callbacks)
    case.refresh_from_db()
    assert case.state == CaseState.WAITING_FOR_CITIZEN
    assert case.version == 2
    assert message.notified == "email"
    event = case.events.get(kind=EventKind.DOCUMENTS_REQUESTED)
    assert (event.from_state, event.to_state, event.actor) == ("received", "waiting_for_citizen",
                                                               clerk)
    case.submission.refresh_from_db()
    assert case.submission.status == SubmissionStatus.WAITING

    [notice] = mail.outbox
    assert notice.to == ["erika@example.org"]
    assert case.reference in notice.subject
    body = str(notice.body)
    assert case.reference in body
    assert re.search(r"/en/status/[^/\s]+/", body), body
    for secret in ("Versicherungsschein", "Bello", REQUESTED, "Register a dog", "weber"):
        assert secret not in body, secret
        assert secret not in notice.subject, secret


def test_a_german_applicant_gets_the_notice_in_german(
        case: Case, clerk: User, django_capture_on_commit_callbacks: Any) -> None:
    Submission.objects.filter(pk=case.submission_id).update(language="de")
    mail.outbox.clear()
    request_documents(case, clerk, django_capture_on_commit_callbacks)
    [notice] = mail.outbox
    assert "Nachricht zu Ihrem Antrag" in notice.subject
    assert "/de/status/" in str(notice.body)


def test_a_plain_message_leaves_the_state_and_clears_the_marker(
        case: Case, clerk: User, django_capture_on_commit_callbacks: Any) -> None:
    Case.objects.filter(pk=case.pk).update(attention=Attention.REPLY)
    with django_capture_on_commit_callbacks(execute=True):
        send_message(case_id=case.pk, text="Wir melden uns nächste Woche.", actor=clerk,
                     expected_version=1)
    case.refresh_from_db()
    assert (case.state, case.attention) == (CaseState.RECEIVED, "")
    assert case.events.filter(kind=EventKind.MESSAGE_SENT).count() == 1


def test_a_request_is_refused_where_the_workflow_has_no_waiting_step(
        case: Case, clerk: User) -> None:
    case = change_state(case_id=case.pk, to=CaseState.IN_PROGRESS, actor=clerk,
                        expected_version=1)
    case = change_state(case_id=case.pk, to=CaseState.DECIDED, actor=clerk,
                        expected_version=case.version, outcome="granted")
    with pytest.raises(TransitionRefused, match="cannot wait for the applicant"):
        send_message(case_id=case.pk, text=LETTER, actor=clerk, expected_version=case.version,
                     request_deadline=in_days(7), requested=REQUESTED)
    assert not CaseMessage.objects.exists()
    case.refresh_from_db()
    assert case.state == CaseState.DECIDED


def test_a_stale_page_sends_nothing_and_says_what_changed(
        case: Case, clerk: User) -> None:
    change_state(case_id=case.pk, to=CaseState.IN_PROGRESS, actor=clerk, expected_version=1)
    with pytest.raises(CaseChanged) as changed:
        send_message(case_id=case.pk, text=LETTER, actor=clerk, expected_version=1)
    assert [event.to_state for event in changed.value.changes] == ["in_progress"]
    assert not CaseMessage.objects.exists()


def test_a_clerk_of_another_department_cannot_write(case: Case) -> None:
    stranger = staff_user("fremd", clerk_of=("soziales",))
    with pytest.raises(NotPermitted):
        send_message(case_id=case.pk, text=LETTER, actor=stranger, expected_version=1)
    assert not CaseMessage.objects.exists()


@pytest.mark.parametrize(("values", "field", "says"), [
    ({"text": "  "}, "message", "Write the message."),
    ({"request_deadline": dt.date(2020, 1, 1), "requested": REQUESTED}, "deadline",
     "The deadline must be after today."),
    ({"request_deadline": "today"}, "deadline", "The deadline must be after today."),
    ({"request_deadline": "later"}, "requested", "Say what you request"),
])
def test_bad_input_of_the_clerk_is_named(case: Case, clerk: User, values: dict[str, Any],
                                         field: str, says: str) -> None:
    arguments: dict[str, Any] = {"text": LETTER, **values}
    if arguments.get("request_deadline") == "today":
        arguments.update(request_deadline=timezone.localdate(), requested=REQUESTED)
    elif arguments.get("request_deadline") == "later":
        arguments.update(request_deadline=in_days(3))
    with pytest.raises(InvalidInput) as refused:
        send_message(case_id=case.pk, actor=clerk, expected_version=1, **arguments)
    assert refused.value.field == field
    assert says in str(refused.value.message)


# -- the citizen without an account: the signed link -----------------------------------------


def test_the_applicant_reads_the_request_and_replies_with_a_file_through_the_link(
        case: Case, clerk: User, django_capture_on_commit_callbacks: Any) -> None:
    add_note(case_id=case.pk, text="Versicherung rief an: Police läuft aus", actor=clerk,
             expected_version=1)
    request_documents(case, clerk, django_capture_on_commit_callbacks)
    reader = Client()
    status = page(reader.get(status_path(case)))
    assert "Messages about your application" in status
    assert LETTER in status
    assert REQUESTED in status
    assert f"We need from you, by {in_days(14):%-d %B %Y}:" in status
    assert "Open: please reply below." in status
    assert "Police läuft aus" not in status  # internal notes stay in the department
    assert "weber" not in status
    assert f"We asked you for documents or information (by {in_days(14):%-d %B %Y})." in status

    response = reader.post(reply_path(case), {"reply": "Anbei der Versicherungsschein.",
                                              "files": [png()]})
    assert response.status_code == 302
    assert response["Location"].endswith("#conversation")
    after = page(reader.get(response["Location"]))
    assert "Thank you, your reply has been sent." in after
    assert "Anbei der Versicherungsschein." in after
    assert "Files sent: versicherung.png" in after
    assert "You replied." in after

    case.refresh_from_db()
    assert (case.state, case.attention) == (CaseState.IN_PROGRESS, Attention.REPLY)
    reply = CaseMessage.objects.get(direction=Direction.FROM_CITIZEN)
    [upload] = reply.files.all()
    assert (upload.submission_id, upload.field_id, upload.content_type) == (
        case.submission_id, REPLY_FIELD, "image/png")
    with upload.file.open("rb") as handle:
        assert handle.read().startswith(b"\x89PNG")
    assert CaseMessage.objects.get(direction=Direction.TO_CITIZEN).citizen_read_at is not None
    event = case.events.get(kind=EventKind.CITIZEN_REPLIED)
    assert (event.actor_label, event.to_state) == ("citizen", "in_progress")


def test_a_bad_reply_says_why_keeps_the_text_and_stores_nothing(
        case: Case, clerk: User, django_capture_on_commit_callbacks: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    request_documents(case, clerk, django_capture_on_commit_callbacks)
    reader = Client()
    empty = reader.post(reply_path(case), {"reply": "   "})
    assert empty.status_code == 400
    assert "Write your reply or attach a file." in page(empty)
    assert 'href="#id_reply"' in empty.content.decode()

    wrong = reader.post(reply_path(case), {"reply": "Hier der Nachweis", "files": [not_a_pdf()]})
    assert wrong.status_code == 400
    body = page(wrong)
    assert "must be in PDF, JPG or PNG format" in body
    assert ">Hier der Nachweis</textarea>" in body
    assert 'aria-invalid="true"' in body

    german = reader.post(reply_path(case, "de"), {"reply": "x", "files": [not_a_pdf()]})
    assert "Die Datei für „Datei“ muss im Format PDF, JPG oder PNG vorliegen." in page(german)

    monkeypatch.setattr(conversation, "REPLY_FILE_FIELD", FieldDef(
        id="reply_file", type="file", required=False, label=Text(de="Datei", en="File"),
        max_size_mb=1))
    big = SimpleUploadedFile("gross.png", png().read() + b"\0" * (1024 * 1024 + 10),
                             content_type="image/png")
    large = reader.post(reply_path(case), {"reply": "Groß", "files": [big]})
    assert large.status_code == 400
    assert "must be smaller than 1 MB" in page(large)

    too_many = reader.post(reply_path(case), {"reply": "Viele",
                                              "files": [png(), png(), png(), png()]})
    assert "Attach at most 3 files to one reply." in page(too_many)
    assert not CaseMessage.objects.filter(direction=Direction.FROM_CITIZEN).exists()
    assert not Upload.objects.filter(field_id=REPLY_FIELD).exists()
    case.refresh_from_db()
    assert case.state == CaseState.WAITING_FOR_CITIZEN


def test_a_tampered_link_opens_and_stores_nothing(
        case: Case, clerk: User, django_capture_on_commit_callbacks: Any) -> None:
    request_documents(case, clerk, django_capture_on_commit_callbacks)
    tampered = reply_path(case).replace("/antworten/", "xx/antworten/")
    assert Client().get(tampered).status_code == 404
    response = Client().post(tampered, {"reply": "Hallo", "files": [png()]})
    assert response.status_code == 404
    assert LETTER not in page(response)
    assert not CaseMessage.objects.filter(direction=Direction.FROM_CITIZEN).exists()


def test_no_reply_once_the_case_has_ended(
        case: Case, clerk: User, django_capture_on_commit_callbacks: Any) -> None:
    request_documents(case, clerk, django_capture_on_commit_callbacks)
    case.refresh_from_db()
    change_state(case_id=case.pk, to=CaseState.WITHDRAWN, actor=clerk,
                 expected_version=case.version)
    status = page(Client().get(status_path(case)))
    assert LETTER in status  # still readable
    assert "Send reply" not in status
    response = Client().post(reply_path(case), {"reply": "Zu spät"}, follow=True)
    assert "There is nothing to reply to here." in page(response)
    with pytest.raises(CaseError):
        reply_by_citizen(submission=case.submission, text="Zu spät", files=[])


def test_without_any_message_there_is_no_conversation_and_no_reply(case: Case) -> None:
    assert "Messages about your application" not in page(Client().get(status_path(case)))
    response = Client().post(reply_path(case), {"reply": "Hallo"})
    assert response.status_code == 302
    assert not CaseMessage.objects.exists()


# -- health data, and the citizen signed in ---------------------------------------------------


@pytest.fixture
def health_case(client: Client, catalog: None,
                django_capture_on_commit_callbacks: Any) -> tuple[Case, str]:
    submission, mailed = apply(client, django_capture_on_commit_callbacks)
    return Case.objects.get(submission=submission), mailed


def test_health_data_the_link_alone_shows_only_that_there_is_a_message(
        health_case: tuple[Case, str], django_capture_on_commit_callbacks: Any) -> None:
    case, mailed = health_case
    clerk = staff_user("sozial", clerk_of=("soziales",))
    mail.outbox.clear()
    request_documents(case, clerk, django_capture_on_commit_callbacks,
                      text="Bitte senden Sie den Befund von Dr. Berg zum Kniegelenk.")
    reader = Client()
    status = page(reader.get(mailed))
    assert "There is 1 message about this application." in page(
        reader.get(mailed.replace("/de/", "/en/")))
    assert "Es gibt 1 Nachricht zu diesem Antrag." in status
    assert "Kniegelenk" not in status
    assert REQUESTED not in status
    assert 'name="reply"' not in status
    refused = reader.post(mailed + "antworten/", {"reply": "Befund anbei", "files": [png()]},
                          follow=True)
    assert "Kniegelenk" not in page(refused)
    assert not CaseMessage.objects.filter(direction=Direction.FROM_CITIZEN).exists()

    assert all("Kniegelenk" not in str(item.body) for item in mail.outbox)
    assert CaseMessage.objects.get().notified == "mailbox"


def test_health_data_the_signed_in_owner_reads_and_replies_from_mein_rathaus(
        health_case: tuple[Case, str], django_capture_on_commit_callbacks: Any) -> None:
    case, mailed = health_case
    clerk = staff_user("sozial", clerk_of=("soziales",))
    request_documents(case, clerk, django_capture_on_commit_callbacks,
                      text="Bitte senden Sie den Befund von Dr. Berg zum Kniegelenk.")
    owner = Client()
    renate(owner)
    # The mailbox tells the owner, naming the reference and the page, not the text.
    mailbox = page(owner.get("/de/mein-rathaus/postfach/"))
    assert f"Neue Nachricht zu Ihrem Antrag {case.reference}" in mailbox
    opened = re.search(r'href="(/de/mein-rathaus/postfach/\d+/)"', mailbox)
    assert opened, mailbox
    notice = page(owner.get(opened.group(1)))
    assert mailed in notice
    assert "Kniegelenk" not in notice
    listed = page(owner.get("/de/mein-rathaus/antraege/"))
    link = re.search(r'href="([^"]*/status/[^"]+/)"', listed)
    assert link, listed
    status = page(owner.get(link.group(1)))
    assert "Kniegelenk" in status
    assert 'name="reply"' in status
    response = owner.post(link.group(1) + "antworten/", {"reply": "Befund anbei",
                                                         "files": [png("befund.png")]})
    assert response.status_code == 302
    [upload] = Upload.objects.filter(field_id=REPLY_FIELD)
    with upload.file.open("rb") as handle:
        raw = handle.read()
    assert not raw.startswith(b"\x89PNG"), "a reply about health data is stored sealed"
    case.refresh_from_db()
    assert case.state == CaseState.IN_PROGRESS


# -- lapsed deadlines ------------------------------------------------------------------------


def test_a_lapsed_deadline_reminds_the_clerk_once(
        case: Case, clerk: User, django_capture_on_commit_callbacks: Any) -> None:
    Case.objects.filter(pk=case.pk).update(assignee=clerk)
    request_documents(case, clerk, django_capture_on_commit_callbacks, days=3)
    answered = copy_to(case.submission, "steueramt")
    request_documents(answered, clerk, django_capture_on_commit_callbacks, days=3)
    reply_by_citizen(submission=answered.submission, text="Erledigt", files=[])
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("case_reminders", stdout=io.StringIO())
    assert mail.outbox == []  # not lapsed yet

    later = timezone.now() + dt.timedelta(days=5)
    with mock.patch("django.utils.timezone.now", return_value=later):
        for _run in range(2):
            with django_capture_on_commit_callbacks(execute=True):
                call_command("case_reminders", stdout=io.StringIO())
    [reminder] = mail.outbox
    assert reminder.to == ["weber@example.org"]
    assert case.reference in reminder.subject
    assert f"/de/staff/submissions/{case.reference}/" in str(reminder.body)
    assert "Bello" not in str(reminder.body)
    assert LETTER not in str(reminder.body)
    case.refresh_from_db()
    assert case.attention == Attention.LAPSED
    assert case.events.filter(kind=EventKind.DEADLINE_LAPSED).count() == 1
    assert not answered.events.filter(kind=EventKind.DEADLINE_LAPSED).exists()
    # The citizen's history does not mention the department's reminder.
    assert "lapsed" not in page(Client().get(status_path(case)))


def test_an_unassigned_case_reminds_the_department(
        case: Case, clerk: User, django_capture_on_commit_callbacks: Any) -> None:
    request_documents(case, clerk, django_capture_on_commit_callbacks, days=1)
    mail.outbox.clear()
    with mock.patch("django.utils.timezone.now",
                    return_value=timezone.now() + dt.timedelta(days=3)), \
            django_capture_on_commit_callbacks(execute=True):
        conversation.remind_lapsed_deadlines()
    assert [item.to for item in mail.outbox] == [[case.department.email]]


# -- text blocks -----------------------------------------------------------------------------


def test_the_shipped_text_blocks_load_once_and_edits_are_kept(catalog: None) -> None:
    call_command("load_text_blocks", stdout=io.StringIO())
    tax = Department.objects.get(slug="steueramt")
    dog_block = TextBlock.objects.get(department=tax, key="nachweis-haftpflicht-hund")
    assert dog_block.service == Service.objects.get(slug="hund-anmelden")
    assert TextBlock.objects.filter(key="rueckfrage").count() == Department.objects.count()
    dog_block.title = "Versicherung (geändert)"
    dog_block.save()
    count = TextBlock.objects.count()
    call_command("load_text_blocks", stdout=io.StringIO())
    assert TextBlock.objects.count() == count
    dog_block.refresh_from_db()
    assert dog_block.title == "Versicherung (geändert)"


def test_a_text_block_with_an_unknown_placeholder_or_template_code_is_refused(
        catalog: None) -> None:
    block = TextBlock(department=Department.objects.get(slug="steueramt"), key="x",
                      title="X", text_de="Hallo {vorname}", text_en="Hello {% if x %}")
    with pytest.raises(ValidationError) as refused:
        block.full_clean()
    said = str(refused.value.message_dict)
    assert "{vorname}" in said
    assert "text_en" in refused.value.message_dict


def test_filling_a_block_keeps_values_as_plain_text() -> None:
    filled = fill("Guten Tag {applicant_name}, Vorgang {reference} {unbekannt}",
                  {"applicant_name": "<b>Erika</b>", "reference": "AB12"})
    assert filled == "Guten Tag <b>Erika</b>, Vorgang AB12 {unbekannt}"


def test_the_purge_takes_the_conversation_and_its_files_with_the_case(
        case: Case, clerk: User, django_capture_on_commit_callbacks: Any) -> None:
    from rathaus.cases.retention import purge_cases

    request_documents(case, clerk, django_capture_on_commit_callbacks)
    reply_by_citizen(submission=case.submission, text="Anbei", files=[png()])
    [upload] = Upload.objects.filter(field_id=REPLY_FIELD)
    storage, name = upload.file.storage, str(upload.file.name)
    case.refresh_from_db()
    change_state(case_id=case.pk, to=CaseState.WITHDRAWN, actor=clerk,
                 expected_version=case.version)
    with django_capture_on_commit_callbacks(execute=True):
        report = purge_cases(now=timezone.now() + dt.timedelta(days=4000))
    assert report.cases == 1
    assert not CaseMessage.objects.exists()
    assert not Upload.objects.exists()
    assert not storage.exists(name)


def test_a_deadline_left_open_in_a_text_block_is_filled_when_sent_or_asked_for(
        case: Case, clerk: User) -> None:
    text = "Bitte laden Sie den Nachweis bis zum {deadline} hoch."
    with pytest.raises(InvalidInput, match="names a deadline") as refused:
        send_message(case_id=case.pk, text=text, actor=clerk, expected_version=1)
    assert refused.value.field == "deadline"
    message = send_message(case_id=case.pk, text=text, actor=clerk, expected_version=1,
                           request_deadline=dt.date(2099, 3, 1), requested=REQUESTED)
    # The applicant wrote in English, so the date is in English.
    assert message.text == "Bitte laden Sie den Nachweis bis zum 1 March 2099 hoch."


def test_a_clerks_write_during_the_reply_is_read_again_not_a_failure(
        case: Case, clerk: User, django_capture_on_commit_callbacks: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    request_documents(case, clerk, django_capture_on_commit_callbacks)
    from rathaus.cases.services import _locked_read as real_read

    interrupted: list[int] = []

    def read_then_a_colleague_writes(case_id: int) -> Case:
        found = real_read(case_id)
        if not interrupted:
            interrupted.append(case_id)
            add_note(case_id=case_id, text="dazwischen", actor=clerk,
                     expected_version=found.version)
        return found

    monkeypatch.setattr("rathaus.cases.conversation._locked_read", read_then_a_colleague_writes)
    reply_by_citizen(submission=case.submission, text="Hier ist er", files=[])
    case.refresh_from_db()
    assert (case.state, case.version) == (CaseState.IN_PROGRESS, 4)
    assert CaseMessage.objects.filter(direction=Direction.FROM_CITIZEN).count() == 1


def test_the_receipt_lists_the_files_of_the_application_not_those_of_a_reply(
        case: Case, clerk: User, django_capture_on_commit_callbacks: Any,
        read_pdf: Any) -> None:
    from rathaus.applications.services import ensure_receipt

    request_documents(case, clerk, django_capture_on_commit_callbacks)
    reply_by_citizen(submission=case.submission, text="Anbei", files=[png("nachgereicht.png")])
    text = read_pdf(ensure_receipt(submission=Submission.objects.get(pk=case.submission_id)))
    assert case.reference in text
    assert "nachgereicht.png" not in text
