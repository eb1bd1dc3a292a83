"""The workbasket's counts per state come from rows the case table's triggers write.

Whatever changes the cases (the services, a bulk update, a delete), the sums must equal a
count over the cases, before and after the rows are folded.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import close_old_connections, connection

from rathaus.cases import selectors, tally
from rathaus.cases.models import Case, CaseState, CaseTally
from rathaus.cases.services import assign_case, change_state
from rathaus.catalog.models import Department, Service
from rathaus.forms.workflow import STATES
from rathaus.staff.tests.factories import staff_user

from .factories import copy_to, dog_registration

pytestmark = pytest.mark.django_db


def counted(department_ids: list[int], **filters: int) -> dict[str, int]:
    """The counts per state straight from the cases."""
    cases = Case.objects.filter(department_id__in=department_ids)
    if "service_id" in filters:
        cases = cases.filter(service_id=filters["service_id"])
    if "assignee" in filters:
        cases = (cases.filter(assignee__isnull=True) if filters["assignee"] == 0
                 else cases.filter(assignee_id=filters["assignee"]))
    return selectors.counts_by_state(cases)


def assert_tally_right(departments: list[int], clerk: User, service: Service) -> None:
    for filters in ({}, {"service_id": service.pk}, {"assignee": clerk.pk}, {"assignee": 0},
                    {"service_id": service.pk, "assignee": 0}):
        assert tally.counts(departments, **filters) == counted(departments, **filters), filters


def test_the_counts_follow_every_kind_of_change_and_survive_folding(catalog: None) -> None:
    first = dog_registration()
    tax = first.department_id
    other = Department.objects.get(slug="buergerbuero").pk
    clerk = staff_user("steuer", clerk_of=("steueramt",))
    cases = [first, *(copy_to(first.submission, "steueramt") for _ in range(7)),
             copy_to(first.submission, "buergerbuero")]
    service = first.service
    assert tally.counts([tax])["received"] == 8
    assert tally.counts([other])["received"] == 1

    change_state(case_id=cases[1].pk, to=CaseState.IN_PROGRESS, actor=clerk,
                 expected_version=cases[1].version)
    assign_case(case_id=cases[2].pk, assignee=clerk, actor=clerk,
                expected_version=cases[2].version)
    # Written past the services: a bulk update and a delete count as well.
    Case.objects.filter(pk__in=[cases[3].pk, cases[4].pk]).update(state=CaseState.CLOSED)
    Case.objects.filter(pk__in=[cases[5].pk, cases[6].pk]).update(assignee=clerk)
    Case.objects.filter(pk=cases[7].pk).delete()
    Case.objects.filter(pk=cases[6].pk).update(applicant_name="Neu")  # not counted: no rows
    assert_tally_right([tax], clerk, service)
    assert_tally_right([tax, other], clerk, service)
    assert tally.counts([tax]) == {**dict.fromkeys(STATES, 0), "received": 4,
                                   "in_progress": 1, "closed": 2}

    rows_before = CaseTally.objects.count()
    call_command("compact_case_counts", verbosity=0)
    assert CaseTally.objects.count() < rows_before
    assert CaseTally.objects.filter(cases=0).count() == 0
    assert_tally_right([tax, other], clerk, service)


def test_installing_again_recounts_and_keeps_counting(catalog: None) -> None:
    case = dog_registration()
    CaseTally.objects.all().delete()  # as if the counts were lost
    call_command("compact_case_counts", "--rebuild", verbosity=0)
    assert tally.counts([case.department_id])["received"] == 1
    copy_to(case.submission, "steueramt")
    assert tally.counts([case.department_id])["received"] == 2


@pytest.mark.django_db(transaction=True)
def test_postgresql_clerks_moving_cases_at_once_keep_the_counts_right(
        postgres: None, catalog: None) -> None:
    first = dog_registration()
    clerks = [staff_user(f"steuer{n}", clerk_of=("steueramt",)) for n in range(4)]
    cases = [first, *(copy_to(first.submission, "steueramt") for _ in range(7))]
    start = threading.Barrier(len(clerks))

    def work(number: int) -> None:
        clerk = clerks[number]
        try:
            start.wait()
            for case in cases[number::len(clerks)]:
                for _round in range(3):  # take it, give it up, take it again
                    case.refresh_from_db()
                    assign_case(case_id=case.pk, assignee=clerk if case.assignee_id is None
                                else None, actor=clerk, expected_version=case.version)
                case.refresh_from_db()
                change_state(case_id=case.pk, to=CaseState.IN_PROGRESS, actor=clerk,
                             expected_version=case.version)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(clerks)) as pool:
        list(pool.map(work, range(len(clerks))))
    close_old_connections()
    tax = first.department_id
    assert tally.counts([tax])["in_progress"] == 8
    for clerk in clerks:
        assert tally.counts([tax], assignee=clerk.pk)["in_progress"] == 2
        assert_tally_right([tax], clerk, first.service)
