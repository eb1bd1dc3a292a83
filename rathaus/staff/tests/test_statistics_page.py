"""The statistics page: a clerk sees their departments' figures only, as tables, charts and CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from rathaus.cases.tests.factories import make_case, purged
from rathaus.catalog.models import Department, Service

from .conftest import text
from .factories import sign_in_verified, staff_user

pytestmark = pytest.mark.django_db
URL = "/en/staff/statistics/"
PERIOD: dict[str, str | int] = {"start": "2026-03", "end": "2026-04"}


@pytest.fixture
def cases(catalog: None) -> None:
    make_case("hund-anmelden", received="2026-03-02", state="closed", outcome="granted",
              decided="2026-03-12", ended="2026-04-20")
    make_case("hund-anmelden", received="2026-03-05", state="decided", outcome="refused",
              decided="2026-03-08")
    make_case("hund-anmelden", received="2026-04-01", channel="counter")
    make_case("geburtsurkunde", received="2026-03-03")
    purged("hund-anmelden", month=dt.date(2026, 3, 1), outcome="granted", days=20, count=2)


def signed_in(user: User) -> Client:
    client = Client()
    sign_in_verified(client, user)
    return client


@pytest.fixture
def clerk(db: Any) -> User:
    return staff_user("steuer", clerk_of=("steueramt",))


def rows_of(response: Any, table: str) -> dict[str, list[str]]:
    """The rows of a table on the page: the row's key → its cells' text."""
    body = response.content.decode()
    found = re.search(rf'<table[^>]*id="{table}".*?</table>', body, re.S)
    assert found is not None, table
    rows = {}
    for key, cells in re.findall(r'<tr class="kern-table__row" data-key="([^"]+)">(.*?)</tr>',
                                 found.group(0), re.S):
        rows[key] = [re.sub(r"<[^>]+>", "", cell).strip()
                     for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", cells, re.S)]
    return rows


def test_a_clerk_sees_the_figures_of_their_department_only(cases: None, clerk: User) -> None:
    response = signed_in(clerk).get(URL, PERIOD)
    assert response.status_code == 200
    services = rows_of(response, "by-service")
    # received, open, overdue, granted, partly, refused, ended otherwise, median, p90,
    # online, counter, phone
    assert services == {"hund-anmelden": [
        "Register a dog for dog tax", "5", "1", "0", "3", "0", "1", "0", "10", "20", "4", "1",
        "0"]}
    assert "Apply for a birth certificate" not in text(response)
    months = rows_of(response, "by-month")
    assert list(months) == ["2026-03", "2026-04"]
    assert months["2026-03"][1:3] == ["4", "0"]
    assert months["2026-04"][1:3] == ["1", "1"]
    assert 'id="received-title"' in response.content.decode()  # the chart names itself
    assert "Cases received from March 2026 to April 2026" in text(response)


def test_another_departments_figures_cannot_be_asked_for_in_the_address(
        cases: None, clerk: User) -> None:
    standesamt = Department.objects.get(slug="standesamt")
    births = Service.objects.get(slug="geburtsurkunde")
    response = signed_in(clerk).get(URL, {**PERIOD, "department": standesamt.pk})
    assert response.status_code == 400
    assert "Select a valid choice" in text(response)
    assert list(rows_of(response, "by-service")) == ["hund-anmelden"]
    refused = signed_in(clerk).get(URL, {**PERIOD, "service": births.pk})
    assert refused.status_code == 400
    assert "Apply for a birth certificate" not in text(refused).split("Filter")[-1]
    assert list(rows_of(refused, "by-service")) == ["hund-anmelden"]


def test_an_administrator_sees_every_department(cases: None) -> None:
    admin = staff_user("admin", admin=True)
    response = signed_in(admin).get(URL, PERIOD)
    assert set(rows_of(response, "by-service")) == {"hund-anmelden", "geburtsurkunde"}
    standesamt = Department.objects.get(slug="standesamt")
    only = signed_in(admin).get(URL, {**PERIOD, "department": standesamt.pk})
    assert set(rows_of(only, "by-department")) == {"standesamt"}


@pytest.mark.parametrize(("query", "message"), [
    ({"start": "2026-13"}, "Enter the month as YYYY-MM, for example 2026-03."),
    ({"start": "März"}, "Enter the month as YYYY-MM, for example 2026-03."),
    ({"start": "2026-04", "end": "2026-03"},
     "The last month must not be before the first month."),
    ({"start": "2000-01", "end": "2026-03"}, "Please choose at most 120 months."),
])
def test_wrong_months_are_named_never_a_500(cases: None, clerk: User, query: dict[str, str],
                                            message: str) -> None:
    response = signed_in(clerk).get(URL, query)
    assert response.status_code == 400
    assert message in text(response)
    assert 'href="#id_' in response.content.decode()  # the error summary links the field
    for junk in ({"department": "x"}, {"service": "-1"}, {"start": "9999-99"},
                 {"format": "csv", "start": "2026-13"}):
        assert signed_in(clerk).get(URL, junk).status_code in (200, 400), junk


def test_a_department_without_cases_says_so(catalog: None) -> None:
    nobody = staff_user("kita", clerk_of=("kindertagesstaetten",))
    response = signed_in(nobody).get(URL)
    assert response.status_code == 200
    assert "No cases yet" in text(response)
    assert "Download these figures as CSV" not in text(response)


def test_the_csv_has_the_figures_of_the_page(cases: None, clerk: User) -> None:
    Service.objects.filter(slug="hund-anmelden").update(title_en="=HYPERLINK(\"x\")")
    response = signed_in(clerk).get(URL, {**PERIOD, "format": "csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="vorgaenge-202603-202604.csv"' in response["Content-Disposition"]
    data = response.content.decode("utf-8")
    assert data.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(data[1:]), delimiter=";"))
    assert rows[0][:4] == ["table", "key", "name", "received"]
    by_key = {(row[0], row[1]): row for row in rows[1:]}
    header = rows[0]
    dogs = dict(zip(header, by_key[("service", "hund-anmelden")], strict=True))
    assert dogs["name"] == "'=HYPERLINK(\"x\")"  # not run as a formula
    assert (dogs["received"], dogs["granted"], dogs["refused"], dogs["median_days"],
            dogs["p90_days"], dogs["online"], dogs["counter"]) == ("5", "3", "1", "10", "20",
                                                                  "4", "1")
    assert by_key[("month", "2026-03")][3] == "4"
    assert by_key[("total", "2026-03..2026-04")][3] == "5"
    assert ("service", "geburtsurkunde") not in by_key


def test_the_page_takes_the_same_queries_for_any_number_of_months_and_services(
        cases: None, django_assert_num_queries: Any) -> None:
    admin = staff_user("admin", admin=True)
    client = signed_in(admin)
    # user, OTP device, departments, services, live cases, purged rows
    with django_assert_num_queries(6):
        small = client.get(URL, PERIOD)
    for slug in ("hund-abmelden", "gewerbe-anmelden", "meldebescheinigung"):
        make_case(slug, received="2024-05-02")
    with django_assert_num_queries(6):
        large = client.get(URL, {"start": "2016-05", "end": "2026-04"})
    assert len(rows_of(small, "by-month")) == 2
    assert len(rows_of(large, "by-month")) == 120
    assert len(rows_of(large, "by-service")) == 5
    # A clerk: is there a membership (the guard), then the same as above.
    clerk = signed_in(staff_user("steuer", clerk_of=("steueramt",)))
    with django_assert_num_queries(7):
        clerk.get(URL, PERIOD)
    with django_assert_num_queries(7):
        clerk.get(URL, {"start": "2016-05", "end": "2026-04", "format": "csv"})


def test_signed_out_or_without_a_department_no_figures(catalog: None) -> None:
    assert Client().get(URL).status_code == 302
    agent = staff_user("agent", agent=True)
    assert signed_in(agent).get(URL).status_code == 403
