"""Cases for the workbasket benchmark: many submissions of one department, and a clerk's session.

    DJANGO_SETTINGS_MODULE=bench.settings python -m bench.cases setup --count 100000

Creates ``--count`` dog registrations and deregistrations of the tax office with their cases
(in batches, straight into the tables: going through the form for each would take hours), in
every state, spread over two years, half of them assigned (a tenth to the benchmark clerk); the
clerk with a confirmed authenticator app and a session signed in with both factors, as the
staff sign-in leaves it. Then the case counts are folded and the planner's statistics
gathered, as the hourly housekeeping and autovacuum would have done by then. Prints one JSON
line (marker ``BENCH_DATA``) that bench/run.py reads.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
import uuid
from collections.abc import Sequence
from importlib import import_module
from typing import Any

import django

MARKER = "BENCH_DATA "
DEPARTMENT = "steueramt"
SERVICES = ("hund-anmelden", "hund-abmelden")
CLERK = "bench-clerk"
BATCH = 5000
GIVEN = ("Erika", "Max", "Aylin", "Jonas", "Marie", "Lukas", "Sofia", "Paul", "Emma", "Noah")
FAMILY = ("Mustermann", "Schmidt", "Yilmaz", "Müller", "Weber", "Schulz", "Wagner", "Becker")
# Open cases are most of a department's list; ended ones pile up until the purge.
STATES = ("received", "received", "in_progress", "in_progress", "in_progress",
          "waiting_for_citizen", "decided", "closed", "closed", "withdrawn")


def setup(count: int) -> dict[str, Any]:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import User
    from django.db import transaction
    from django.utils import timezone
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from rathaus.applications.models import Submission
    from rathaus.cases.models import Case
    from rathaus.catalog.models import Department, Service
    from rathaus.core.text import fold
    from rathaus.staff.models import DepartmentMembership, DepartmentRole
    from rathaus.staff.signin import BACKEND, LAST_SEEN

    department = Department.objects.get(slug=DEPARTMENT)
    services = [Service.objects.select_related("current_version").get(slug=slug)
                for slug in SERVICES]
    clerk = User.objects.create_user(CLERK, f"{CLERK}@example.org", uuid.uuid4().hex)
    DepartmentMembership.objects.create(user=clerk, department=department,
                                        role=DepartmentRole.CLERK)
    colleagues = [User.objects.create_user(f"bench-colleague-{n}") for n in range(4)]
    for colleague in colleagues:
        DepartmentMembership.objects.create(user=colleague, department=department,
                                            role=DepartmentRole.CLERK)
    device = TOTPDevice.objects.create(user=clerk, name="Authenticator-App", confirmed=True)
    assignees = [clerk.pk, *(c.pk for c in colleagues), None, None, None, None, None]

    now = timezone.now()
    made = 0
    while made < count:
        size = min(BATCH, count - made)
        with transaction.atomic():
            submissions = []
            for n in range(made, made + size):
                service = services[n % len(services)]
                name = f"{GIVEN[n % len(GIVEN)]} {FAMILY[(n // 7) % len(FAMILY)]}"
                submissions.append(Submission(
                    reference=f"B{n:08d}", draft_key=uuid.uuid4(), service=service,
                    service_version=service.current_version, department=department,
                    answers={"bench": True, "owner_name": name}, language="de",
                    email=f"person{n}@example.org"))
            created = Submission.objects.bulk_create(submissions)
            cases = []
            for offset, submission in enumerate(created):
                n = made + offset
                state = STATES[n % len(STATES)]
                received = now - dt.timedelta(minutes=(count - n) * 10)
                name = submission.answers["owner_name"]
                cases.append(Case(
                    submission=submission, department=department,
                    service_id=submission.service_id, reference=submission.reference,
                    state=state, outcome="granted" if state in ("decided", "closed") else "",
                    assignee_id=assignees[n % len(assignees)], received_at=received,
                    due_at=received + dt.timedelta(days=14), applicant_name=name,
                    email=submission.email,
                    search_text=fold(f"{submission.reference} {name} {submission.email}"),
                    ended_at=received + dt.timedelta(days=9)
                    if state in ("closed", "withdrawn") else None))
            Case.objects.bulk_create(cases)
        made += size

    # As the hourly housekeeping would have done since: one row per combination.
    from rathaus.cases import tally

    tally.compact()
    # Statistics for the planner, as autovacuum gathers them on a table that grew over years;
    # without them PostgreSQL plans the list for an empty table and sorts 50,000 rows.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(clerk.pk)
    store[BACKEND_SESSION_KEY] = BACKEND
    store[HASH_SESSION_KEY] = clerk.get_session_auth_hash()
    store[DEVICE_ID_SESSION_KEY] = device.persistent_id
    store[LAST_SEEN] = time.time()
    store.save()
    return {"cases": Case.objects.filter(department=department).count(),
            "cookie": f"{settings.SESSION_COOKIE_NAME}={store.session_key}"}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cases")
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("setup")
    make.add_argument("--count", type=int, default=100_000)
    args = parser.parse_args(argv)
    django.setup()
    print(MARKER + json.dumps(setup(args.count)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
