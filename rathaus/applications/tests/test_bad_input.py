"""Bad or tampered input never ends in a server error or lost answers.

Every rejected page names the problem next to the field, links to it from the error summary and
shows again what the citizen typed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from rathaus.applications.models import Draft, Upload

from .hund import (
    DEBIT,
    DOGS,
    KEEPING,
    OWNER,
    checked,
    dog,
    draft_of,
    input_value,
    message,
    start,
    step_url,
    summary_links,
)
from .journey import Journey, downloaded
from .nachweis import ABOUT, EXE, PDF, PNG, SLUG, TEXT

pytestmark = pytest.mark.django_db


def body_of(response: Any) -> str:
    return str(response.content.decode())


# -- tampering with URLs and posted data --------------------------------------------------------


def test_unknown_step_in_the_url_shows_the_not_found_page(client: Client,
                                                          hund_catalog: None) -> None:
    journey = start(client, until="keeping")
    url = step_url(journey, "no-such-step")

    shown = client.get(url)
    posted = client.post(url, {"action": "continue", "owner_email": "x@example.org"})

    for response in (shown, posted):
        assert response.status_code == 404
        assert message("Page not found") in body_of(response)
    assert draft_of(journey).answers["owner_email"] == OWNER["owner_email"]


def test_a_step_not_yet_reachable_sends_back_to_the_first_unanswered(
    client: Client, hund_catalog: None
) -> None:
    journey = start(client, until="keeping")

    response = client.get(step_url(journey, "payment"))

    assert response.status_code == 302
    assert response["Location"] == step_url(journey, "keeping")
    posted = client.post(step_url(journey, "payment"), {**DEBIT, "action": "continue"})
    assert posted.status_code == 302
    assert posted["Location"] == step_url(journey, "keeping")
    assert "payment_method" not in draft_of(journey).answers
    assert draft_of(journey).completed_steps == ["owner"]


def test_a_skipped_step_cannot_be_opened_or_answered(client: Client, nachweis: Any) -> None:
    journey = Journey(client, SLUG, language="en").start()
    journey.answer("about", {**ABOUT, "has_proof": "no"})
    assert journey.step_id == "finish", "the proof step is skipped"

    shown = client.get(step_url(journey, "proof"))
    posted = client.post(step_url(journey, "proof"), {"note": "sneaked in", "action": "continue"})

    assert shown.status_code == 302
    assert shown["Location"] == step_url(journey, "finish")
    assert posted.status_code == 302
    draft = draft_of(journey)
    assert "note" not in draft.answers
    assert "proof" not in draft.completed_steps


def test_someone_elses_draft_is_not_found_and_shows_nothing(client: Client,
                                                            hund_catalog: None) -> None:
    journey = start(client, until="keeping")
    other = Client()
    urls = [
        step_url(journey, "owner"),
        step_url(journey, "keeping"),
        step_url(journey, "keeping") + "stop/",
        step_url(journey, "owner").replace("/owner/", "/check/"),
        step_url(journey, "owner").replace("/owner/", "/save/"),
    ]

    for url in urls:
        response = other.get(url)
        assert response.status_code == 404, url
        body = body_of(response)
        assert message("Application not found") in body
        assert "Mustermann" not in body
        assert "Lindenallee" not in body
    overwrite = other.post(step_url(journey, "owner"),
                           {**OWNER, "owner_email": "mallory@example.org", "action": "continue"})
    submit = other.post(step_url(journey, "owner").replace("/owner/", "/check/"))

    assert overwrite.status_code == 404
    assert submit.status_code == 404
    assert draft_of(journey).answers["owner_email"] == "erika@example.org"


def test_an_answer_to_a_hidden_field_is_not_stored(client: Client, hund_catalog: None) -> None:
    journey = start(client, until="keeping")

    journey.answer("keeping", {"commercial": "no", "moved_here": "no",
                               "previous_municipality": "Hildesheim"})

    answers = draft_of(journey).answers
    assert answers["moved_here"] is False
    assert "previous_municipality" not in answers


def test_changing_an_answer_drops_what_it_used_to_show(client: Client, hund_catalog: None) -> None:
    journey = start(client, until="dogs")
    assert draft_of(journey).answers["previous_municipality"] == "Hildesheim"

    client.post(step_url(journey, "keeping"),
                {"commercial": "no", "moved_here": "no", "previous_municipality": "Hildesheim",
                 "action": "continue"})

    assert "previous_municipality" not in draft_of(journey).answers


def test_a_file_for_a_hidden_permit_is_neither_stored_nor_kept(client: Client,
                                                               hund_catalog: None) -> None:
    journey = start(client, until="dogs")
    permit = SimpleUploadedFile("permit.pdf", PDF, content_type="application/pdf")

    journey.answer("dogs", {**DOGS, "dogs-0-dangerous_permit": permit})

    assert draft_of(journey).answers["dogs"][0]["dangerous"] is False
    assert "dangerous_permit" not in draft_of(journey).answers["dogs"][0]
    assert not Upload.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "link"),
    [
        ("dogs-0-sex", "cat", "dogs-0-sex-0"),
        ("dogs-0-dangerous", "maybe", "dogs-0-dangerous-yes"),
    ],
)
def test_a_value_that_is_not_an_option_is_refused(client: Client, hund_catalog: None, field: str,
                                                  value: str, link: str) -> None:
    journey = start(client, until="dogs")

    response = journey.post({**DOGS, field: value})

    assert response.status_code == 200
    body = body_of(response)
    assert summary_links(body) == [link]
    assert input_value(body, "dogs-0-dog_name") == "Bello"
    assert "dogs" not in draft_of(journey).answers


def test_a_payment_method_that_is_not_offered_is_refused(client: Client,
                                                         hund_catalog: None) -> None:
    journey = start(client, until="payment")

    response = journey.post({**DEBIT, "payment_method": "bitcoin"})

    assert response.status_code == 200
    body = body_of(response)
    assert summary_links(body) == ["payment_method-0"]
    assert message("Select one of the options for “%(label)s”.",
                   label="How would you like to pay?") in body
    assert "payment_method" not in draft_of(journey).answers


@pytest.mark.parametrize("count", ["999", "7", "-5", "0", "abc", "", "9" * 5000])
def test_a_tampered_dog_count_stays_within_the_groups_limits(client: Client, hund_catalog: None,
                                                             count: str) -> None:
    journey = start(client, until="dogs")

    response = journey.post({**DOGS, "dogs-count": count})

    if response.status_code == 302:
        # Read as one dog: the answers of that dog are complete.
        assert [item["dog_name"] for item in draft_of(journey).answers["dogs"]] == ["Bello"]
    else:
        # Read as the maximum of six dogs: five of them still need answers.
        assert response.status_code == 200
        body = body_of(response)
        assert 'name="dogs-5-dog_name"' in body
        assert 'name="dogs-6-dog_name"' not in body
        assert input_value(body, "dogs-count") == "6"
        assert input_value(body, "dogs-0-dog_name") == "Bello"
        assert "dogs-1-dog_name" in summary_links(body)
    assert (response.status_code == 200) == (count in {"999", "7"})


@pytest.mark.parametrize(
    "action", ["remove:dogs:77", "remove:dogs:-1", "remove:dogs:x", "add:nonexistent",
               "remove:", "add:", "explode", ""],
)
def test_a_tampered_action_button_is_read_as_continue(client: Client, hund_catalog: None,
                                                      action: str) -> None:
    journey = start(client, until="dogs")

    response = journey.post(DOGS, action=action)

    assert response.status_code == 302
    assert journey.step_id == "insurance"
    assert [item["dog_name"] for item in draft_of(journey).answers["dogs"]] == ["Bello"]


def test_removing_the_only_dog_keeps_one_empty_dog(client: Client, hund_catalog: None) -> None:
    journey = start(client, until="dogs")

    response = journey.post(DOGS, action="remove:dogs:0")

    assert response.status_code == 200
    body = body_of(response)
    assert input_value(body, "dogs-count") == "1"
    assert input_value(body, "dogs-0-dog_name") == ""


def test_an_upload_of_another_draft_cannot_be_borrowed(client: Client, hund_catalog: None) -> None:
    owner = Client()
    theirs = start(owner, until="dogs")
    theirs.answer("dogs", {**DOGS, "dogs-0-dangerous": "yes",
                           "dogs-0-dangerous_permit": SimpleUploadedFile("permit.pdf", PDF)})
    upload = Upload.objects.get()
    journey = start(client, until="dogs")

    response = journey.post({**DOGS, "dogs-0-dangerous": "yes",
                             "dogs-0-dangerous_permit-current": str(upload.pk)})

    assert response.status_code == 200
    body = body_of(response)
    assert summary_links(body) == ["dogs-0-dangerous_permit"]
    assert str(upload.pk) not in body
    assert "permit.pdf" not in body
    assert "dogs" not in draft_of(journey).answers
    assert client.get(f"/en/files/{upload.pk}/").status_code == 404
    upload.refresh_from_db()
    assert upload.draft_id == draft_of(theirs).pk


# -- CSRF --------------------------------------------------------------------------------------


def test_a_post_without_csrf_token_explains_and_keeps_earlier_answers(client: Client,
                                                                      hund_catalog: None) -> None:
    journey = start(client, until="keeping")
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = client.cookies

    response = strict.post(journey.step_url, {**KEEPING, "action": "continue"})

    assert response.status_code == 403
    body = body_of(response)
    assert message("Your session has expired") in body
    draft = draft_of(journey)
    assert draft.answers["owner_email"] == "erika@example.org"
    assert "commercial" not in draft.answers
    # The same browser, with a fresh token, goes on where it stopped.
    page = strict.get(journey.step_url)
    token = page.content.decode().split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    again = strict.post(journey.step_url,
                        {**KEEPING, "action": "continue", "csrfmiddlewaretoken": token})
    assert again.status_code == 302
    assert draft_of(journey).answers["previous_municipality"] == "Hildesheim"


# -- uploads ------------------------------------------------------------------------------------


def proof_journey(client: Client) -> Journey:
    journey = Journey(client, SLUG, language="en").start()
    journey.answer("about", ABOUT)
    assert journey.step_id == "proof"
    return journey


def test_a_file_over_the_fields_limit_is_refused_naming_the_limit(client: Client,
                                                                  nachweis: Any) -> None:
    journey = proof_journey(client)
    big = SimpleUploadedFile("proof.pdf", PDF + b"0" * (1024 * 1024))

    response = journey.post({"proof": big, "note": "typed note"})

    assert response.status_code == 200
    body = body_of(response)
    assert message("The file for “%(label)s” must be smaller than %(mb)s MB.",
                   label="Proof document", mb=1) in body
    assert summary_links(body) == ["proof"]
    assert input_value(body, "note") == "typed note"
    assert not Upload.objects.exists()


@pytest.mark.parametrize("content", [PNG, EXE, TEXT], ids=["png", "exe", "text"])
def test_a_file_named_pdf_must_really_be_a_pdf(client: Client, nachweis: Any,
                                               content: bytes) -> None:
    journey = proof_journey(client)
    disguised = SimpleUploadedFile("proof.pdf", content, content_type="application/pdf")

    response = journey.post({"proof": disguised, "note": "typed note"})

    assert response.status_code == 200
    body = body_of(response)
    assert message("The file for “%(label)s” must be in %(kinds)s format. The file you chose is "
                   "of another type, whatever its name says.", label="Proof document",
                   kinds="PDF") in body
    assert summary_links(body) == ["proof"]
    assert input_value(body, "note") == "typed note"
    assert not Upload.objects.exists()
    assert not draft_of(journey).answers.get("proof")


def test_an_empty_file_is_refused(client: Client, nachweis: Any) -> None:
    journey = proof_journey(client)

    response = journey.post({"proof": SimpleUploadedFile("proof.pdf", b""), "note": "typed"})

    assert response.status_code == 200
    body = body_of(response)
    assert summary_links(body) == ["proof"]
    assert message("The file for “%(label)s” is empty.", label="Proof document") in body
    assert input_value(body, "note") == "typed"
    assert not Upload.objects.exists()


def test_a_valid_pdf_is_kept_privately_through_errors_and_attached_to_the_submission(
    client: Client, nachweis: Any, settings: Any
) -> None:
    journey = proof_journey(client)

    response = journey.post({"proof": SimpleUploadedFile("Nachweis März.pdf", PDF),
                             "note": "x" * 21})

    # The note is too long; the file is stored already and offered again.
    assert response.status_code == 200
    body = body_of(response)
    assert summary_links(body) == ["note"]
    upload = Upload.objects.get()
    assert input_value(body, "proof-current") == str(upload.pk)
    assert "Nachweis März.pdf" in body
    assert upload.content_type == "application/pdf"
    assert upload.size == len(PDF)
    stored = Path(upload.file.path).resolve()
    private = Path(settings.STORAGES["default"]["OPTIONS"]["location"]).resolve()
    assert stored.is_relative_to(private)
    assert not stored.is_relative_to(Path(settings.STATIC_ROOT).resolve())
    assert not stored.is_relative_to(Path(settings.BASE_DIR, "rathaus").resolve())
    assert "März" not in stored.name, "the citizen's file name never becomes a path"
    assert client.get(f"{settings.MEDIA_URL}{upload.file.name}").status_code == 404
    assert stored.read_bytes() == PDF

    download = client.get(f"/en/files/{upload.pk}/")
    assert download.status_code == 200
    assert download["Cache-Control"] == "private, no-store"
    assert downloaded(download) == PDF
    assert Client().get(f"/en/files/{upload.pk}/").status_code == 404
    assert client.get("/en/files/not-a-uuid/").status_code == 404

    journey.answer("proof", {"proof-current": str(upload.pk), "note": "short"})
    journey.answer("finish", {"confirm": "yes"})
    submission = journey.submit()

    assert list(submission.attachments.all()) == [upload]
    assert submission.answers["proof"]["id"] == str(upload.pk)
    upload.refresh_from_db()
    assert upload.draft is None
    assert stored.exists()


def test_a_skipped_steps_file_is_not_attached(client: Client, nachweis: Any) -> None:
    journey = proof_journey(client)
    journey.answer("proof", {"proof": SimpleUploadedFile("proof.pdf", PDF), "note": "n"})
    client.post(step_url(journey, "about"), {**ABOUT, "has_proof": "no", "action": "continue"})
    assert "proof" not in draft_of(journey).answers

    journey.step_url = step_url(journey, "finish")
    journey.answer("finish", {"confirm": "yes"})
    submission = journey.submit()

    assert "proof" not in submission.answers
    assert not submission.attachments.exists()


def test_a_request_over_the_size_limit_gets_the_413_page(client: Client, nachweis: Any,
                                                         settings: Any) -> None:
    journey = proof_journey(client)
    settings.RATHAUS_MAX_REQUEST_BYTES = 4096

    response = journey.post({"proof": SimpleUploadedFile("proof.pdf", PDF + b"0" * 8192),
                             "note": "typed"})

    assert response.status_code == 413
    assert message("The upload is too large") in body_of(response)
    assert not Upload.objects.exists()
    assert Draft.objects.get().answers["applicant"] == "Erika", "earlier steps are kept"


# -- field validation ---------------------------------------------------------------------------

IBAN_MESSAGE = "Enter a valid IBAN, like DE89 3704 0044 0532 0130 00. Check for typing errors."


@pytest.mark.parametrize("iban", ["DE89 3704 0044 0532 0130 01", "hello bank", "DE89"])
def test_an_invalid_iban_is_refused_and_the_rest_is_kept(client: Client, hund_catalog: None,
                                                         iban: str) -> None:
    journey = start(client, until="payment")

    response = journey.post({**DEBIT, "bank_account-iban": iban})

    assert response.status_code == 200
    body = body_of(response)
    assert summary_links(body) == ["bank_account-iban"]
    assert message(IBAN_MESSAGE) in body
    assert input_value(body, "bank_account-iban") == iban
    assert input_value(body, "bank_account-holder") == "Erika Mustermann"
    assert checked(body, "bank_account-mandate", "yes")
    assert checked(body, "payment_method", "direct_debit")
    assert "bank_account" not in draft_of(journey).answers


def test_direct_debit_needs_the_mandate(client: Client, hund_catalog: None) -> None:
    journey = start(client, until="payment")
    data = {key: value for key, value in DEBIT.items() if key != "bank_account-mandate"}

    response = journey.post(data)

    assert response.status_code == 200
    body = body_of(response)
    assert summary_links(body) == ["bank_account-mandate"]
    assert message("Agree to the SEPA direct debit mandate to pay by direct debit.") in body
    assert input_value(body, "bank_account-iban") == DEBIT["bank_account-iban"]
    assert not checked(body, "bank_account-mandate", "yes")


def test_no_bank_account_is_asked_for_a_transfer(client: Client, hund_catalog: None) -> None:
    journey = start(client, until="payment")

    journey.answer("payment", {**DEBIT, "payment_method": "transfer",
                               "bank_account-iban": "garbage"})

    answers = draft_of(journey).answers
    assert answers["payment_method"] == "transfer"
    assert "bank_account" not in answers


def owner_error(client: Client, **changes: str) -> str:
    journey = start(client, until="owner")
    response = journey.post({**OWNER, **changes})
    assert response.status_code == 200
    assert "owner_email" not in draft_of(journey).answers
    body = body_of(response)
    for name, value in {**OWNER, **changes}.items():
        assert input_value(body, name) == value, f"{name} is shown again as typed"
    return body


@pytest.mark.parametrize("postcode", ["00123", "1234", "abcde", "311345"])
def test_a_postcode_must_have_five_digits(client: Client, hund_catalog: None,
                                          postcode: str) -> None:
    body = owner_error(client, **{"owner_address-postcode": postcode})

    assert summary_links(body) == ["owner_address-postcode"]
    assert message("Enter a German postcode with 5 digits, like 31134.") in body


@pytest.mark.parametrize("typed", ["31.02.2020", "2020-13-01", "1.1.", "yesterday"])
def test_a_date_must_be_a_real_date(client: Client, hund_catalog: None, typed: str) -> None:
    body = owner_error(client, owner_birth_date=typed)

    assert summary_links(body) == ["owner_birth_date"]
    assert message("“%(label)s” must be a real date, like 27.03.2024.",
                   label="Date of birth") in body


def test_a_german_date_is_accepted(client: Client, hund_catalog: None) -> None:
    journey = start(client, until="owner")

    journey.answer("owner", {**OWNER, "owner_birth_date": "03.02.1980"})

    assert draft_of(journey).answers["owner_birth_date"] == "1980-02-03"


def test_a_birth_date_in_the_future_is_refused(client: Client, hund_catalog: None) -> None:
    journey = start(client, until="dogs")

    response = journey.post({**DOGS, "dogs-0-birth_date": "2999-01-01"})

    assert response.status_code == 200
    body = body_of(response)
    assert summary_links(body) == ["dogs-0-birth_date"]
    assert message("“%(label)s” cannot be in the future.",
                   label="Date of birth (approximately)") in body
    assert input_value(body, "dogs-0-birth_date") == "2999-01-01"
    assert input_value(body, "dogs-0-chip_number") == "276098106543210"


@pytest.mark.parametrize(
    ("changes", "link", "text"),
    [
        ({"owner_email": "erika@"}, "owner_email",
         "Enter an e-mail address in the form name@example.de."),
        ({"owner_phone": "abc"}, "owner_phone",
         "Enter a telephone number, for example 05123 456789."),
        ({"owner_name-family_name": ""}, "owner_name-family_name", "Enter the family name."),
    ],
)
def test_contact_details_are_checked(client: Client, hund_catalog: None, changes: dict[str, str],
                                     link: str, text: str) -> None:
    body = owner_error(client, **changes)

    assert summary_links(body) == [link]
    assert message(text) in body


def test_several_errors_are_listed_in_page_order(client: Client, hund_catalog: None) -> None:
    body = owner_error(client, owner_birth_date="31.02.2020", owner_email="erika@",
                       **{"owner_address-postcode": "1234"})

    assert summary_links(body) == ["owner_birth_date", "owner_address-postcode", "owner_email"]
    for input_id in summary_links(body):
        assert f'id="{input_id}"' in body, "every summary link has its target"


@pytest.mark.parametrize(("field", "limit"), [("dog_name", 60), ("chip_number", 15)])
def test_a_text_longer_than_allowed_is_refused_with_the_limit(client: Client, hund_catalog: None,
                                                              field: str, limit: int) -> None:
    journey = start(client, until="dogs")
    typed = "7" * (limit + 1)
    label = {"dog_name": "Name of the dog", "chip_number": "Microchip number"}[field]

    response = journey.post({**DOGS, **dog(0, "Bello", **{field: typed})})

    assert response.status_code == 200
    body = body_of(response)
    assert summary_links(body) == [f"dogs-0-{field}"]
    assert message("“%(label)s” can have at most %(limit)s characters; you entered %(count)s.",
                   label=label, limit=limit, count=limit + 1) in body
    assert input_value(body, f"dogs-0-{field}") == typed
    assert input_value(body, "dogs-0-breed") == "Labrador-Mischling"
