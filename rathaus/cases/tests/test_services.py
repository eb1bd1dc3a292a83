"""Every submission is a case; the workflow of its definition decides who moves it where."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.test import Client
from django.utils import translation
from pydantic import ValidationError

from rathaus.applications.models import Draft, Submission
from rathaus.applications.tests.hund import answer_simply
from rathaus.applications.tests.journey import Journey
from rathaus.cases import services
from rathaus.cases.models import Case, CaseEvent, EventKind, Note
from rathaus.cases.services import (
    CaseChanged,
    InvalidInput,
    NotPermitted,
    TransitionRefused,
    add_note,
    assign_case,
    change_state,
)
from rathaus.catalog.models import Service
from rathaus.forms.workflow import WorkflowDef
from rathaus.staff.tests.factories import staff_user

from .factories import copy_to, dog_registration

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(catalog: None) -> Case:
    return dog_registration()


@pytest.fixture
def clerk(db: Any) -> User:
    return staff_user("steuer", clerk_of=("steueramt",))


@pytest.fixture
def lead(db: Any) -> User:
    return staff_user("leitung", lead_of=("steueramt",))


def move(case: Case, to: str, actor: User, **extra: str) -> Case:
    case.refresh_from_db()
    return change_state(case_id=case.pk, to=to, actor=actor, expected_version=case.version,
                        **extra)


def test_a_submission_opens_its_case_with_due_date_name_and_search_text(case: Case) -> None:
    submission = case.submission
    assert (case.state, case.department, case.service, case.reference, case.channel) == (
        "received", submission.department, submission.service, submission.reference, "online")
    # hund-anmelden declares workflow.processing_days: 14
    assert case.due_at == submission.submitted_at + dt.timedelta(days=14)
    assert case.applicant_name == "Erika Mustermann"
    assert "erika example org" in case.search_text
    opened = CaseEvent.objects.get(case=case)
    assert (opened.kind, opened.to_state, opened.actor_label) == ("opened", "received", "citizen")


def test_no_submission_is_stored_when_its_case_cannot_be_opened(
        catalog: None, monkeypatch: pytest.MonkeyPatch) -> None:
    journey = answer_simply(Journey(Client(), "hund-anmelden", language="en").start())

    def broken(**kwargs: Any) -> Case:
        raise RuntimeError("case table unavailable")

    monkeypatch.setattr(services, "open_case", broken)
    with pytest.raises(RuntimeError):
        journey.client.post(journey.step_url)
    assert not Submission.objects.exists()
    assert Draft.objects.count() == 1  # the citizen can submit again


def test_a_clerk_takes_a_case_through_the_default_workflow(case: Case, clerk: User) -> None:
    move(case, "in_progress", clerk)
    move(case, "waiting_for_citizen", clerk)
    move(case, "in_progress", clerk)
    move(case, "decided", clerk, outcome="granted")
    closed = move(case, "closed", clerk)
    assert (closed.state, closed.outcome, closed.version) == ("closed", "granted", 6)
    changes = CaseEvent.objects.filter(case=case, kind=EventKind.STATE_CHANGED).order_by("pk")
    assert [(event.from_state, event.to_state, event.actor) for event in changes] == [
        ("received", "in_progress", clerk), ("in_progress", "waiting_for_citizen", clerk),
        ("waiting_for_citizen", "in_progress", clerk), ("in_progress", "decided", clerk),
        ("decided", "closed", clerk)]


def test_a_transition_the_workflow_does_not_have_is_refused(case: Case, clerk: User) -> None:
    with pytest.raises(TransitionRefused) as refused:
        move(case, "closed", clerk)
    assert "cannot be moved there" in str(refused.value.message)
    with pytest.raises(TransitionRefused):
        move(case, "nonsense", clerk)
    case.refresh_from_db()
    assert (case.state, case.version) == ("received", 1)


def test_a_clerk_cannot_take_a_lead_only_step_and_hears_why_in_german(
        case: Case, clerk: User, lead: User) -> None:
    with pytest.raises(TransitionRefused) as refused:
        move(case, "forwarded", clerk, forwarded_to="Landesamt")
    with translation.override("de"):
        assert str(refused.value.message) == (
            "Nur die Leitung der Abteilung darf diesen Schritt gehen.")
    forwarded = move(case, "forwarded", lead, forwarded_to="  Landesamt   für Soziales ")
    assert (forwarded.state, forwarded.forwarded_to) == ("forwarded", "Landesamt für Soziales")


def test_a_decision_needs_its_outcome_and_forwarding_an_authority(
        case: Case, clerk: User, lead: User) -> None:
    move(case, "in_progress", clerk)
    with pytest.raises(InvalidInput) as missing:
        move(case, "decided", clerk, outcome="maybe")
    assert missing.value.field == "outcome"
    with pytest.raises(InvalidInput) as nowhere:
        move(case, "forwarded", lead, forwarded_to="   ")
    assert nowhere.value.field == "forwarded_to"
    decided = move(case, "decided", clerk, outcome="partly_granted")
    assert decided.outcome == "partly_granted"
    with pytest.raises(TransitionRefused):
        move(case, "in_progress", clerk)  # reopening a decision is the lead's
    reopened = move(case, "in_progress", lead)
    assert (reopened.state, reopened.outcome) == ("in_progress", "")


def test_a_write_on_a_version_someone_else_changed_is_refused_naming_the_change(
        case: Case, clerk: User, lead: User) -> None:
    shown = case.version
    change_state(case_id=case.pk, to="in_progress", actor=lead, expected_version=shown)
    with pytest.raises(CaseChanged) as stale:
        add_note(case_id=case.pk, text="Chip number checked", actor=clerk,
                 expected_version=shown)
    assert [(event.actor, event.to_state) for event in stale.value.changes] == [
        (lead, "in_progress")]
    assert not Note.objects.exists()


def test_staff_of_another_department_cannot_act_on_the_case(case: Case) -> None:
    other = staff_user("ordnung", lead_of=("ordnungsamt",))
    with pytest.raises(NotPermitted):
        move(case, "in_progress", other)
    with pytest.raises(NotPermitted):
        assign_case(case_id=case.pk, assignee=other, actor=other, expected_version=1)


def test_clerks_take_free_cases_and_leads_assign_anyone(
        case: Case, clerk: User, lead: User) -> None:
    colleague = staff_user("kollegin", clerk_of=("steueramt",))
    outsider = staff_user("ordnung", clerk_of=("ordnungsamt",))
    taken = assign_case(case_id=case.pk, assignee=clerk, actor=clerk, expected_version=1)
    assert taken.assignee == clerk
    with pytest.raises(NotPermitted):
        assign_case(case_id=case.pk, assignee=colleague, actor=colleague, expected_version=2)
    with pytest.raises(InvalidInput):
        assign_case(case_id=case.pk, assignee=outsider, actor=lead, expected_version=2)
    moved = assign_case(case_id=case.pk, assignee=colleague, actor=lead, expected_version=2)
    assert (moved.assignee, moved.version) == (colleague, 3)
    given_up = assign_case(case_id=case.pk, assignee=None, actor=colleague, expected_version=3)
    assert given_up.assignee is None
    assert [event.detail for event in CaseEvent.objects.filter(
        case=case, kind=EventKind.ASSIGNED).order_by("pk")] == ["steuer", "kollegin", ""]


def test_the_definitions_workflow_replaces_the_default(case: Case) -> None:
    card = Service.objects.get(slug="schwerbehindertenausweis").current_version
    assert card is not None
    assert card.spec.workflow is not None
    # The Land office decides the disability card: the town's clerks forward it themselves.
    assert card.spec.workflow.roles_for("received", "forwarded") == {"clerk", "lead"}
    assert card.spec.workflow.roles_for("in_progress", "decided") == set()


@pytest.mark.parametrize(("transitions", "complaint"), [
    ([{"from": ["received"], "to": "in_progress"}], "'closed' cannot be reached"),
    ([{"from": ["received"], "to": "closed"}, {"from": ["received"], "to": "closed"}],
     "declared twice"),
    ([{"from": ["closed"], "to": "in_progress"}], "'closed' is final"),
    ([{"from": ["received"], "to": "closed", "roles": ["boss"]}], "roles"),
    ([{"from": ["received"], "to": "archived"}], "to"),
])
def test_a_broken_workflow_does_not_parse(transitions: list[dict[str, Any]],
                                          complaint: str) -> None:
    with pytest.raises(ValidationError, match=complaint):
        WorkflowDef.model_validate({"transitions": transitions})


def test_the_migration_opens_cases_for_earlier_submissions(case: Case) -> None:
    from importlib import import_module

    migration = import_module("rathaus.cases.migrations.0002_cases_for_existing_submissions")
    submission = case.submission
    CaseEvent.objects.all().delete()
    case.delete()

    migration.open_cases(apps, None)

    opened = Case.objects.get(submission=submission)
    assert (opened.state, opened.applicant_name, opened.due_at) == (
        "received", "Erika Mustermann", submission.submitted_at + dt.timedelta(days=14))
    assert copy_to(submission, "steueramt").state == "received"


def test_the_applicant_inside_a_group_that_is_not_repeated_is_named_and_found(
        catalog: None) -> None:
    from rathaus.cases.selectors import Filters, cases_in, filtered

    from .factories import application

    case = application("gewerbe-anmelden")
    assert case.applicant_name == "Aylin Yılmaz"
    found = filtered(cases_in([case.department_id]), Filters(query="yilmaz"), user_id=0)
    assert list(found) == [case]
