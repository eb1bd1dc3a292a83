"""A couple gives notice of marriage for a wedding in the spa park; one of them is Italian."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from rathaus.applications.models import Submission
from rathaus.appointments.tests import factories
from rathaus.identity.levels import TrustLevel

from .journey import Journey, sign_in

pytestmark = pytest.mark.django_db

SLUG = "eheschliessung-anmelden"


def in_days(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def partner(number: int, given: str, family: str, birth_date: str, **extra: str) -> dict[str, str]:
    data = {"name-given_names": given, "name-family_name": family, "birth_name": family,
            "birth_date": birth_date, "birth_place": "Hildesheim",
            "address-street": "Lindenallee", "address-number": "7a",
            "address-postcode": "31134", "address-city": "Musterstadt", "status": "single",
            **extra}
    return {f"partner_{number}_{key}": value for key, value in data.items()}


PARTNERS = {**partner(1, "Julia", "Krause", "1993-02-14"),
            **partner(2, "Marco", "Rossi", "1990-10-03", birth_place="Bologna, Italien",
                      status="divorced"),
            "foreign_element": "yes", "nationalities": "deutsch; italienisch"}


def test_notice_for_an_external_location_with_foreign_law(
        client: Client, catalog: None, read_pdf: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    factories.calendar(slug="standesamt")
    page = client.get(f"/de/services/{SLUG}/").content.decode()
    assert 'href="/de/appointments/standesamt/"' in page, "the appointment is offered"
    assert f'href="/de/services/{SLUG}/apply/"' in page, "and the form"
    assert "Beitrittserklärung" in page

    assert client.get(f"/de/services/{SLUG}/apply/").status_code == 403, "sign-in needed"
    sign_in(client, TrustLevel.BASIC)
    journey = Journey(client, SLUG).start()
    journey.answer("requirements", {"both_adult": "yes", "lives_in_town": "yes"})
    journey.answer("partners", PARTNERS)
    journey.answer("wedding", {"wedding_place": "external", "external_location": "kurpark",
                               "other_registry_office": "Standesamt Hannover",
                               "wish_from": in_days(90), "wish_until": in_days(100),
                               "guests": "40", "married_name": "keep"})
    journey.answer("documents", {"documents_ready": ["id", "birth_register", "previous_marriage"],
                                 "documents_missing": "Das Ehefähigkeitszeugnis aus Italien "
                                                      "ist beantragt.",
                                 "appointment_time": "thursday_afternoon"})
    journey.answer("contact", {"contact_email": "julia.krause@example.org", "truthful": "yes"})

    check = journey.check_page()
    assert "Marco Rossi" in check
    assert "Pavillon im Kurpark" in check
    assert "Anmeldung der Eheschließung mit Prüfung ausländischen Rechts" in check
    assert "100,00 €" in check
    assert "150,00 €" in check
    assert "250,00 €" in check
    assert "60,00 €" not in check

    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()

    assert submission.department.slug == "standesamt"
    assert submission.fee_total == Decimal("250.00")
    answers = submission.answers
    assert answers["partner_2_status"] == "divorced"
    assert answers["wish_from"] == in_days(90)
    assert answers["guests"] == 40
    assert answers["documents_ready"] == ["id", "birth_register", "previous_marriage"]
    assert "other_registry_office" not in answers, "only asked for another registry office"
    assert "room_reserved" not in answers

    text = read_pdf(journey.receipt(submission))
    assert submission.reference in text
    assert "Julia Krause" in text
    assert "Ehefähigkeitszeugnis aus Italien" in text
    assert "250,00" in text
    assert mail.outbox[0].to == ["julia.krause@example.org"]


def test_couples_living_elsewhere_stop_and_the_date_must_be_within_six_months(
        client: Client, catalog: None) -> None:
    sign_in(client, TrustLevel.BASIC)
    journey = Journey(client, SLUG).start()
    journey.post({"both_adult": "yes", "lives_in_town": "no"})
    assert journey.step_url.endswith("/requirements/stop/")
    stop = client.get(journey.step_url).content.decode()
    assert "Melden Sie die Eheschließung an Ihrem Wohnort an" in stop
    assert "§ 12 PStG" in stop

    journey = Journey(client, SLUG).start()
    journey.answer("requirements", {"both_adult": "yes", "lives_in_town": "yes"})
    journey.answer("partners", {**PARTNERS, "foreign_element": "no"})
    response = journey.post({"wedding_place": "trauzimmer", "room_reserved": "no",
                             "wish_from": in_days(250), "guests": "20",
                             "married_name": "name_1"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'href="#wish_from"' in body
    assert 'value="20"' in body, "what was typed is kept"
    assert not Submission.objects.exists()
