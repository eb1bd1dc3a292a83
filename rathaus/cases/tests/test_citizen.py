"""The citizen follows the case on the status page, in plain words, and may withdraw it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from rathaus.applications.links import status_token
from rathaus.applications.models import SubmissionStatus
from rathaus.cases.models import Case, CaseState
from rathaus.cases.services import add_note, change_state
from rathaus.staff.tests.factories import staff_user

from .factories import dog_registration

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(catalog: None) -> Case:
    return dog_registration()


def status_page(case: Case, client: Client | None = None, language: str = "en") -> str:
    token = status_token(case.submission)
    response = (client or Client()).get(f"/{language}/status/{token}/")
    assert response.status_code == 200
    return response.content.decode()


def withdraw_url(case: Case) -> str:
    return f"/en/status/{status_token(case.submission)}/zurueckziehen/"


def test_the_status_page_tells_the_state_and_its_history_without_internal_matters(
        case: Case) -> None:
    page = status_page(case)
    assert "Progress of your application" in page
    assert "Received" in page
    assert "Your application was received." in page

    clerk = staff_user("weber", clerk_of=("steueramt",))
    case = change_state(case_id=case.pk, to=CaseState.IN_PROGRESS, actor=clerk,
                        expected_version=case.version)
    add_note(case_id=case.pk, text="Halterin rief an, Hund ist ein Listenhund?", actor=clerk,
             expected_version=case.version)
    page = status_page(case)
    assert "Being worked on" in page
    assert "Work on your application began." in page
    assert "Listenhund" not in page
    assert "weber" not in page
    case.submission.refresh_from_db()
    assert case.submission.status == SubmissionStatus.IN_PROGRESS

    german = status_page(case, language="de")
    assert "In Bearbeitung" in german
    assert "Die Bearbeitung Ihres Antrags hat begonnen." in german


def test_the_decision_shows_with_its_outcome_and_the_submission_follows(case: Case) -> None:
    clerk = staff_user("weber", clerk_of=("steueramt",))
    case = change_state(case_id=case.pk, to=CaseState.IN_PROGRESS, actor=clerk,
                        expected_version=case.version)
    case = change_state(case_id=case.pk, to=CaseState.DECIDED, actor=clerk,
                        expected_version=case.version, outcome="refused")
    page = status_page(case)
    assert "Decided: refused" in page
    assert "The decision was made: refused." in page
    assert "Withdraw the application" not in page
    case.submission.refresh_from_db()
    assert case.submission.status == SubmissionStatus.REJECTED


def test_the_citizen_withdraws_an_application_not_yet_decided(case: Case) -> None:
    client = Client()
    assert "Withdraw the application" in status_page(case, client)
    confirm = client.get(withdraw_url(case))
    assert confirm.status_code == 200
    assert "You cannot undo this" in confirm.content.decode()
    case.refresh_from_db()
    assert case.state == CaseState.RECEIVED  # looking at the question changes nothing

    response = client.post(withdraw_url(case), follow=True)
    page = response.content.decode()
    assert "Your application has been withdrawn." in page
    assert "You withdrew the application." in page
    assert "Withdraw the application</span></a>" not in page
    case.refresh_from_db()
    assert case.state == CaseState.WITHDRAWN
    assert case.ended_at is not None
    case.submission.refresh_from_db()
    assert case.submission.status == SubmissionStatus.WITHDRAWN
    event = case.events.get(to_state=CaseState.WITHDRAWN)
    assert (event.actor, event.actor_label) == (None, "citizen")


def test_a_decided_application_cannot_be_withdrawn_whatever_is_posted(case: Case) -> None:
    clerk = staff_user("weber", clerk_of=("steueramt",))
    case = change_state(case_id=case.pk, to=CaseState.IN_PROGRESS, actor=clerk,
                        expected_version=case.version)
    case = change_state(case_id=case.pk, to=CaseState.DECIDED, actor=clerk,
                        expected_version=case.version, outcome="granted")
    response = Client().post(withdraw_url(case), follow=True)
    assert "This application cannot be withdrawn here." in response.content.decode()
    case.refresh_from_db()
    assert (case.state, case.outcome) == (CaseState.DECIDED, "granted")


def test_a_tampered_status_link_withdraws_nothing(case: Case) -> None:
    token = status_token(case.submission)
    response = Client().post(f"/en/status/{token[:-2]}xx/zurueckziehen/")
    assert response.status_code == 404
    case.refresh_from_db()
    assert case.state == CaseState.RECEIVED


def test_health_data_are_withdrawn_only_by_their_owner_signed_in(
        catalog: None, django_capture_on_commit_callbacks: Any) -> None:
    from rathaus.applications.tests.test_sensitive_receipt import apply, renate

    submission, mailed = apply(Client(), django_capture_on_commit_callbacks)
    case = Case.objects.get(submission=submission)
    withdraw = mailed.rstrip("/") + "/zurueckziehen/"
    # Whoever reads the e-mail cannot withdraw the application.
    reader = Client()
    response = reader.post(withdraw, follow=True)
    assert "Melden Sie sich wie auf dieser Seite beschrieben an" in response.content.decode()
    case.refresh_from_db()
    assert case.state == CaseState.RECEIVED
    # The owner, signed in at the service's level, can.
    owner = Client()
    renate(owner)
    owner.post(withdraw)
    case.refresh_from_db()
    assert case.state == CaseState.WITHDRAWN
