"""The legal hold on the case page: a lead sets and lifts it, a clerk sees it but may not."""

from __future__ import annotations

import html
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import translation

from rathaus.audit.models import Action, AuditEvent
from rathaus.cases.models import Case, CaseEvent, EventKind
from rathaus.cases.tests.factories import dog_registration

from .conftest import text
from .factories import sign_in_verified, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(catalog: None) -> Case:
    return dog_registration()


def signed_in(user: User, *, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    sign_in_verified(client, user)
    return client


def url(case: Case) -> str:
    return f"/en/staff/submissions/{case.reference}/"


def plain(response: Any) -> str:
    return html.unescape(text(response))


def test_a_lead_sets_and_lifts_a_legal_hold(case: Case) -> None:
    lead = staff_user("leitung", lead_of=("steueramt",))
    client = signed_in(lead)
    page = plain(client.get(url(case)))
    assert "The case is still open" in page
    assert "Set a legal hold" in page
    empty = client.post(url(case), {"action": "hold", "reason": " ", "version": case.version})
    assert empty.status_code == 400
    assert "Enter the reason for the legal hold." in plain(empty)
    case.refresh_from_db()
    response = client.post(url(case), {"action": "hold", "reason": "Klage beim VG",
                                       "version": case.version}, follow=True)
    page = plain(response)
    assert "Under legal hold: Klage beim VG (leitung" in page
    assert "Legal hold set: Klage beim VG" in page, "in the timeline"
    assert "Lift the legal hold" in page
    case.refresh_from_db()
    assert case.legal_hold
    assert case.legal_hold_by == lead
    assert case.legal_hold_at is not None
    audit = AuditEvent.objects.get(action=Action.CASE_HOLD_SET)
    assert (audit.actor, audit.object_id, audit.message) == (lead, case.reference,
                                                             "Klage beim VG")
    response = client.post(url(case), {"action": "lift_hold", "version": case.version},
                           follow=True)
    assert "The legal hold is lifted." in plain(response)
    case.refresh_from_db()
    assert not case.legal_hold
    assert case.legal_hold_reason == ""
    assert AuditEvent.objects.filter(action=Action.CASE_HOLD_LIFTED).count() == 1
    assert CaseEvent.objects.filter(case=case, kind=EventKind.HOLD_LIFTED).exists()


def test_a_clerk_sees_the_hold_but_may_not_set_it(case: Case) -> None:
    clerk = staff_user("steuer", clerk_of=("steueramt",))
    client = signed_in(clerk)
    page = plain(client.get(url(case)))
    assert "Only the department's lead can set or lift a legal hold." in page
    assert "Set a legal hold" not in page
    response = client.post(url(case), {"action": "hold", "reason": "Klage",
                                       "version": case.version})
    assert response.status_code == 400
    assert "Only the department's lead may set or lift a legal hold." in plain(response)
    case.refresh_from_db()
    assert not case.legal_hold
    assert not AuditEvent.objects.filter(action=Action.CASE_HOLD_SET).exists()


def test_the_hold_form_needs_the_csrf_token(case: Case) -> None:
    client = signed_in(staff_user("leitung", lead_of=("steueramt",)), csrf=True)
    response = client.post(url(case), {"action": "hold", "reason": "Klage",
                                       "version": case.version})
    assert response.status_code == 403
    case.refresh_from_db()
    assert not case.legal_hold


def test_the_page_says_when_an_ended_case_will_be_deleted_in_german(case: Case) -> None:
    Case.objects.filter(pk=case.pk).update(state="withdrawn", ended_at="2026-03-02T10:00Z")
    client = signed_in(staff_user("steuer", clerk_of=("steueramt",)))
    with translation.override("de"):
        page = plain(client.get(f"/de/staff/submissions/{case.reference}/"))
    assert "Aufbewahrung und Löschsperre" in page
    assert "wird nach dem 28. Februar 2036 gelöscht" in page
