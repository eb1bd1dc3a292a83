"""Submitted applications with their cases, for the cases and staff tests."""

from __future__ import annotations

import uuid

from django.test import Client

from rathaus.applications.models import Submission
from rathaus.applications.tests.hund import answer_simply
from rathaus.applications.tests.journey import Journey
from rathaus.cases.models import Case
from rathaus.cases.services import open_case
from rathaus.staff.tests.factories import department


def dog_registration() -> Case:
    """A dog registration submitted online by Erika Mustermann; the tax office's case."""
    journey = Journey(Client(), "hund-anmelden", language="en").start()
    answer_simply(journey)
    submission = journey.submit()
    return Case.objects.get(submission=submission)


def copy_to(submission: Submission, slug: str, **fields: object) -> Case:
    """Another submission of the same answers, to the department ``slug``, with its case."""
    copy = Submission.objects.create(
        draft_key=uuid.uuid4(), service=submission.service,
        service_version=submission.service_version, department=department(slug),
        answers=submission.answers, fee_lines=submission.fee_lines, language="de",
        email=str(fields.pop("email", submission.email)))
    case = open_case(submission=copy)
    if fields:
        Case.objects.filter(pk=case.pk).update(**fields)
        case.refresh_from_db()
    return case
