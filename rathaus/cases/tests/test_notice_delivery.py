"""The notice of a decision: drafted on the case page, released with four eyes where the service
asks, frozen when sent, retrieved online (given the next day) or, after ten days, sent by post.

The clock is moved by patching ``django.utils.timezone.now``, as the retention tests do.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from rathaus.account.tests.factories import signed_in
from rathaus.applications.links import status_token
from rathaus.applications.tests.hund import SIMPLE_STEPS
from rathaus.applications.tests.journey import Journey, downloaded
from rathaus.audit.models import Action, AuditEvent
from rathaus.cases.models import (
    Case,
    CaseEvent,
    CaseNotice,
    CaseState,
    DeliveryChannel,
    EventKind,
    NoticeStatus,
)
from rathaus.cases.notice_delivery import end_lapsed_provisions, parse_fee
from rathaus.cases.retention import purge_cases
from rathaus.cases.services import change_state
from rathaus.core.tests.pdfs import assert_accessible_pdf
from rathaus.notices.models import Notice
from rathaus.notices.services import load_default_templates
from rathaus.staff.tests.factories import sign_in_verified, staff_user

from .factories import application, dog_registration

pytestmark = pytest.mark.django_db

DEPARTMENT = {"hund-anmelden": "steueramt", "geburtsurkunde": "standesamt",
              "gewerbe-anmelden": "ordnungsamt"}


@pytest.fixture
def templates(catalog: None) -> None:
    load_default_templates()


@contextmanager
def clock(at: dt.datetime) -> Iterator[None]:
    with mock.patch("django.utils.timezone.now", return_value=at):
        yield


def decided(case: Case, clerk: User, outcome: str) -> Case:
    case = change_state(case_id=case.pk, to=CaseState.IN_PROGRESS, actor=clerk,
                        expected_version=case.version)
    return change_state(case_id=case.pk, to=CaseState.DECIDED, actor=clerk,
                        expected_version=case.version, outcome=outcome)


def page_url(case: Case) -> str:
    return f"/de/staff/submissions/{case.reference}/"


def version_of(case: Case) -> int:
    case.refresh_from_db()
    return case.version


def post(client: Client, case: Case, action: str, **data: Any) -> Any:
    return client.post(page_url(case), {"action": action, "version": version_of(case), **data})


def text_of(response: Any) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def clerk_client(username: str, slug: str, *, lead: bool = False) -> tuple[Client, User]:
    department = DEPARTMENT[slug]
    user = staff_user(username, lead_of=(department,)) if lead else staff_user(
        username, clerk_of=(department,))
    user.first_name, user.last_name = username.title(), "Schröder"
    user.save()
    client = Client()
    sign_in_verified(client, user)
    return client, user


@pytest.mark.parametrize(("slug", "outcome", "applicant", "expected"), [
    ("hund-anmelden", "granted", "Erika Mustermann", "Hundesteuerbescheid"),
    ("hund-anmelden", "refused", "Erika Mustermann", "Ablehnung Ihrer Anmeldung"),
    ("geburtsurkunde", "granted", "Jonas Beispiel", "Gebühr von 24,00 €"),
    ("geburtsurkunde", "refused", "Jonas Beispiel", "Amtsgericht"),
    ("gewerbe-anmelden", "granted", "Aylin Yılmaz", "Empfangsbescheinigung"),
])
def test_the_clerk_drafts_previews_and_sends_the_notice_of_the_outcome(
        templates: None, read_pdf: Any, slug: str, outcome: str, applicant: str,
        expected: str) -> None:
    case = application(slug, consent=False)
    client, clerk = clerk_client("weber", slug)
    lead_client, _lead = clerk_client("lange", slug, lead=True)
    case = decided(case, clerk, outcome)

    page = text_of(client.get(page_url(case)))
    assert "Bescheid entwerfen" in page
    # A refusal without reasons is refused, what was typed stays.
    if outcome == "refused":
        response = post(client, case, "notice_draft", justification="", fee="12,5x")
        assert response.status_code == 400
        assert "Begründung" in text_of(response)
    response = post(client, case, "notice_draft",
                    justification="Die Angaben reichen für eine Entscheidung nicht aus.",
                    fee="24,00" if slug == "geburtsurkunde" else "96,00")
    assert response.status_code == 302, text_of(response)
    assert "Vorschau des Bescheids" in text_of(client.get(page_url(case)))

    preview = client.get(f"/de/staff/submissions/{case.reference}/notice/preview.pdf")
    assert preview.status_code == 200
    assert preview["Content-Security-Policy"] == "sandbox"
    assert applicant in read_pdf(preview.content)
    assert not Notice.objects.exists()  # a preview stores nothing

    sender = lead_client if slug == "gewerbe-anmelden" else client
    if slug == "gewerbe-anmelden":
        assert post(client, case, "notice_send").status_code == 302
    response = post(sender, case, "notice_release" if slug == "gewerbe-anmelden"
                    else "notice_send")
    assert response.status_code == 302
    item = CaseNotice.objects.get(case=case)
    assert item.status == NoticeStatus.SENT
    assert item.notice is not None
    with item.notice.pdf.open("rb") as handle:
        data = handle.read()
    assert hashlib.sha256(data).hexdigest() == item.notice.sha256
    text = read_pdf(data)
    for part in (applicant, case.reference, expected, "elektronisch erstellt",
                 "Rechtsbehelfsbelehrung"):
        assert part in re.sub(r"\s+", " ", text), part
    assert_accessible_pdf(data, language="de", title_part=case.reference)
    # Without consent to the retrieval the notice goes by post from the start.
    assert item.channel == DeliveryChannel.POST
    assert item.postal_needed
    page = text_of(client.get(page_url(case)))
    assert "Zustellung per Post nötig" in page
    assert "Bescheid erstellt; Versand per Post" in page


def test_four_eyes_the_drafter_and_a_clerk_cannot_release_another_lead_can(
        templates: None) -> None:
    case = application("gewerbe-anmelden")
    clerk_client_, clerk = clerk_client("weber", "gewerbe-anmelden")
    drafter_client, _drafter = clerk_client("lange", "gewerbe-anmelden", lead=True)
    other_client, _other = clerk_client("brandt", "gewerbe-anmelden", lead=True)
    case = decided(case, clerk, "granted")
    assert post(drafter_client, case, "notice_draft", fee="26,00").status_code == 302
    page = text_of(drafter_client.get(page_url(case)))
    assert "Bescheid zur Freigabe vorlegen" in page
    assert post(drafter_client, case, "notice_send").status_code == 302
    assert CaseNotice.objects.get(case=case).status == NoticeStatus.AWAITING_RELEASE

    refused = post(clerk_client_, case, "notice_release")
    assert refused.status_code == 400
    assert "Nur die Leitung der Abteilung darf einen Bescheid freigeben." in text_of(refused)
    own = post(drafter_client, case, "notice_release")
    assert own.status_code == 400
    assert "Vier-Augen-Prinzip" in text_of(own)
    assert not Notice.objects.exists()

    assert post(other_client, case, "notice_release").status_code == 302
    item = CaseNotice.objects.select_related("released_by").get(case=case)
    assert item.status == NoticeStatus.SENT
    assert item.released_by is not None
    assert item.released_by.username == "brandt"
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds[-3:] == [EventKind.NOTICE_SUBMITTED, EventKind.NOTICE_RELEASED,
                          EventKind.NOTICE_PROVIDED]
    # The decision has its notice: no second one without reopening the case.
    assert "Bescheid entwerfen" not in text_of(clerk_client_.get(page_url(case)))
    again = post(clerk_client_, case, "notice_draft", fee="26,00")
    assert again.status_code == 400
    assert "Der Bescheid zu dieser Entscheidung ist versandt." in text_of(again)
    assert CaseNotice.objects.filter(case=case).count() == 1


def test_a_stale_page_saves_nothing(templates: None) -> None:
    case = application("hund-anmelden")
    client, clerk = clerk_client("weber", "hund-anmelden")
    case = decided(case, clerk, "granted")
    stale = version_of(case)
    assert post(client, case, "notice_draft", fee="96").status_code == 302
    response = client.post(page_url(case), {"action": "notice_send", "version": stale})
    assert response.status_code == 409
    assert CaseNotice.objects.get(case=case).status == NoticeStatus.DRAFT


def _send(case: Case, client: Client) -> CaseNotice:
    assert post(client, case, "notice_draft", fee="96,00").status_code == 302
    assert post(client, case, "notice_send").status_code == 302
    return CaseNotice.objects.select_related("notice").get(case=case)


def test_signed_in_the_notice_reaches_the_mailbox_and_the_first_download_makes_it_given(
        templates: None, django_capture_on_commit_callbacks: Any) -> None:
    citizen_client = Client()
    erika = signed_in(citizen_client)
    assert erika.email
    case = application("hund-anmelden", citizen=erika, email="")
    client, clerk = clerk_client("weber", "hund-anmelden")
    case = decided(case, clerk, "granted")
    sent_at = dt.datetime(2026, 12, 3, 22, 30, tzinfo=dt.UTC)  # 23:30 in Berlin
    with clock(sent_at), django_capture_on_commit_callbacks(execute=True):
        item = _send(case, client)
    assert item.channel == DeliveryChannel.RETRIEVAL
    assert item.provision_ends_at == sent_at + dt.timedelta(days=10)
    message_id = item.mailbox_message_id
    assert message_id is not None
    mailbox = text_of(citizen_client.get("/de/mein-rathaus/postfach/"))
    assert f"Bescheid zu Ihrem Antrag {case.reference}" in mailbox
    assert [entry.to for entry in mail.outbox] == [[erika.email]]
    assert case.reference not in mail.outbox[0].body

    retrieved_at = dt.datetime(2026, 12, 5, 23, 15, tzinfo=dt.UTC)  # 6 December in Berlin
    with clock(retrieved_at):
        first = citizen_client.get(f"/de/mein-rathaus/postfach/{message_id}/anhang/")
    assert first.status_code == 200
    assert item.notice is not None
    assert hashlib.sha256(downloaded(first)).hexdigest() == item.notice.sha256
    with clock(retrieved_at + dt.timedelta(days=1)):
        again = citizen_client.get(f"/de/mein-rathaus/postfach/{message_id}/anhang/")
        assert again.status_code == 200
        downloaded(again)
    item.refresh_from_db()
    assert item.retrieved_at == retrieved_at
    assert item.given_on == dt.date(2026, 12, 7)
    assert case.events.filter(kind=EventKind.NOTICE_RETRIEVED).count() == 1
    assert AuditEvent.objects.filter(action=Action.NOTICE_RETRIEVED).count() == 1
    staff_page = text_of(client.get(page_url(case)))
    assert "Gilt als bekannt gegeben am 7. Dezember 2026" in staff_page
    assert "gilt am 7. Dezember 2026 als bekannt gegeben" in staff_page  # the timeline
    status = text_of(citizen_client.get(f"/en/status/{status_token(case.submission)}/"))
    assert "You retrieved the notice on 6 December 2026; it counts as given on 7 December " \
           "2026." in status


def test_anonymous_the_mail_says_nothing_of_the_decision_and_the_link_serves_the_same_bytes(
        templates: None, django_capture_on_commit_callbacks: Any) -> None:
    case = application("geburtsurkunde", email="jonas@example.org")
    other = application("geburtsurkunde", email="max@example.org")
    client, clerk = clerk_client("weber", "geburtsurkunde")
    case = decided(case, clerk, "refused")
    with django_capture_on_commit_callbacks(execute=True):
        drafted = post(client, case, "notice_draft",
                       justification="Ein rechtliches Interesse ist nicht dargelegt.")
        assert drafted.status_code == 302
        assert post(client, case, "notice_send").status_code == 302
    item = CaseNotice.objects.select_related("notice").get(case=case)
    assert item.notice is not None
    assert len(mail.outbox) == 1
    body = str(mail.outbox[0].body)
    assert mail.outbox[0].to == ["jonas@example.org"]
    assert case.reference in body
    for secret in ("abgelehnt", "Ablehnung", "rechtliches Interesse", "refused", "Begründung"):
        assert secret not in body + str(mail.outbox[0].subject)
    link = re.search(r"http://\S+/status/\S+/", body)
    assert link is not None

    token = status_token(case.submission)
    citizen = Client()
    page = text_of(citizen.get(f"/de/status/{token}/"))
    assert "Bescheide" in page
    assert "Bescheid herunterladen (PDF)" in page
    url = f"/de/status/{token}/bescheid/{item.pk}.pdf"
    response = citizen.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert hashlib.sha256(response.content).hexdigest() == item.notice.sha256
    item.refresh_from_db()
    assert item.retrieved_at is not None
    assert citizen.get(url).content == response.content
    assert case.events.filter(kind=EventKind.NOTICE_RETRIEVED).count() == 1

    assert Client().get(f"/de/status/{token}x/bescheid/{item.pk}.pdf").status_code == 404
    other_token = status_token(other.submission)
    assert Client().get(f"/de/status/{other_token}/bescheid/{item.pk}.pdf").status_code == 404


def test_not_retrieved_in_ten_days_the_provision_ends_and_the_department_posts_it(
        templates: None, django_capture_on_commit_callbacks: Any) -> None:
    case = application("hund-anmelden", email="erika@example.org")
    client, clerk = clerk_client("weber", "hund-anmelden")
    case = decided(case, clerk, "granted")
    sent_at = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        item = _send(case, client)
    url = f"/de/status/{status_token(case.submission)}/bescheid/{item.pk}.pdf"

    with clock(sent_at + dt.timedelta(days=9, hours=23)):
        assert end_lapsed_provisions() == 0
    with clock(sent_at + dt.timedelta(days=10, minutes=1)):
        call_command("notice_deliveries", verbosity=0)
        call_command("notice_deliveries", verbosity=0)
        assert Client().get(url).status_code == 404
        status = text_of(Client().get(f"/en/status/{status_token(case.submission)}/"))
    item.refresh_from_db()
    assert item.lapsed_at is not None
    assert item.postal_needed
    assert item.retrieved_at is None
    assert case.events.filter(kind=EventKind.NOTICE_LAPSED).count() == 1
    assert "The notice is being sent to you by post." in status
    assert "Download the notice" not in status

    page = text_of(client.get(page_url(case)))
    assert "Zustellung per Post nötig" in page
    assert "innerhalb von zehn Tagen nicht abgerufen" in page
    printed = client.get(f"/de/staff/submissions/{case.reference}/notice/{item.pk}.pdf")
    assert printed.status_code == 200
    assert item.notice is not None
    assert hashlib.sha256(printed.content).hexdigest() == item.notice.sha256
    assert AuditEvent.objects.filter(action=Action.NOTICE_OPENED).exists()
    stranger, _user = clerk_client("fremd", "geburtsurkunde")
    assert stranger.get(
        f"/de/staff/submissions/{case.reference}/notice/{item.pk}.pdf").status_code == 404

    wrong = post(client, case, "notice_posted", case_notice=item.pk, posted_on="31.02.2026")
    assert wrong.status_code == 400
    assert "TT.MM.JJJJ" in text_of(wrong)
    assert 'value="31.02.2026"' in wrong.content.decode()
    today = timezone.localdate()
    response = post(client, case, "notice_posted", case_notice=item.pk,
                    posted_on=today.isoformat())
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.posted_on == today
    assert item.given_on == today + dt.timedelta(days=4)
    assert "Zustellung per Post nötig" not in text_of(client.get(page_url(case)))
    assert case.events.filter(kind=EventKind.NOTICE_POSTED).count() == 1


def test_the_journey_carries_the_consent_and_the_history_says_it_in_plain_words(
        templates: None, django_capture_on_commit_callbacks: Any) -> None:
    assert "notice_by_retrieval" not in dog_registration().submission.answers  # not ticked
    journey = Journey(Client(), "hund-anmelden", language="en").start()
    for step_id, data in SIMPLE_STEPS:
        journey.answer(step_id, {**data, "notice_by_retrieval": "yes"}
                       if step_id == "declaration" else data)
    case = Case.objects.get(submission=journey.submit())
    assert case.submission.answers["notice_by_retrieval"] is True
    client, clerk = clerk_client("weber", "hund-anmelden")
    case = decided(case, clerk, "granted")
    with django_capture_on_commit_callbacks(execute=True):
        item = _send(case, client)
    assert item.channel == DeliveryChannel.RETRIEVAL
    status = text_of(Client().get(f"/en/status/{status_token(case.submission)}/"))
    until = item.provision_ends_at
    assert until is not None
    assert "A notice was provided for you to retrieve until" in status
    assert CaseEvent.objects.filter(case=case, kind=EventKind.NOTICE_PROVIDED).exists()


def test_after_the_provision_the_mailbox_copy_is_no_longer_served(
        templates: None, django_capture_on_commit_callbacks: Any) -> None:
    citizen_client = Client()
    erika = signed_in(citizen_client)
    case = application("hund-anmelden", citizen=erika, email="")
    client, clerk = clerk_client("weber", "hund-anmelden")
    case = decided(case, clerk, "granted")
    sent_at = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        item = _send(case, client)
    with clock(sent_at + dt.timedelta(days=10, hours=1)):
        assert end_lapsed_provisions() == 1
        response = citizen_client.get(
            f"/en/mein-rathaus/postfach/{item.mailbox_message_id}/anhang/")
    assert response.status_code == 410
    assert "It is being sent to you by post." in text_of(response)
    item.refresh_from_db()
    assert item.retrieved_at is None
    assert not case.events.filter(kind=EventKind.NOTICE_RETRIEVED).exists()


def test_a_draft_that_no_longer_fits_a_new_decision_is_not_sent(templates: None) -> None:
    case = application("hund-anmelden")
    client, clerk = clerk_client("weber", "hund-anmelden")
    _lead_client, lead = clerk_client("lange", "hund-anmelden", lead=True)
    case = decided(case, clerk, "granted")
    assert post(client, case, "notice_draft", fee="96").status_code == 302
    case = change_state(case_id=case.pk, to=CaseState.IN_PROGRESS, actor=lead,
                        expected_version=version_of(case))
    case = change_state(case_id=case.pk, to=CaseState.DECIDED, actor=clerk,
                        expected_version=case.version, outcome="refused")
    response = post(client, case, "notice_send")
    assert response.status_code == 400
    assert "Der Entwurf passt nicht mehr zur Entscheidung" in text_of(response)
    assert not Notice.objects.exists()


@pytest.mark.parametrize(("typed", "cents"), [
    ("96", 9600), ("96,00", 9600), ("1.234,50", 123450), ("96.00", 9600), ("€ 12,50", 1250),
    ("", 0), ("12,555", None), ("-3", None), ("1e5", None), ("NaN", None), ("٣", None),
    ("9" * 40, None),
])
def test_amounts_are_read_as_staff_type_them(typed: str, cents: int | None) -> None:
    assert parse_fee(typed) == cents


def test_a_wrong_amount_is_named_and_kept(templates: None) -> None:
    case = application("geburtsurkunde")
    client, clerk = clerk_client("weber", "geburtsurkunde")
    case = decided(case, clerk, "granted")
    response = post(client, case, "notice_draft", fee="zwölf Euro", justification="Gut.")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Geben Sie den Betrag in Euro an, zum Beispiel 12,50." in text_of(response)
    assert 'value="zwölf Euro"' in page
    assert 'href="#id_fee"' in page
    assert ">Gut.</textarea>" in page
    assert not CaseNotice.objects.exists()


def test_the_purge_takes_the_case_with_its_notices(
        templates: None, django_capture_on_commit_callbacks: Any) -> None:
    case = application("hund-anmelden", consent=False)
    client, clerk = clerk_client("weber", "hund-anmelden")
    case = decided(case, clerk, "granted")
    item = _send(case, client)
    assert item.notice is not None
    stored = str(item.notice.pdf.name)
    case = change_state(case_id=case.pk, to=CaseState.CLOSED, actor=clerk,
                        expected_version=version_of(case))
    with django_capture_on_commit_callbacks(execute=True):
        report = purge_cases(now=timezone.now() + dt.timedelta(days=3651))
    assert report.cases == 1
    assert report.notices == 1
    assert not CaseNotice.objects.exists()
    assert not Notice.objects.exists()
    assert not default_storage.exists(stored)


def test_a_notice_that_sets_an_amount_is_not_drafted_with_none(templates: None) -> None:
    case = application("hund-anmelden", consent=False)
    client, clerk = clerk_client("weber", "hund-anmelden")
    case = decided(case, clerk, "granted")
    response = post(client, case, "notice_draft", fee="")
    assert response.status_code == 400
    assert "Dieser Bescheid setzt einen Betrag fest" in text_of(response)
    assert not CaseNotice.objects.filter(case=case).exists()
    # A refusal names no amount: none is needed.
    other = decided(application("hund-anmelden", consent=False), clerk, "refused")
    assert post(client, other, "notice_draft", justification="Kein Hund gemeldet.",
                fee="").status_code == 302
