"""The service's trust level guards every request about a draft, not only the start page.

A citizen whose session is below the level (or signed out) gets the sign-in page with the
step-up to BundID, nothing of the refused request is saved, and what they had typed on the step
is there again when they come back signed in. A citizen's draft opens only for that citizen.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from rathaus.applications import links
from rathaus.applications.models import Draft, Submission, Upload
from rathaus.catalog.loader import LoadedService
from rathaus.catalog.services import publish_service
from rathaus.forms.schema import ServiceDef
from rathaus.identity.levels import TrustLevel
from rathaus.identity.testing import ERIKA
from rathaus.identity.testing import sign_in_client as _sign_in_client

from . import nachweis
from .journey import Journey, downloaded

pytestmark = pytest.mark.django_db

# The Meldebescheinigung is for residents: Erika as BundID knows her after moving to the town.
ERIKA_HERE = {**ERIKA, "postal_code": "31000", "city": "Musterstadt"}


def sign_in_client(client: Client, **options: Any) -> Any:
    return _sign_in_client(client, **{"attributes": ERIKA_HERE, **options})

SLUG = "meldebescheinigung"
CERTIFICATE = {"certificate_type": "extended", "purpose": "für die Familienkasse",
               "for_whom": "self"}


def step_up_form(response: Any) -> dict[str, str]:
    """Return the hidden fields of the page's step-up form, after checking where it posts."""
    assert response.status_code == 403, response.content[:300]
    body = response.content.decode()
    form = re.search(r'<form class="step-up" method="post" action="([^"]+)">(.*?)</form>', body,
                     re.S)
    assert form is not None, "the sign-in page offers the step-up"
    assert form[1] == reverse("identity:saml_login")
    fields = dict(re.findall(r'<input type="hidden" name="(level|next)" value="([^"]*)">',
                             form[2]))
    assert "csrfmiddlewaretoken" in form[2]
    return {key: html.unescape(value) for key, value in fields.items()}


def started(client: Client, level: TrustLevel = TrustLevel.SUBSTANTIAL) -> Journey:
    sign_in_client(client, level=level)
    return Journey(client, SLUG).start()


def url_of(journey: Journey, step_id: str) -> str:
    return f"{journey.step_url.rstrip('/').rsplit('/', 1)[0]}/{step_id}/"


def test_starting_needs_the_level_and_offers_the_step_up(client: Client, catalog: None) -> None:
    sign_in_client(client, level=TrustLevel.BASIC)
    for response in (client.get(f"/de/services/{SLUG}/apply/"),
                     client.post(f"/de/services/{SLUG}/apply/")):
        assert step_up_form(response) == {"level": "substantial",
                                          "next": f"/de/services/{SLUG}/apply/"}
    assert not Draft.objects.exists()
    body = client.get(f"/en/services/{SLUG}/apply/").content.decode()
    assert "You are signed in at the trust level “basic (user name and password)”" in body
    assert "Sign in again with BundID" in body


def test_every_request_about_the_draft_is_refused_below_the_level(
    client: Client, catalog: None
) -> None:
    journey = started(client)
    journey.answer("certificate", CERTIFICATE)
    draft = Draft.objects.get()
    before = (draft.answers, draft.completed_steps, draft.updated_at)

    sign_in_client(client, level=TrustLevel.BASIC)  # the same person, now at a lower level
    applicant = url_of(journey, "applicant")
    check = url_of(journey, "check")
    requests = {
        "step GET": client.get(applicant),
        "step POST": client.post(applicant, {"applicant_birth_date": "1964-08-12",
                                             "action": "continue"}),
        "step save for later": client.post(applicant, {"action": "save"}),
        "step add a person": client.post(url_of(journey, "family"),
                                         {"action": "add:family_members"}),
        "earlier step GET": client.get(url_of(journey, "certificate")),
        "check GET": client.get(check),
        "submit": client.post(check),
        "save page": client.get(url_of(journey, "save")),
        "save POST": client.post(url_of(journey, "save"),
                                 {"email": "erika@example.org", "consent": "yes"}),
        "exit page": client.get(url_of(journey, "certificate") + "stop/"),
    }
    for name, response in requests.items():
        fields = step_up_form(response)
        assert fields["level"] == "substantial", name
        assert fields["next"] == response.wsgi_request.get_full_path(), name

    draft.refresh_from_db()
    assert (draft.answers, draft.completed_steps, draft.updated_at) == before
    assert draft.resume_email == ""
    assert not Submission.objects.exists()


@pytest.fixture
def secure_upload(catalog: None) -> str:
    """Publish the test upload service at the level substantial."""
    data = {**nachweis.DEFINITION, "trust_level": "substantial",
            "trust_reason": {"de": "Nur für Sie.", "en": "Only for you."}}
    publish_service(loaded=LoadedService(spec=ServiceDef.model_validate(data), data=data,
                                         path=Path(f"{nachweis.SLUG}.yaml")))
    return nachweis.SLUG


def test_uploads_and_files_are_refused_below_the_level(client: Client,
                                                       secure_upload: str) -> None:
    sign_in_client(client, level=TrustLevel.SUBSTANTIAL)
    journey = Journey(client, secure_upload).start()
    journey.answer("about", nachweis.ABOUT)
    proof_url = journey.step_url
    journey.answer("proof", {"proof": SimpleUploadedFile("a.pdf", nachweis.PDF), "note": "x"})
    upload = Upload.objects.get()
    assert downloaded(client.get(f"/de/files/{upload.pk}/")) == nachweis.PDF

    sign_in_client(client, level=TrustLevel.BASIC)
    assert step_up_form(client.get(f"/de/files/{upload.pk}/"))["level"] == "substantial"
    response = client.post(proof_url, {"proof": SimpleUploadedFile("b.pdf", nachweis.PDF),
                                       "note": "y", "action": "continue"})
    assert step_up_form(response)["next"] == proof_url
    assert Upload.objects.count() == 1, "the refused file is not stored"


UNKNOWN = "00000000-0000-4000-8000-000000000000"


def page(response: Any) -> str:
    """The page without what differs on every request: the CSRF token, the error reference."""
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    return body.replace(response["X-Request-ID"], "")


def test_a_file_not_yours_answers_exactly_as_an_unknown_file(client: Client,
                                                             secure_upload: str) -> None:
    sign_in_client(client, level=TrustLevel.SUBSTANTIAL)
    journey = Journey(client, secure_upload).start()
    journey.answer("about", nachweis.ABOUT)
    journey.answer("proof", {"proof": SimpleUploadedFile("a.pdf", nachweis.PDF), "note": "x"})
    upload = Upload.objects.get()
    someone_else = Client()
    sign_in_client(someone_else, level=TrustLevel.HIGH, bpk2="someone-else")

    # Signed out (the sign-in page would confirm that the file exists), another citizen.
    for stranger in (Client(), someone_else):
        unknown = stranger.get(f"/de/files/{UNKNOWN}/")
        response = stranger.get(f"/de/files/{upload.pk}/")
        assert response.status_code == unknown.status_code == 404
        # The same page, but for its own address (the language switch, the sign-in link),
        # with a freshly masked CSRF token and its own error reference.
        assert page(response).replace(str(upload.pk), UNKNOWN) == page(unknown)
        assert nachweis.PDF not in response.content


def test_answers_of_a_refused_step_come_back_after_the_step_up(client: Client,
                                                              catalog: None) -> None:
    journey = started(client)
    certificate = journey.step_url
    sign_in_client(client, level=TrustLevel.BASIC)

    refused = client.post(certificate, {**CERTIFICATE, "action": "continue"})
    assert step_up_form(refused) == {"level": "substantial", "next": certificate}
    assert "Ihre Angaben wurden aufbewahrt" in refused.content.decode()
    assert Draft.objects.get().answers == {}, "nothing of the refused POST is saved"

    sign_in_client(client, level=TrustLevel.HIGH)  # back from BundID, at a higher level
    page = client.get(certificate)
    assert page.status_code == 200
    body = page.content.decode()
    assert re.search(r'value="extended" checked', body), "the choice is kept"
    assert 'value="für die Familienkasse"' in body
    assert re.search(r'value="self" checked', body)
    assert Draft.objects.get().answers == {}, "shown again, saved only when sent"

    again = client.get(certificate).content.decode()
    assert 'value="für die Familienkasse"' not in again, "kept answers are shown once"
    journey.answer("certificate", CERTIFICATE)
    assert Draft.objects.get().answers["purpose"] == "für die Familienkasse"


def test_signed_out_the_draft_asks_for_the_sign_in_and_keeps_the_answers(
    client: Client, catalog: None, settings: Any
) -> None:
    journey = started(client, TrustLevel.HIGH)
    certificate = journey.step_url
    client.cookies.pop(settings.SESSION_COOKIE_NAME)  # signed out: a fresh, anonymous session

    refused = client.post(certificate, {**CERTIFICATE, "action": "continue"})
    assert step_up_form(refused) == {"level": "substantial", "next": certificate}
    assert Draft.objects.get().answers == {}
    assert client.post(url_of(journey, "check")).status_code == 403

    sign_in_client(client, level=TrustLevel.HIGH)
    body = client.get(certificate).content.decode()
    assert 'value="für die Familienkasse"' in body


def test_a_citizens_draft_opens_only_for_that_citizen(client: Client, catalog: None) -> None:
    journey = started(client, TrustLevel.HIGH)
    journey.answer("certificate", CERTIFICATE)
    draft = Draft.objects.get()
    assert draft.citizen is not None
    assert draft.citizen.pk == sign_in_client(Client(), level=TrustLevel.HIGH).pk

    other = Client()
    sign_in_client(other, level=TrustLevel.HIGH, bpk2="someone-else")
    for response in (other.get(journey.step_url),
                     other.post(journey.step_url, {"applicant_birth_date": "2000-01-01"}),
                     other.get(url_of(journey, "check")),
                     other.post(url_of(journey, "check")),
                     other.get(url_of(journey, "save"))):
        assert response.status_code == 404
    assert Draft.objects.get().answers == draft.answers
    assert not Submission.objects.exists()

    # The resume link alone does not open it either; the citizen's sign-in does.
    token_path = urlsplit(links.resume_url(draft)).path
    assert other.get(token_path).status_code == 404
    anonymous = Client()
    assert step_up_form(anonymous.get(token_path))["level"] == "substantial"
    assert client.get(token_path).status_code == 302


def test_anonymous_drafts_stay_with_their_browser(client: Client, catalog: None) -> None:
    journey = Journey(client, "hund-abmelden").start()
    assert Draft.objects.get().citizen is None
    assert client.get(journey.step_url).status_code == 200
    assert Client().get(journey.step_url).status_code == 404
    signed_in = Client()
    sign_in_client(signed_in)
    assert signed_in.get(journey.step_url).status_code == 404
