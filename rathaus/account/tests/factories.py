"""Citizens and what belongs to them, made directly (the pages under test only read them)."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from typing import Any

from django.core.files.base import ContentFile
from django.db.models import QuerySet
from django.test import Client
from django.utils import timezone

from rathaus.account.models import Message
from rathaus.account.services import deliver_message
from rathaus.applications.models import Draft, Submission
from rathaus.appointments.models import Booking, BookingStatus, Registration, WaitlistEntry
from rathaus.appointments.tests.factories import slot
from rathaus.catalog.models import Service
from rathaus.identity.levels import TrustLevel
from rathaus.identity.models import Citizen, SignInSource
from rathaus.identity.testing import ERIKA, sign_in_client

_numbers = itertools.count(1)


def signed_in(client: Client, *, bpk2: str = "erika-bpk2", **kwargs: Any) -> Citizen:
    return sign_in_client(client, bpk2=bpk2, **kwargs)


def email_citizen(client: Client, email: str) -> Citizen:
    return sign_in_client(client, level=TrustLevel.NONE, source=SignInSource.EMAIL,
                          attributes={"email": email})


def other_citizen(name: str = "max") -> Citizen:
    return sign_in_client(Client(), bpk2=f"{name}-bpk2",
                          attributes={**ERIKA, "given_name": name.title(),
                                      "email": f"{name}@example.org"})


def submission(citizen: Citizen | None, **fields: Any) -> Submission:
    service = Service.objects.select_related("current_version", "department").get(
        slug="hund-anmelden")
    assert service.current_version is not None
    values: dict[str, Any] = {
        "draft_key": uuid.uuid4(), "service": service, "service_version": service.current_version,
        "department": service.department, "answers": {"owner_email": "erika@example.org"},
        "language": "de", "citizen": citizen, "email": "",
    }
    return Submission.objects.create(**{**values, **fields})


def draft(citizen: Citizen | None, **fields: Any) -> Draft:
    service = Service.objects.select_related("current_version").get(slug="hund-anmelden")
    assert service.current_version is not None
    return Draft.objects.create(service_version=service.current_version, citizen=citizen,
                                answers={"owner_email": "draft@example.org"}, **fields)


def message(citizen: Citizen, subject: str = "Ihr Bescheid", *, attachment: bytes | None = None,
            **kwargs: Any) -> Message:
    file = ContentFile(attachment, name="bescheid.pdf") if attachment is not None else None
    return deliver_message(citizen=citizen, subject=subject, body=kwargs.pop("body", "Text"),
                           attachment=file, **kwargs)


def mailbox_messages() -> QuerySet[Message]:
    """Every mailbox message, for tests of lower layers (the purge of cases)."""
    return Message.objects.all()


def booking(person_key: str, *, days_ahead: int = 3, status: str = BookingStatus.CONFIRMED,
            name: str = "Erika Mustermann", email: str = "erika@example.org") -> Booking:
    place = slot(days_ahead=days_ahead)
    expires = timezone.now() + dt.timedelta(hours=1) if status in (
        BookingStatus.PENDING, BookingStatus.OFFERED, BookingStatus.HELD) else None
    return Booking.objects.create(calendar=place.calendar, slot=place, channel="online",
                                  status=status, person_key=person_key, name=name, email=email,
                                  expires_at=expires)


def registration(person_key: str, *, name: str = "Erika Mustermann") -> Registration:
    from rathaus.appointments.models import Mode
    from rathaus.appointments.tests.factories import calendar

    return Registration.objects.create(calendar=calendar(mode=Mode.DRAW), person_key=person_key,
                                       name=name, email="erika@example.org")


def waitlist_entry(person_key: str, *, name: str = "Erika Mustermann") -> WaitlistEntry:
    from rathaus.appointments.tests.factories import calendar

    return WaitlistEntry.objects.create(calendar=calendar(), person_key=person_key, name=name,
                                        email="erika@example.org")
