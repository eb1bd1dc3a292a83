"""Staff edit notice templates in the admin, with a preview of what the citizen will get."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from rathaus.audit.models import Action, AuditEvent
from rathaus.notices.models import NoticeKind, NoticeTemplate, NoticeTemplateVersion
from rathaus.notices.services import issue_notice

from .conftest import dog_context, template_of

pytestmark = pytest.mark.django_db


def editor(*permissions: str, verified: bool = True, username: str = "vorlagen") -> Client:
    """Return a browser of a staff account with ``permissions``, signed in with its app code.

    (The staff app's own helper is not imported: notices sit below it.)
    """
    user = User.objects.create_user(username, f"{username}@example.org", "x", is_staff=True,
                                    first_name="Jonas", last_name="Schröder")
    user.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="notices", codename__in=permissions))
    client = Client()
    client.force_login(user)
    if verified:
        device = TOTPDevice.objects.create(user=user, name="App", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def preview_url(version: NoticeTemplateVersion | None, language: str = "de") -> str:
    assert version is not None
    return f"/admin/notices/noticetemplate/preview/{version.pk}/{language}/"


def form_data(template: NoticeTemplate, **changes: str) -> dict[str, str]:
    version = template.current_version
    assert version is not None
    data = {part: getattr(version, part) for part in
            ("title_de", "title_en", "body_de", "body_en", "remedy_de", "remedy_en")}
    data.update({"versions-TOTAL_FORMS": "1", "versions-INITIAL_FORMS": "1",
                 "versions-MIN_NUM_FORMS": "0", "versions-MAX_NUM_FORMS": "1000",
                 "versions-0-id": str(version.pk), "versions-0-template": str(template.pk)})
    data.update(changes)
    return data


def test_the_preview_is_the_pdf_a_citizen_would_get(notice_catalog: None,
                                                    read_pdf: Any) -> None:
    template = template_of("geburtsurkunde", NoticeKind.FEE)
    client = editor("view_noticetemplate")

    response = client.get(preview_url(template.current_version))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(read_pdf(response.content).split())
    assert "Gebührenbescheid für Ihre Geburtsurkunde" in text
    assert "Erika Mustermann" in text, "the made-up applicant"
    assert "Jonas Schröder" in text, "the signed-in clerk"
    assert "12,00 €" in text, "the fee from the definition"
    assert "Rechtsbehelfsbelehrung" in text
    english = client.get(preview_url(template.current_version, "en"))
    assert "Fee notice for your birth certificate" in read_pdf(english.content)
    html = client.get(preview_url(template.current_version) + "?format=html")
    assert html.status_code == 200
    assert "<h1>Bescheid</h1>" in html.content.decode()


def test_the_preview_is_refused_to_others(notice_catalog: None) -> None:
    url = preview_url(template_of("hund-anmelden", NoticeKind.GRANTED).current_version)

    assert editor(username="ohne-recht").get(url).status_code == 403
    unverified = editor("view_noticetemplate", verified=False, username="nur-passwort")
    response = unverified.get(url)
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    anonymous = Client().get(url)
    assert anonymous.status_code == 302
    assert "/login/" in anonymous["Location"]
    assert editor("view_noticetemplate", username="falsch").get(
        url.replace("/de/", "/fr/")).status_code == 404
    assert editor("view_noticetemplate", username="unbekannt").get(
        "/admin/notices/noticetemplate/preview/999999/de/").status_code == 404


def test_editing_makes_a_new_version(notice_catalog: None) -> None:
    template = template_of("hund-anmelden", NoticeKind.REFUSED)
    first = template.current_version
    client = editor("view_noticetemplate", "change_noticetemplate")

    response = client.post(f"/admin/notices/noticetemplate/{template.pk}/change/",
                           form_data(template, title_de="Ablehnung der Anmeldung"))

    assert response.status_code == 302, response.content.decode()[:2000]
    template.refresh_from_db()
    assert template.current_version is not None
    assert template.current_version.number == 2
    assert template.current_version.title_de == "Ablehnung der Anmeldung"
    assert template.current_version.created_by == "vorlagen"
    assert first is not None
    first.refresh_from_db()
    assert first.title_de == "Ablehnung Ihrer Anmeldung zur Hundesteuer"


def test_an_unknown_placeholder_is_a_form_error_on_its_field(notice_catalog: None) -> None:
    template = template_of("hund-anmelden", NoticeKind.REFUSED)
    client = editor("view_noticetemplate", "change_noticetemplate")

    response = client.post(f"/admin/notices/noticetemplate/{template.pk}/change/",
                           form_data(template, body_en="Dear {applicant}, {% debug %}"))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["body_en"]
    assert any("{applicant}" in message for message in errors["body_en"])
    assert "Unbekannter Platzhalter {applicant}." in response.content.decode()
    assert template.versions.count() == 1


def test_the_preview_button_shows_unsaved_text_and_saves_nothing(notice_catalog: None,
                                                                 read_pdf: Any) -> None:
    template = template_of("hund-anmelden", NoticeKind.REFUSED)
    client = editor("view_noticetemplate", "change_noticetemplate")
    data = form_data(template, body_de="Noch nicht gespeichert für {applicant_name}.",
                     _preview="de")

    response = client.post(f"/admin/notices/noticetemplate/{template.pk}/change/", data)

    assert response["Content-Type"] == "application/pdf"
    assert "Noch nicht gespeichert für Erika Mustermann." in read_pdf(response.content)
    assert template.versions.count() == 1
    viewer = editor("view_noticetemplate", username="nur-lesen")
    refused = viewer.post(f"/admin/notices/noticetemplate/{template.pk}/change/", data)
    assert refused.status_code == 403


def test_a_new_template_starts_with_the_default_remedy(notice_catalog: None) -> None:
    client = editor("view_noticetemplate", "add_noticetemplate")
    page = client.get("/admin/notices/noticetemplate/add/")
    assert page.status_code == 200
    assert "{court_name}" in page.content.decode(), "the default remedy is filled in"
    initial = page.context["adminform"].form.fields
    service = template_of("hund-anmelden", NoticeKind.GRANTED).service
    data = {"service": str(service.pk), "kind": NoticeKind.PARTLY_GRANTED,
            "title_de": "Teilweise", "title_en": "Partly", "body_de": "Für {applicant_name}.",
            "body_en": "For {applicant_name}.",
            "remedy_de": initial["remedy_de"].initial, "remedy_en": initial["remedy_en"].initial,
            "versions-TOTAL_FORMS": "0", "versions-INITIAL_FORMS": "0",
            "versions-MIN_NUM_FORMS": "0", "versions-MAX_NUM_FORMS": "1000"}

    response = client.post("/admin/notices/noticetemplate/add/", data)

    assert response.status_code == 302, response.content.decode()[:3000]
    created = template_of("hund-anmelden", NoticeKind.PARTLY_GRANTED)
    assert created.current_version is not None
    assert "Klage" in created.current_version.remedy_de


def test_the_preview_of_a_tax_without_fee_lines_shows_the_amount_of_the_fee_text(
        notice_catalog: None, read_pdf: Any) -> None:
    # The dog tax is set per case: the form has no fee lines, its fee text names €96.
    template = template_of("hund-anmelden", NoticeKind.GRANTED)
    text = " ".join(read_pdf(editor("view_noticetemplate").get(
        preview_url(template.current_version)).content).split())
    assert "96,00 €" in text
    assert "0,00 €" not in text


def test_opening_a_preview_or_an_issued_notice_in_the_admin_is_in_the_audit_log(
        notice_catalog: None) -> None:
    template = template_of("hund-anmelden", NoticeKind.GRANTED)
    assert template.current_version is not None
    client = editor("view_noticetemplate", "view_notice")
    assert client.get(preview_url(template.current_version)).status_code == 200
    previewed = AuditEvent.objects.get(action=Action.NOTICE_PREVIEWED)
    assert previewed.actor_label == "vorlagen"
    assert f"hund-anmelden granted v{template.current_version.number} de" in previewed.message

    notice = issue_notice(template_version=template.current_version, context=dog_context(),
                          subject_reference="case:K7QM-2XPA", actor_label="weber")
    response = client.get(f"/admin/notices/notice/{notice.pk}/pdf/")
    assert response.status_code == 200
    opened = AuditEvent.objects.get(action=Action.NOTICE_OPENED)
    assert opened.actor_label == "vorlagen"
    assert notice.sha256 in opened.message
    assert opened.object_id == notice.reference
    # Refused, nothing is logged as opened.
    assert editor(username="ohne-recht").get(
        f"/admin/notices/notice/{notice.pk}/pdf/").status_code == 403
    assert AuditEvent.objects.filter(action=Action.NOTICE_OPENED).count() == 1
