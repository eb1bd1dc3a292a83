"""An issued notice is frozen: its stored PDF is served for ever, and checked on every read."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import replace

import pytest
from django.core.files.storage import default_storage

from rathaus.notices.models import Notice, NoticeKind
from rathaus.notices.render import render_notice
from rathaus.notices.services import (
    NoticeTampered,
    TemplateText,
    issue_notice,
    issued_pdf,
    save_template_version,
)

from .conftest import dog_context, template_of

pytestmark = pytest.mark.django_db


def issue() -> Notice:
    version = template_of("hund-anmelden", NoticeKind.GRANTED).current_version
    assert version is not None
    return issue_notice(template_version=version, context=dog_context(),
                        subject_reference="case:K7QM-2XPA", actor_label="clerk")


def test_issuing_stores_the_pdf_with_its_checksum(notice_catalog: None) -> None:
    notice = issue()

    notice.refresh_from_db()
    data = issued_pdf(notice)
    assert data.startswith(b"%PDF")
    assert notice.sha256 == hashlib.sha256(data).hexdigest()
    assert notice.size == len(data)
    assert (notice.kind, notice.language, notice.reference) == ("granted", "de", "K7QM-2XPA")
    assert notice.subject_reference == "case:K7QM-2XPA"
    assert str(notice.pdf.name).startswith("notices/")


def test_a_changed_template_leaves_the_issued_file_byte_identical(notice_catalog: None) -> None:
    notice = issue()
    before = issued_pdf(notice)
    template = template_of("hund-anmelden", NoticeKind.GRANTED)
    old = template.current_version
    assert old is not None
    changed = TemplateText(title_de="Ganz anderer Titel", title_en=old.title_en,
                           body_de="Neuer Text für {applicant_name}.", body_en=old.body_en,
                           remedy_de=old.remedy_de, remedy_en=old.remedy_en)
    new = save_template_version(service=template.service, kind=NoticeKind.GRANTED,
                                text=changed, actor_label="x")
    rerendered = render_notice(new, dog_context())
    assert rerendered.pdf != before, "the template change shows in a new rendering"

    notice.refresh_from_db()
    assert issued_pdf(notice) == before
    assert notice.template_version == old


def test_a_tampered_file_is_detected_and_logged(notice_catalog: None,
                                                caplog: pytest.LogCaptureFixture) -> None:
    notice = issue()
    path = default_storage.path(str(notice.pdf.name))
    with open(path, "r+b") as stored:
        stored.seek(200)
        byte = stored.read(1)
        stored.seek(200)
        stored.write(bytes([byte[0] ^ 0x01]))

    with caplog.at_level(logging.ERROR, logger="rathaus.notices"), \
            pytest.raises(NoticeTampered):
        issued_pdf(notice)

    assert "does not match its checksum" in caplog.text
    assert notice.reference in caplog.text


def test_a_missing_file_is_detected(notice_catalog: None) -> None:
    notice = issue()
    default_storage.delete(str(notice.pdf.name))
    with pytest.raises(NoticeTampered):
        issued_pdf(notice)


def test_a_notice_of_another_language_is_its_own_file(notice_catalog: None) -> None:
    version = template_of("hund-anmelden", NoticeKind.GRANTED).current_version
    assert version is not None
    german = issue()
    english = issue_notice(template_version=version, context=replace(dog_context(), language="en"),
                           subject_reference="case:K7QM-2XPA", actor_label="clerk")
    assert german.pdf.name != english.pdf.name
    assert issued_pdf(german) != issued_pdf(english)
