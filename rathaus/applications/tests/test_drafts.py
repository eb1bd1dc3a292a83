"""Save and continue later: what is kept, who gets the link, and when drafts are deleted."""

from __future__ import annotations

import datetime
import io
import re
import time
from pathlib import Path
from typing import Any

import pytest
from django.core import mail, signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from rathaus.applications import services
from rathaus.applications.models import Draft, Upload

from .hund import (
    DOGS,
    OWNER,
    dog,
    draft_id,
    draft_of,
    input_value,
    message,
    start,
    step_url,
    summary_links,
)
from .journey import Journey, downloaded
from .nachweis import ABOUT, PDF, SLUG

pytestmark = pytest.mark.django_db

EMAIL_MESSAGE = "Enter an e-mail address in the form name@example.de."
CONSENT_MESSAGE = "Agree that we keep your answers, so that we can send you the link."


def save_url(journey: Journey) -> str:
    return step_url(journey, "owner").replace("/owner/", "/save/")


def resume_link(body: str) -> str:
    found = re.search(r"https?://\S+?(/[a-z]{2}/resume/[^/\s]+/)", body)
    assert found, body
    return found.group(1)


def saved_on_dogs(client: Client, captured: Any) -> tuple[Journey, str]:
    """Answer two steps, half of the dogs step, save it and ask for the link; return the link."""
    journey = start(client, until="dogs")
    response = journey.post({"dogs-count": "1", **dog(0, "Bello", birth_date="31.02.2020")},
                            action="save")
    assert response.status_code == 302
    with captured(execute=True):
        sent = client.post(save_url(journey), {"email": "erika@example.org", "consent": "yes"})
    assert sent.status_code == 200
    assert len(mail.outbox) == 1
    return journey, resume_link(str(mail.outbox[0].body))


def test_save_keeps_the_valid_answers_of_the_page(client: Client, hund_catalog: None) -> None:
    journey = start(client, until="owner")

    response = journey.post({**OWNER, "owner_email": "erika@", "owner_phone": "abc"},
                            action="save")

    assert response.status_code == 302
    assert response["Location"] == save_url(journey)
    draft = draft_of(journey)
    assert draft.answers["owner_name"] == {"given_names": "Erika", "family_name": "Mustermann"}
    assert draft.answers["owner_address"]["postcode"] == "31134"
    assert "owner_email" not in draft.answers
    assert "owner_phone" not in draft.answers
    assert "owner" not in draft.completed_steps, "the page still needs the missing answers"
    assert draft.resume_consent_at is None


@pytest.mark.parametrize(
    ("posted", "links"),
    [
        ({}, ["email", "consent"]),
        ({"email": "erika@", "consent": "yes"}, ["email"]),
        ({"email": "erika@example.org"}, ["consent"]),
        ({"email": "erika@example.org", "consent": "on please"}, ["consent"]),
    ],
)
def test_the_link_needs_an_address_and_consent(client: Client, hund_catalog: None,
                                               django_capture_on_commit_callbacks: Any,
                                               posted: dict[str, str], links: list[str]) -> None:
    journey = start(client, until="keeping")
    journey.post({}, action="save")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(save_url(journey), posted)

    assert response.status_code == 200
    body = response.content.decode()
    assert summary_links(body) == links
    assert (message(EMAIL_MESSAGE) in body) == ("email" in links)
    assert (message(CONSENT_MESSAGE) in body) == ("consent" in links)
    assert input_value(body, "email") == posted.get("email", "")
    assert callbacks == []
    assert mail.outbox == []
    draft = draft_of(journey)
    assert draft.resume_email == ""
    assert draft.resume_consent_at is None
    assert draft.answers["owner_email"] == "erika@example.org", "earlier answers stay"


def test_with_consent_the_link_is_mailed(client: Client, hund_catalog: None,
                                         django_capture_on_commit_callbacks: Any) -> None:
    journey, link = saved_on_dogs(client, django_capture_on_commit_callbacks)

    message_ = mail.outbox[0]
    assert message_.to == ["erika@example.org"]
    assert "Register a dog for dog tax" in message_.subject
    assert link in message_.body
    draft = draft_of(journey)
    assert draft.resume_email == "erika@example.org"
    assert draft.resume_consent_at is not None


def test_the_link_opens_the_draft_in_another_browser_where_it_stopped(
    client: Client, hund_catalog: None, django_capture_on_commit_callbacks: Any
) -> None:
    journey, link = saved_on_dogs(client, django_capture_on_commit_callbacks)
    other_device = Client()
    assert other_device.get(journey.step_url).status_code == 404, "no access before the link"

    opened = other_device.get(link)

    assert opened.status_code == 302
    assert opened["Location"] == step_url(journey, "dogs")
    page = other_device.get(opened["Location"]).content.decode()
    assert input_value(page, "dogs-0-dog_name") == "Bello"
    assert input_value(page, "dogs-0-chip_number") == "276098106543210"
    assert input_value(page, "dogs-0-birth_date") == "", "the invalid date was not kept"
    back = other_device.get(step_url(journey, "owner")).content.decode()
    assert input_value(back, "owner_address-street") == "Lindenallee"
    # The citizen can finish on the other device.
    resumed = Journey(other_device, "hund-anmelden", language="en", step_url=opened["Location"])
    resumed.answer("dogs", DOGS)
    assert resumed.step_id == "insurance"


def test_a_resumed_draft_with_everything_answered_opens_the_check_page(
    client: Client, hund_catalog: None, django_capture_on_commit_callbacks: Any
) -> None:
    journey = start(client)
    assert journey.at_check
    with django_capture_on_commit_callbacks(execute=True):
        services.offer_resume_link(draft=draft_of(journey), email="erika@example.org")

    opened = Client().get(resume_link(str(mail.outbox[0].body)))

    assert opened.status_code == 302
    assert opened["Location"] == journey.step_url


def test_a_tampered_link_is_not_valid(client: Client, hund_catalog: None,
                                      django_capture_on_commit_callbacks: Any) -> None:
    journey, link = saved_on_dogs(client, django_capture_on_commit_callbacks)
    token = link.rstrip("/").split("/")[-1]
    other_draft = start(Client(), until="keeping")
    forged_value = token.replace(str(draft_of(journey).pk), str(draft_of(other_draft).pk))
    tampered = [
        link.replace(token, token[:-2] + ("AA" if not token.endswith("AA") else "BB")),
        link.replace(token, forged_value),
        link.replace(token, "nonsense"),
        link.replace(token, signing.TimestampSigner(salt="rathaus.submission-status").sign(
            str(draft_of(journey).pk))),
    ]

    for url in tampered:
        visitor = Client()
        response = visitor.get(url)
        assert response.status_code == 404, url
        assert message("This link is not valid") in response.content.decode()
        assert visitor.get(step_url(journey, "owner")).status_code == 404


def test_an_expired_link_is_not_valid(client: Client, hund_catalog: None,
                                      django_capture_on_commit_callbacks: Any,
                                      monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    journey, link = saved_on_dogs(client, django_capture_on_commit_callbacks)
    assert Client().get(link).status_code == 302, "valid before it expires"
    later = time.time() + settings.RATHAUS_RESUME_LINK_MAX_AGE + 60
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)

    response = Client().get(link)

    assert response.status_code == 404
    assert message("This link is not valid") in response.content.decode()
    assert Draft.objects.filter(pk=draft_of(journey).pk).exists()


def test_a_link_to_a_deleted_draft_is_not_valid(client: Client, hund_catalog: None,
                                                django_capture_on_commit_callbacks: Any) -> None:
    journey, link = saved_on_dogs(client, django_capture_on_commit_callbacks)
    Draft.objects.filter(pk=draft_of(journey).pk).update(
        updated_at=timezone.now() - datetime.timedelta(days=31)
    )
    services.purge_expired_drafts()

    response = Client().get(link)

    assert response.status_code == 404
    assert message("This link is not valid") in response.content.decode()


def test_a_saved_file_comes_back_with_the_draft(client: Client, nachweis: Any,
                                                django_capture_on_commit_callbacks: Any) -> None:
    journey = Journey(client, SLUG, language="en").start()
    journey.answer("about", ABOUT)
    journey.post({"proof": SimpleUploadedFile("proof.pdf", PDF), "note": "x" * 30},
                 action="save")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(save_url(journey), {"email": "erika@example.org", "consent": "yes"})
    upload = Upload.objects.get()

    other_device = Client()
    opened = other_device.get(resume_link(str(mail.outbox[0].body)))
    page = other_device.get(opened["Location"]).content.decode()

    assert opened["Location"] == step_url(journey, "proof")
    assert input_value(page, "proof-current") == str(upload.pk)
    download = other_device.get(f"/en/files/{upload.pk}/")
    assert download.status_code == 200
    assert downloaded(download) == PDF


# -- deleting old drafts ------------------------------------------------------------------------


def age(draft: Draft, days: float, *, consent: bool = True) -> None:
    """Pretend the draft was last changed `days` ago (with or without consent to keep it)."""
    Draft.objects.filter(pk=draft.pk).update(
        updated_at=timezone.now() - datetime.timedelta(days=days),
        resume_consent_at=timezone.now() - datetime.timedelta(days=days) if consent else None,
        resume_email="erika@example.org" if consent else "",
    )


def proof_draft(client: Client) -> tuple[Journey, Upload]:
    journey = Journey(client, SLUG, language="en").start()
    journey.answer("about", ABOUT)
    journey.answer("proof", {"proof": SimpleUploadedFile("proof.pdf", PDF), "note": "n"})
    return journey, Upload.objects.get(draft=draft_of(journey))


def test_drafts_untouched_for_30_days_are_deleted_with_their_files(nachweis: Any) -> None:
    old, old_upload = proof_draft(Client())
    young, young_upload = proof_draft(Client())
    sent, sent_upload = proof_draft(Client())
    sent.answer("finish", {"confirm": "yes"})
    submission = sent.submit()
    old_file, young_file, sent_file = (Path(item.file.path)
                                       for item in (old_upload, young_upload, sent_upload))
    assert old_file.exists()
    old_draft, young_draft = draft_of(old), draft_of(young)
    age(old_draft, 31)
    age(young_draft, 29)

    deleted = services.purge_expired_drafts()

    assert deleted == 1
    assert not Draft.objects.filter(pk=old_draft.pk).exists()
    assert not Upload.objects.filter(pk=old_upload.pk).exists()
    assert not old_file.exists()
    assert Draft.objects.filter(pk=young_draft.pk).exists()
    assert young_file.exists()
    assert Upload.objects.filter(pk=young_upload.pk).exists()
    assert list(submission.attachments.all()) == [sent_upload]
    assert sent_file.read_bytes() == PDF
    assert old.client.get(old.step_url).status_code == 404


def test_drafts_nobody_agreed_to_keep_are_deleted_after_a_day(nachweis: Any) -> None:
    stale, stale_upload = proof_draft(Client())
    fresh, _fresh_upload = proof_draft(Client())
    kept, _kept_upload = proof_draft(Client())
    stale_file = Path(stale_upload.file.path)
    age(draft_of(stale), 1.1, consent=False)
    age(draft_of(fresh), 0.5, consent=False)
    age(draft_of(kept), 1.1, consent=True)

    assert services.purge_expired_drafts() == 1

    assert not Draft.objects.filter(pk=draft_id(stale)).exists()
    assert not stale_file.exists()
    assert Draft.objects.filter(pk=draft_id(fresh)).exists()
    assert Draft.objects.filter(pk=draft_id(kept)).exists()


def test_the_purge_command_reports_how_many_drafts_it_deleted(hund_catalog: None) -> None:
    journeys = [start(Client(), until="keeping") for _ in range(3)]
    for journey in journeys[:2]:
        age(draft_of(journey), 45)
    out = io.StringIO()

    call_command("purge_drafts", stdout=out)

    assert "2" in out.getvalue()
    assert Draft.objects.count() == 1
    out = io.StringIO()
    call_command("purge_drafts", stdout=out)
    assert "0" in out.getvalue()


def test_saves_from_two_tabs_are_merged_not_lost(hund_catalog: None) -> None:
    """Two browser tabs of one draft save different steps from stale copies: both answers stay."""
    from rathaus.applications import services as application_services
    from rathaus.applications.models import Draft
    from rathaus.catalog.models import Service
    from rathaus.identity.levels import TrustLevel

    service = Service.objects.get(slug="hund-anmelden")
    draft = application_services.start_draft(
        service=service, language="de", trust_level=TrustLevel.NONE
    )
    spec = draft.service_version.spec
    assert spec.form is not None
    owner_step, keeping_step = spec.form.steps[0], spec.form.steps[1]
    tab_one = Draft.objects.get(pk=draft.pk)
    tab_two = Draft.objects.get(pk=draft.pk)
    application_services.save_step(draft=tab_one, step=owner_step,
                                   values={"owner_email": "erika@example.org"})
    application_services.save_step(draft=tab_two, step=keeping_step,
                                   values={"commercial": False, "moved_here": False})
    stored = Draft.objects.get(pk=draft.pk)
    assert stored.answers["owner_email"] == "erika@example.org"
    assert stored.answers["commercial"] is False
    assert set(stored.completed_steps) == {"owner", "keeping"}
