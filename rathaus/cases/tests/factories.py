"""Submitted applications with their cases, for the cases and staff tests."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

from django.test import Client

from rathaus.applications.models import Submission
from rathaus.applications.tests.hund import answer_simply
from rathaus.applications.tests.journey import Journey
from rathaus.cases.models import Case, CaseEvent, EventKind, PurgedCase
from rathaus.cases.services import open_case
from rathaus.catalog.models import Service
from rathaus.identity.models import Citizen
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


BERLIN = ZoneInfo("Europe/Berlin")


def at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=12, tzinfo=BERLIN)


def make_case(slug: str, *, received: str, state: str = "received", outcome: str = "",
              channel: str = "online", due: str | None = None, decided: str | None = None,
              ended: str | None = None) -> Case:
    """A case of ``slug`` in its own department, straight into the given state."""
    service = Service.objects.select_related("current_version").get(slug=slug)
    assert service.current_version is not None
    submission = Submission.objects.create(
        draft_key=uuid.uuid4(), service=service, service_version=service.current_version,
        department=service.department, answers={}, language="de")
    case = open_case(submission=submission, channel=channel)  # type: ignore[arg-type]
    Case.objects.filter(pk=case.pk).update(
        received_at=at(received), state=state, outcome=outcome,
        due_at=at(due) if due else None, ended_at=at(ended) if ended else None)
    if decided:
        event = CaseEvent.objects.create(case=case, kind=EventKind.STATE_CHANGED,
                                         from_state="in_progress", to_state="decided",
                                         detail=outcome, version=2)
        CaseEvent.objects.filter(pk=event.pk).update(at=at(decided))
    case.refresh_from_db()
    return case


def purged(slug: str, *, month: dt.date, outcome: str, days: int, channel: str = "online",
           count: int = 1) -> None:
    service = Service.objects.get(slug=slug)
    for _ in range(count):
        PurgedCase.objects.create(
            service=service, department=service.department, channel=channel,
            received_month=month, ended_month=month, end_state="closed", outcome=outcome,
            processing_days=days, purged_on=dt.date(2026, 5, 1))


# Answers of the applicant as each service with a notice asks for them (name and address).
APPLICANTS: dict[str, dict[str, object]] = {
    "hund-anmelden": {
        "owner_name": {"given_names": "Erika", "family_name": "Mustermann"},
        "owner_address": {"street": "Lindenallee", "number": "7a", "postcode": "31134",
                          "city": "Musterstadt"},
        "dogs": [{"dog_name": "Bello", "breed": "Labrador-Mischling"}],
        "payment_method": "transfer",
    },
    "geburtsurkunde": {
        "applicant_name": {"given_names": "Jonas", "family_name": "Beispiel"},
        "delivery_address": {"street": "Am Markt", "number": "3", "postcode": "31134",
                             "city": "Musterstadt"},
        "copies": 2,
    },
    "gewerbe-anmelden": {
        "applicant_name": {"given_names": "Aylin", "family_name": "Yılmaz"},
        "applicant_address": {"street": "Bahnhofstraße", "number": "12", "postcode": "31134",
                              "city": "Musterstadt"},
    },
}


def application(slug: str, *, consent: bool = True, email: str = "antrag@example.org",
                citizen: Citizen | None = None, language: str = "de") -> Case:
    """A submitted application to ``slug`` with its case, the applicant's answers as given."""
    from rathaus.catalog.models import Service

    service = Service.objects.select_related("current_version", "department").get(slug=slug)
    assert service.current_version is not None
    answers: dict[str, object] = {**APPLICANTS[slug], "truthful": True}
    if consent:
        answers["notice_by_retrieval"] = True
    submission = Submission.objects.create(
        draft_key=uuid.uuid4(), service=service, service_version=service.current_version,
        department=service.department, answers=answers, language=language, email=email,
        citizen=citizen, fee_total="24.00" if slug == "geburtsurkunde" else (
            "26.00" if slug == "gewerbe-anmelden" else "0"))
    return open_case(submission=submission)
