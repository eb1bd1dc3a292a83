"""The workbasket: a clerk filters, searches, sorts, counts, assigns and exports their cases."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from rathaus.audit.models import Action, AuditEvent
from rathaus.cases.models import Case
from rathaus.cases.tests.factories import copy_to, dog_registration

from .conftest import text
from .factories import sign_in_verified, staff_user

pytestmark = pytest.mark.django_db
URL = "/en/staff/submissions/"


@pytest.fixture
def first(catalog: None) -> Case:
    return dog_registration()


@pytest.fixture
def clerk(db: Any) -> User:
    return staff_user("steuer", clerk_of=("steueramt",))


def references(response: Any) -> list[str]:
    return re.findall(r'class="kern-link reference" href="[^"]+">([^<]+)<',
                      response.content.decode())


def signed_in(user: User) -> Client:
    client = Client()
    sign_in_verified(client, user)
    return client


def test_filters_search_and_counts_find_the_cases_a_clerk_looks_for(
        first: Case, clerk: User) -> None:
    now = timezone.now()
    mine = copy_to(first.submission, "steueramt", state="in_progress", assignee=clerk,
                   applicant_name="Jörg Übel", search_text="joerg uebel", email="j@example.org")
    late = copy_to(first.submission, "steueramt", due_at=now - dt.timedelta(days=1),
                   received_at=now - dt.timedelta(days=20))
    soon = copy_to(first.submission, "steueramt", due_at=now + dt.timedelta(days=2))
    elsewhere = copy_to(first.submission, "ordnungsamt")
    client = signed_in(clerk)

    everything = client.get(URL)
    assert set(references(everything)) == {first.reference, mine.reference, late.reference,
                                           soon.reference}
    assert elsewhere.reference not in everything.content.decode()
    assert "received: 3" in text(everything)
    assert "in progress: 1" in text(everything)

    assert references(client.get(URL, {"state": "in_progress"})) == [mine.reference]
    assert references(client.get(URL, {"assignee": "me"})) == [mine.reference]
    assert mine.reference not in references(client.get(URL, {"assignee": "nobody"}))
    assert references(client.get(URL, {"assignee": str(clerk.pk)})) == [mine.reference]
    assert references(client.get(URL, {"due": "overdue"})) == [late.reference]
    assert references(client.get(URL, {"due": "due"})) == [soon.reference]
    old = (now - dt.timedelta(days=20)).date().isoformat()
    assert references(client.get(URL, {"received_to": old})) == [late.reference]
    today = now.date().isoformat()
    assert late.reference not in references(client.get(URL, {"received_from": today}))
    # Umlauts fold both ways; reference and e-mail are found too.
    assert references(client.get(URL, {"q": "Joerg"})) == [mine.reference]
    assert references(client.get(URL, {"q": "übel"})) == [mine.reference]
    assert references(client.get(URL, {"q": first.reference.lower()})) == [first.reference]
    assert first.reference in references(client.get(URL, {"q": "erika@example.org"}))
    dogs = first.service_id
    assert len(references(client.get(URL, {"service": dogs}))) == 4
    # Counts follow the other filters: only the assigned case is counted.
    counted = text(client.get(URL, {"assignee": "me", "state": "received"}))
    assert "in progress: 1" in counted
    assert "received: 0" in counted
    assert "No case matches these filters." in counted


def test_sorting_by_due_date_and_reference(first: Case, clerk: User) -> None:
    now = timezone.now()
    later = copy_to(first.submission, "steueramt", due_at=now + dt.timedelta(days=30))
    sooner = copy_to(first.submission, "steueramt", due_at=now + dt.timedelta(days=1))
    client = signed_in(clerk)
    assert references(client.get(URL, {"sort": "due"})) == [
        sooner.reference, first.reference, later.reference]
    assert references(client.get(URL, {"sort": "reference"})) == sorted(
        [first.reference, later.reference, sooner.reference])


def test_wrong_filter_input_is_named_and_kept_never_a_500(first: Case, clerk: User) -> None:
    client = signed_in(clerk)
    response = client.get(URL, {"received_from": "31.02.2026", "q": "Erika"})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'href="#id_received_from"' in body
    assert "Enter the date as DD.MM.YYYY or YYYY-MM-DD." in text(response)
    assert 'value="31.02.2026"' in body
    assert references(response) == [first.reference]  # the valid part still applies
    backwards = client.get(URL, {"received_from": "2026-03-02", "received_to": "2026-03-01"})
    assert "The end date must not be before the start date." in text(backwards)
    for junk in ({"state": "nonsense"}, {"service": "x"}, {"sort": "evil"}, {"page": "-3"},
                 {"assignee": "99999"}, {"size": "1000000"}):
        assert client.get(URL, junk).status_code in (200, 400), junk


def test_a_clerk_assigns_a_row_to_themselves_and_cannot_give_cases_to_others(
        first: Case, clerk: User) -> None:
    colleague = staff_user("kollegin", clerk_of=("steueramt",))
    second = copy_to(first.submission, "steueramt")
    client = signed_in(clerk)
    page = client.get(URL, {"state": "received"})
    assert f'name="take" value="{first.pk}:1"' in page.content.decode()

    done = client.post("/en/staff/submissions/assign/",
                       {"take": f"{first.pk}:1", "back": "state=received"}, follow=True)
    assert done.redirect_chain[-1][0] == URL + "?state=received"
    assert "1 case assigned to steuer." in text(done)
    first.refresh_from_db()
    assert first.assignee == clerk

    refused = client.post("/en/staff/submissions/assign/",
                          {"cases": [f"{second.pk}:1"], "assignee": str(colleague.pk)},
                          follow=True)
    assert (f"{second.reference}: Only the department's lead may assign a case to someone else"
            in html.unescape(text(refused)))
    second.refresh_from_db()
    assert second.assignee is None
    stale = client.post("/en/staff/submissions/assign/", {"take": f"{first.pk}:1"}, follow=True)
    assert f"{first.reference}: not assigned, because meanwhile steuer: Assigned to steuer" in (
        text(stale))


def test_a_lead_assigns_ticked_cases_to_a_clerk(first: Case, clerk: User) -> None:
    lead = staff_user("leitung", lead_of=("steueramt",))
    second = copy_to(first.submission, "steueramt")
    client = signed_in(lead)
    page = client.get(URL).content.decode()
    assert f'<option value="{clerk.pk}">steuer</option>' in page
    done = client.post("/en/staff/submissions/assign/", {
        "cases": [f"{first.pk}:1", f"{second.pk}:1"], "assignee": str(clerk.pk), "bulk": "1"},
        follow=True)
    assert "2 cases assigned to steuer." in text(done)
    assert set(Case.objects.filter(assignee=clerk).values_list("pk", flat=True)) == {
        first.pk, second.pk}
    nothing = client.post("/en/staff/submissions/assign/", {"assignee": "me"}, follow=True)
    assert "Tick at least one case to assign." in text(nothing)


def test_the_csv_export_is_the_filtered_table_without_answers(first: Case, clerk: User) -> None:
    copy_to(first.submission, "steueramt", state="in_progress")
    evil = copy_to(first.submission, "steueramt", applicant_name="=HYPERLINK(1)")
    client = signed_in(clerk)
    response = client.get("/en/staff/submissions/export.csv", {"state": "received"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode().lstrip("\ufeff")),
                           delimiter=";"))
    assert rows[0] == ["Reference", "Service", "Applicant", "E-mail address", "State",
                       "Outcome", "Assigned to", "Received on", "Due on"]
    assert {row[0] for row in rows[1:]} == {first.reference, evil.reference}
    assert [row[2] for row in rows[1:] if row[0] == evil.reference] == ["'=HYPERLINK(1)"]
    assert rows[1][4] == "received"
    body = response.content.decode()
    for answer in ("Bello", "Musterversicherung", "Lindenallee"):
        assert answer not in body
    assert AuditEvent.objects.get(action=Action.CASES_EXPORTED).object_id == "2"


def test_the_workbasket_takes_the_same_queries_for_10_or_50_rows(
        first: Case, clerk: User, django_assert_num_queries: Any) -> None:
    for index in range(60):
        copy_to(first.submission, "steueramt", assignee=clerk if index % 2 else None)
    client = signed_in(clerk)
    # user, OTP device, the departments' memberships (the clerk's and their colleagues'),
    # services, counts per state (which also give the list's length), page
    with django_assert_num_queries(6):
        small = client.get(URL, {"size": "10", "sort": "due"})
    with django_assert_num_queries(6):
        large = client.get(URL, {"size": "50", "sort": "due"})
    assert (len(references(small)), len(references(large))) == (10, 50)
    assert "Page 1 of 7" in text(small)
    # The pager keeps the filters.
    assert "?size=10&amp;sort=due&amp;page=2" in small.content.decode()
    # The number of pages follows the states asked for, from the counts per state.
    Case.objects.filter(pk__in=Case.objects.order_by("pk").values("pk")[:15]).update(
        state="in_progress")
    chosen = client.get(URL, {"size": "10", "state": ["in_progress", "decided"]})
    assert len(references(chosen)) == 10
    assert "Page 1 of 2" in text(chosen)
    last = client.get(URL, {"size": "10", "state": ["in_progress"], "page": "2"})
    assert len(references(last)) == 5
