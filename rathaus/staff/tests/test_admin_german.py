"""The admin speaks German throughout, and shows answers as the clerk's inbox does."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.utils.functional import Promise

from rathaus.applications.models import Draft, Submission
from rathaus.applications.tests.hund import OWNER, answer_simply
from rathaus.applications.tests.journey import Journey
from rathaus.catalog.models import Category, Department, Service

from .conftest import text

# What the admin showed before: app labels and package model names in English, and the field
# names of our models. (The packages' own field labels inside their pages stay theirs.)
SECTIONS = ["axes", "otp_totp", "otp_static", "task result", "tasks database"]
ENGLISH = [*SECTIONS, "title de", "title en", "is active", "submitted at", "fee total",
           "service version", "created at", "updated at", "search text", "summary de"]


def ours() -> list[Any]:
    return [model for model in apps.get_models() if model.__module__.startswith("rathaus.")]


def test_every_model_and_field_of_ours_has_a_translated_name() -> None:
    untranslated = []
    for model in ours():
        meta = model._meta
        for option in ("verbose_name", "verbose_name_plural"):
            if not isinstance(meta.original_attrs.get(option), Promise):
                untranslated.append(f"{meta.label} Meta.{option}")
        for field in meta.get_fields():
            if field.auto_created or not (field.concrete or field.many_to_many):
                continue
            if not isinstance(field.verbose_name, Promise):
                untranslated.append(f"{meta.label}.{field.name}")
    for config in apps.get_app_configs():
        if config.name.startswith("rathaus.") and not isinstance(config.verbose_name, Promise):
            untranslated.append(f"app {config.label}")
    assert untranslated == []


@pytest.fixture
def dog_registration(catalog: None) -> Submission:
    journey = Journey(Client(), "hund-anmelden", language="en").start()
    answer_simply(journey)
    return journey.submit()


def german_admin_page(client: Client, url: str, *, english: list[str] = ENGLISH) -> str:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 200, url
    body = text(response)
    for words in english:
        assert words not in body.lower(), f"{url}: {words!r}"
    return body


def test_the_admin_pages_are_in_german(admin_client: Client,
                                       dog_registration: Submission) -> None:
    draft = Journey(Client(), "hund-anmelden", language="de").start()
    draft.answer("owner", OWNER)
    saved = Draft.objects.get()
    service = Service.objects.get(slug="hund-anmelden")

    index = german_admin_page(admin_client, "/admin/")
    for section in ("Anträge", "Leistungskatalog", "Termine", "Anmeldesperren",
                    "Authenticator-Apps (TOTP)", "Wiederherstellungscodes",
                    "Hintergrundaufgaben", "Mitarbeitende"):
        assert section in index

    pages = {
        "/admin/applications/submission/": ["Vorgangsnummer", "Eingereicht", "Gebühr gesamt"],
        f"/admin/applications/submission/{dog_registration.pk}/change/": ["Leistungsversion"],
        "/admin/applications/draft/": ["Entwürfe"],
        f"/admin/applications/draft/{saved.pk}/change/": ["E-Mail-Adresse für den Link"],
        "/admin/catalog/service/": ["Titel (Deutsch)", "Aktiv"],
        f"/admin/catalog/service/{service.pk}/change/": ["Kurzbeschreibung (Englisch)"],
        "/admin/catalog/department/": ["Hinweis auf neue Anträge an"],
        f"/admin/catalog/department/{Department.objects.get(slug='steueramt').pk}/change/":
            ["Kurzname"],
        f"/admin/catalog/category/{Category.objects.first().pk}/change/":  # type: ignore[union-attr]
            ["Beschreibung (Deutsch)"],
        "/admin/catalog/serviceversion/": ["Leistungsversionen"],
        "/admin/staff/departmentmembership/": ["Rollen in Fachbereichen"],
        "/admin/cases/case/": ["Vorgänge", "Zugewiesen an", "Löschsperre"],
        f"/admin/cases/case/{dog_registration.case.pk}/change/":
            ["Vorgangsseite öffnen", "Ereignisse im Vorgang", "Vorgang geöffnet",
             "Interne Notizen"],
        "/admin/cases/purgedcase/": ["Gelöschte Vorgänge (Statistik)"],
    }
    packages = {
        "/admin/axes/accessattempt/": ["Anmeldesperren", "Zugriffsversuche"],
        "/admin/otp_totp/totpdevice/": ["Authenticator-Apps (TOTP)", "Authenticator-App"],
        "/admin/otp_static/staticdevice/": ["Listen der Wiederherstellungscodes"],
        "/admin/django_tasks_database/dbtaskresult/": ["Hintergrundaufgaben"],
    }
    for url, expected in [*pages.items(), *packages.items()]:
        body = german_admin_page(admin_client, url,
                                 english=SECTIONS if url in packages else ENGLISH)
        for words in expected:
            assert words in body, f"{url}: {words!r}"


def test_the_admin_shows_the_answers_labelled_not_as_json(
        admin_client: Client, dog_registration: Submission) -> None:
    response = admin_client.get(
        f"/admin/applications/submission/{dog_registration.pk}/change/",
        HTTP_ACCEPT_LANGUAGE="de")
    body = text(response)
    assert re.search(r"Name des Hundes Bello", body), body
    assert "Name Erika Mustermann" in body
    assert "Hund 1" in body
    html = response.content.decode()
    assert "dog_name" not in html
    assert "&quot;owner_name" not in html
    assert '{"' not in body
