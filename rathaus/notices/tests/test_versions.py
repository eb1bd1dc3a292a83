"""Templates are versioned like service definitions: saved text is never changed."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from django.core.management import call_command

from rathaus.notices.models import NoticeKind, NoticeTemplate, NoticeTemplateVersion
from rathaus.notices.services import TemplateText, load_default_templates, save_template_version

from .conftest import SERVICES, template_of

pytestmark = pytest.mark.django_db


def text_of(version: NoticeTemplateVersion | None) -> TemplateText:
    assert version is not None
    return TemplateText(title_de=version.title_de, title_en=version.title_en,
                        body_de=version.body_de, body_en=version.body_en,
                        remedy_de=version.remedy_de, remedy_en=version.remedy_en)


def test_a_changed_text_is_a_new_version_and_the_old_one_stays(notice_catalog: None) -> None:
    template = template_of("gewerbe-anmelden", NoticeKind.GRANTED)
    first = template.current_version
    assert first is not None
    assert first.number == 1
    original = text_of(first)
    changed = replace(original, body_de=original.body_de + "\n\nNeuer Absatz.")

    second = save_template_version(service=template.service, kind=NoticeKind.GRANTED,
                                   text=changed, actor_label="sachbearbeitung")

    template.refresh_from_db()
    first.refresh_from_db()
    assert (second.number, second.created_by) == (2, "sachbearbeitung")
    assert template.current_version == second
    assert first.body_de == original.body_de, "the first version is unchanged"
    assert second.checksum != first.checksum

    unchanged = save_template_version(service=template.service, kind=NoticeKind.GRANTED,
                                      text=changed, actor_label="x")
    assert unchanged == second, "saving the same text again makes no version"

    back = save_template_version(service=template.service, kind=NoticeKind.GRANTED,
                                 text=original, actor_label="x")
    template.refresh_from_db()
    assert back == first
    assert template.current_version == first
    assert template.versions.count() == 2


def test_defaults_ship_for_every_service_with_notices_in_both_languages(
        notice_catalog: None) -> None:
    templates = NoticeTemplate.objects.select_related("service", "current_version")
    by_service = {(t.service.slug, t.kind) for t in templates}
    assert {slug for slug, _kind in by_service} == set(SERVICES)
    assert ("geburtsurkunde", NoticeKind.FEE) in by_service
    for template in templates:
        version = template.current_version
        assert version is not None
        for part in ("title", "body", "remedy"):
            assert version.text(part, "de")
            assert version.text(part, "en")
            assert version.text(part, "de") != version.text(part, "en")


def test_the_birth_certificate_refusal_names_the_local_court(notice_catalog: None) -> None:
    refused = template_of("geburtsurkunde", NoticeKind.REFUSED).current_version
    assert refused is not None
    assert "Amtsgericht" in refused.remedy_de
    assert "{court_name}" not in refused.remedy_de
    granted = template_of("hund-anmelden", NoticeKind.GRANTED).current_version
    assert granted is not None
    assert "Klage" in granted.remedy_de
    assert "{court_name}" in granted.remedy_de


def test_loading_the_defaults_again_keeps_what_staff_edited(notice_catalog: None,
                                                            capsys: Any) -> None:
    template = template_of("hund-anmelden", NoticeKind.REFUSED)
    edited = replace(text_of(template.current_version), title_de="Eigener Titel")
    save_template_version(service=template.service, kind=NoticeKind.REFUSED, text=edited,
                          actor_label="x")

    call_command("load_notice_templates")

    template.refresh_from_db()
    assert template.current_version is not None
    assert template.current_version.title_de == "Eigener Titel"
    assert "kept hund-anmelden/refused" in capsys.readouterr().out
    assert load_default_templates().created == []
