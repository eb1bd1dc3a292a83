"""The notice as the citizen reads it: a tagged PDF with everything a Bescheid must say."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings

from rathaus.core.tests.pdfs import assert_accessible_pdf
from rathaus.notices.models import NoticeKind
from rathaus.notices.render import render_notice

from .conftest import dog_context, template_of

pytestmark = pytest.mark.django_db


def flat(text: str) -> str:
    return " ".join(text.split())


@override_settings(RATHAUS_ADMINISTRATIVE_COURT={
    "name": "Verwaltungsgericht Lüneburg", "address": "Adolph-Kolping-Straße 16, 21337 Lüneburg"})
def test_the_dog_tax_notice_says_what_a_bescheid_must_say(notice_catalog: None,
                                                          read_pdf: Any) -> None:
    version = template_of("hund-anmelden", NoticeKind.GRANTED).current_version
    assert version is not None

    rendered = render_notice(version, dog_context())

    text = flat(read_pdf(rendered.pdf))
    assert "Stadt Musterstadt" in text, "the authority"
    assert "Rathausplatz 1" in text
    assert "K7QM-2XPA" in text, "the reference"
    assert "Erika Mustermann" in text, "the applicant"
    assert "Heidestraße 17" in text
    assert "3. Dezember 2026" in text, "the date"
    assert "Jonas Schröder" in text, "the responsible clerk"
    assert "Steueramt" in text
    assert "Bescheid" in text
    assert "Entscheidung: stattgegeben" in text, "the decision"
    assert "96,00 €" in text, "the fee"
    assert "Bello (Labrador-Mischling, Rüde)" in text, "an answer"
    assert "Rechtsbehelfsbelehrung" in text, "the remedy"
    assert "innerhalb eines Monats nach seiner Bekanntgabe Klage" in text
    assert "Verwaltungsgericht Lüneburg, Adolph-Kolping-Straße 16, 21337 Lüneburg" in text
    assert "keine aufschiebende Wirkung" in text
    assert "elektronisch erstellt und ist ohne Unterschrift gültig (§ 37 Abs. 5 VwVfG)" in text
    assert "{" not in text, "no placeholder left"
    assert_accessible_pdf(rendered.pdf, language="de", title_part="Bescheid K7QM-2XPA")
    assert rendered.title.startswith("Bescheid K7QM-2XPA")


def test_the_english_notice_is_english(notice_catalog: None, read_pdf: Any) -> None:
    version = template_of("hund-anmelden", NoticeKind.GRANTED).current_version
    assert version is not None

    rendered = render_notice(version, dog_context(language="en"))

    text = flat(read_pdf(rendered.pdf))
    assert "Legal remedy instructions" in text
    assert "within one month" in text
    assert "3 December 2026" in text
    assert "Decision: granted" in text
    assert "made electronically and is valid without a signature" in text
    assert_accessible_pdf(rendered.pdf, language="en", title_part="Notice K7QM-2XPA")


def test_a_script_in_an_answer_is_printed_as_text(notice_catalog: None, read_pdf: Any) -> None:
    version = template_of("hund-anmelden", NoticeKind.GRANTED).current_version
    assert version is not None
    context = dog_context(answers={"dogs": "<script>alert('x')</script>"},
                          applicant_name="<b>Erika</b>")

    rendered = render_notice(version, context)

    assert "<script>" not in rendered.html
    assert "<b>Erika" not in rendered.html
    assert "&lt;script&gt;" in rendered.html
    assert "<script>alert('x')</script>" in flat(read_pdf(rendered.pdf))


def test_a_refusal_carries_the_clerks_reasons(notice_catalog: None, read_pdf: Any) -> None:
    version = template_of("geburtsurkunde", NoticeKind.REFUSED).current_version
    assert version is not None
    context = dog_context(kind=NoticeKind.REFUSED, department="Standesamt",
                          justification="Ein rechtliches Interesse haben Sie nicht dargelegt.")

    text = flat(read_pdf(render_notice(version, context).pdf))

    assert "Entscheidung: abgelehnt" in text
    assert "Ein rechtliches Interesse haben Sie nicht dargelegt." in text
    assert "§ 49 Absatz 1 Personenstandsgesetz" in text


def test_a_context_of_another_kind_is_refused(notice_catalog: None) -> None:
    version = template_of("geburtsurkunde", NoticeKind.FEE).current_version
    assert version is not None
    with pytest.raises(ValueError, match="refused"):
        render_notice(version, dog_context(kind=NoticeKind.REFUSED))


def test_the_dog_deregistration_notice_ends_the_tax(notice_catalog: None, read_pdf: Any) -> None:
    version = template_of("hund-abmelden", NoticeKind.GRANTED).current_version
    assert version is not None
    context = dog_context(service_title="Hund von der Hundesteuer abmelden", fee_cents=0,
                          answers={"dog_name": "Bello", "tax_number": "HS-2026-0042",
                                   "change_date": "14.11.2026"})

    text = flat(read_pdf(render_notice(version, context).pdf))
    assert "Änderungsbescheid zur Hundesteuer" in text
    assert "Bello (Steuernummer HS-2026-0042) zum 14.11.2026 von der Hundesteuer abgemeldet" in text
    assert "endet mit Ablauf des Kalendermonats" in text
    assert "Rechtsbehelfsbelehrung" in text
    assert "{" not in text, "no placeholder left"
