"""A family moving to Zurich deregisters online with the online ID function."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from rathaus.applications.models import Submission
from rathaus.identity.levels import TrustLevel
from rathaus.identity.testing import ERIKA, sign_in_client

from .journey import Journey, sign_in

pytestmark = pytest.mark.django_db

SLUG = "abmeldung-ausland"

ERIKA_HERE = {**ERIKA, "street_address": "Lindenallee 7a", "postal_code": "31134",
              "city": "Musterstadt"}
APPLICANT = {
    "applicant_name-given_names": "Erika", "applicant_name-family_name": "Mustermann",
    "applicant_birth_date": "1964-08-12",
    "applicant_address-street": "Lindenallee", "applicant_address-number": "7a",
    "applicant_address-postcode": "31134", "applicant_address-city": "Musterstadt",
    "applicant_email": "erika@example.org",
}


def in_days(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def member(index: int, given: str, birth_date: str, relation: str) -> dict[str, str]:
    prefix = f"family_members-{index}-"
    return {f"{prefix}member_name-given_names": given,
            f"{prefix}member_name-family_name": "Mustermann",
            f"{prefix}member_birth_date": birth_date, f"{prefix}member_relation": relation}


def test_family_deregisters_for_switzerland(client: Client, catalog: None, read_pdf: Any,
                                            django_capture_on_commit_callbacks: Any) -> None:
    sign_in(client, TrustLevel.SUBSTANTIAL)
    assert client.get(f"/de/services/{SLUG}/apply/").status_code == 403, "online ID needed"
    sign_in_client(client, level=TrustLevel.HIGH, attributes=ERIKA_HERE)
    journey = Journey(client, SLUG).start()
    journey.answer("moving", {"keeps_home_in_germany": "no", "move_date": in_days(5)})
    journey.answer("applicant", APPLICANT)
    journey.answer("new_address", {"new_country": "ch", "new_address_known": "yes",
                                   "new_street": "Seefeldstrasse 88",
                                   "new_postcode_city": "8008 Zürich"})
    journey.answer("family", {"others_moving": "yes", "family_members-count": "2",
                              **member(0, "Max", "1962-03-01", "spouse"),
                              **member(1, "Lina", "2012-07-09", "child")})
    journey.answer("declaration", {"truthful": "yes"})

    check = journey.check_page()
    assert "Schweiz" in check
    assert "8008 Zürich" in check
    assert "Lina Mustermann" in check
    assert "Minderjähriges Kind" in check

    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()

    assert submission.department.slug == "buergerbuero"
    assert submission.trust_level == TrustLevel.HIGH
    assert submission.fee_total == Decimal("0.00")
    answers = submission.answers
    assert answers["move_date"] == in_days(5)
    assert answers["new_country"] == "ch"
    assert [m["member_relation"] for m in answers["family_members"]] == ["spouse", "child"]
    assert "new_city_only" not in answers
    assert "applicant_address" in submission.verified_fields

    text = read_pdf(journey.receipt(submission))
    assert submission.reference in text
    assert "Seefeldstrasse 88" in text
    assert "Max Mustermann" in text
    assert mail.outbox[0].to == ["erika@example.org"]


def test_keeping_a_home_stops_and_a_move_weeks_ahead_is_refused(client: Client,
                                                                catalog: None) -> None:
    sign_in_client(client, level=TrustLevel.HIGH, attributes=ERIKA_HERE)
    journey = Journey(client, SLUG).start()
    journey.post({"keeps_home_in_germany": "yes", "move_date": in_days(3)})
    assert journey.step_url.endswith("/moving/stop/")
    stop = client.get(journey.step_url).content.decode()
    assert "Mit einer Wohnung in Deutschland melden Sie sich nicht ab" in stop

    journey = Journey(client, SLUG).start()
    response = journey.post({"keeps_home_in_germany": "no", "move_date": in_days(30)})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'href="#move_date"' in body
    assert f'value="{in_days(30)}"' in body, "what was typed is kept"
    assert not Submission.objects.exists()
