"""Art. 15 GDPR: the citizen downloads everything stored about them, and nothing of others."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from django.test import Client

from rathaus.account.models import DailyCount, Metric
from rathaus.account.tests import factories
from rathaus.appointments.tests.pages import text

pytestmark = pytest.mark.django_db


def test_the_page_explains_and_counts(client: Client, hund_catalog: None) -> None:
    erika = factories.signed_in(client)
    factories.submission(erika)
    factories.message(erika)
    page = text(client.get("/en/mein-rathaus/meine-daten/"))
    assert "Article 15 GDPR" in page
    assert "1 application, with all your answers" in page
    assert "1 message in your mailbox" in page
    assert "erika.mustermann@example.org" in page
    assert "we only count how often data are downloaded" in page


def test_the_json_holds_the_citizens_data_and_nothing_of_others(client: Client,
                                                                hund_catalog: None) -> None:
    erika = factories.signed_in(client)
    mine = factories.submission(erika, answers={"owner_email": "erika@example.org",
                                                "dog": "Bello"})
    factories.draft(erika)
    factories.booking(erika.person_key)
    factories.registration(erika.person_key)
    factories.message(erika, "Ihr Bescheid", body="Der Bescheid im Wortlaut")
    max_ = factories.other_citizen()
    theirs = factories.submission(max_, answers={"dog": "Rex"})
    factories.message(max_, "Bescheid für Max", body="Geheim")
    factories.booking(max_.person_key, name="Max Meier", email="max@example.org")

    response = client.get("/en/mein-rathaus/meine-daten/mein-rathaus.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="mein-rathaus-')
    assert "no-store" in response["Cache-Control"]
    raw = response.content.decode()
    data = json.loads(raw)
    assert data["account"]["email_for_notices"] == "erika.mustermann@example.org"
    assert data["this_session"]["attributes_from_identity_provider"]["family_name"] == {
        "value": "Mustermann", "trust_level": "high (online ID card)"}
    assert [item["reference"] for item in data["applications"]] == [mine.reference]
    assert data["applications"][0]["answers"]["dog"] == "Bello"
    assert len(data["drafts"]) == 1
    assert data["appointments"][0]["name"] == "Erika Mustermann"
    assert len(data["draw_registrations"]) == 1
    assert data["messages"][0]["text"] == "Der Bescheid im Wortlaut"
    for foreign in (theirs.reference, "Rex", "Max", "max@example.org", "Geheim"):
        assert foreign not in raw
    assert DailyCount.objects.get(metric=Metric.DATA_EXPORT).value == 1


def test_the_zip_adds_receipts_and_attachments(client: Client, hund_catalog: None,
                                               read_pdf: Any) -> None:
    erika = factories.signed_in(client)
    submission = factories.submission(erika)
    factories.message(erika, attachment=b"%PDF-1.7 decision")
    response = client.get("/en/mein-rathaus/meine-daten/mein-rathaus.zip")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = archive.namelist()
    assert "mein-rathaus.json" in names
    assert f"receipts/{submission.reference}.pdf" in names
    assert submission.reference in read_pdf(archive.read(f"receipts/{submission.reference}.pdf"))
    attachment = next(name for name in names if name.startswith("mailbox/"))
    assert archive.read(attachment) == b"%PDF-1.7 decision"


def test_an_e_mail_citizen_sees_the_appointments_of_the_address(client: Client) -> None:
    erika = factories.email_citizen(client, "erika@example.org")
    booked = factories.booking(erika.person_key)
    data = json.loads(client.get("/en/mein-rathaus/meine-daten/mein-rathaus.json").content)
    assert data["account"]["signed_in_with"] == "e-mail link"
    assert [item["reference"] for item in data["appointments"]] == [booked.reference]
