"""A voter on a semester abroad has her postal voting documents sent to Lyon."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from rathaus.applications.models import Submission

from .journey import Journey

pytestmark = pytest.mark.django_db

SLUG = "briefwahl"

VOTER = {
    "voter_name-given_names": "Clara", "voter_name-family_name": "Neumann",
    "voter_birth_date": "2003-04-30",
    "voter_address-street": "Lindenallee", "voter_address-number": "7a",
    "voter_address-postcode": "31134", "voter_address-city": "Musterstadt",
    "register_number": "1234", "voter_email": "clara.neumann@example.org",
}


def test_local_elections_with_run_off_sent_abroad(client: Client, catalog: None, read_pdf: Any,
                                                  django_capture_on_commit_callbacks: Any) -> None:
    journey = Journey(client, SLUG).start()
    journey.answer("election", {"election": "kommunal", "runoff_too": "yes", "for_whom": "self"})
    journey.answer("voter", VOTER)
    journey.answer("delivery", {"delivery_target": "abroad",
                                "delivery_address-street": "Hauptstraße",
                                "abroad_street": "12 rue de la République",
                                "abroad_postcode_city": "69002 Lyon",
                                "abroad_country": "fr",
                                "delivery_care_of": "Résidence Bellecour, app. 31"})
    journey.answer("declaration", {"truthful": "yes"})

    check = journey.check_page()
    assert "Kommunalwahlen" in check
    assert "69002 Lyon" in check
    assert "Frankreich" in check
    assert "Lindenallee 7a, 31134 Musterstadt" in check

    with django_capture_on_commit_callbacks(execute=True):
        submission = journey.submit()

    assert submission.department.slug == "wahlamt"
    assert submission.fee_total == Decimal("0.00")
    answers = submission.answers
    assert answers["election"] == "kommunal"
    assert answers["runoff_too"] is True
    assert answers["voter_birth_date"] == "2003-04-30"
    assert answers["abroad_country"] == "fr", "chosen from the list of countries"
    assert "abroad_country_other" not in answers
    assert "delivery_address" not in answers, "the German delivery address was not asked"

    text = read_pdf(journey.receipt(submission))
    assert submission.reference in text
    assert "Clara Neumann" in text
    assert "12 rue de la République" in text
    assert "Frankreich" in text, "the country by its name, not its code"
    assert mail.outbox[0].to == ["clara.neumann@example.org"]


def test_for_another_person_stops_and_voters_elsewhere_are_refused(client: Client,
                                                                   catalog: None) -> None:
    journey = Journey(client, SLUG).start()
    journey.post({"election": "bundestag", "for_whom": "other"})
    assert journey.step_url.endswith("/election/stop/")
    stop = client.get(journey.step_url).content.decode()
    assert "schriftliche Vollmacht" in stop
    assert "§ 27 Abs. 3 Bundeswahlordnung" in stop

    journey = Journey(client, SLUG).start()
    journey.answer("election", {"election": "bundestag", "for_whom": "self"})
    response = journey.post({**VOTER, "voter_address-postcode": "30159",
                             "voter_address-city": "Hannover"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "muss eine Anschrift in Musterstadt sein" in body
    assert "in deren Wählerverzeichnis Sie eingetragen sind" in body
    assert 'value="Clara"' in body, "what was typed is kept"
    assert not Submission.objects.exists()
