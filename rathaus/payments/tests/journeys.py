"""A birth certificate ordered up to the check page, for the payment tests."""

from __future__ import annotations

from django.test import Client

from rathaus.applications.tests.journey import Journey


def birth_certificate(client: Client, *, copies: int = 2, language: str = "en") -> Journey:
    """Erika orders ``copies`` birth certificates of her daughter; at the check page."""
    journey = Journey(client, "geburtsurkunde", language=language).start()
    journey.answer("birth_place", {"born_in_town": "yes"})
    journey.answer("relation", {"relation": "parent", "legal_interest": ""})
    journey.answer("person", {
        "person_name-given_names": "Mia Sophie", "person_name-family_name": "Mustermann",
        "birth_name": "", "birth_date": "2023-09-14",
        "parents_names": "Erika Mustermann, Max Mustermann"})
    journey.answer("certificate", {"certificate_kind": "standard",
                                   "purpose": "family_benefits", "copies": str(copies)})
    journey.answer("applicant", {"applicant_name-given_names": "Erika",
                                 "applicant_name-family_name": "Mustermann",
                                 "applicant_email": "erika@example.org", "applicant_phone": ""})
    journey.answer("delivery", {"delivery_address-street": "Lindenallee",
                                "delivery_address-number": "7a",
                                "delivery_address-postcode": "31134",
                                "delivery_address-city": "Musterstadt",
                                "delivery_care_of": ""})
    journey.answer("declaration", {"truthful": "yes"})
    assert journey.at_check
    return journey


def text(response: object) -> str:
    """The visible text of a page: tags removed, entities decoded, whitespace collapsed."""
    import html
    import re

    body = response.content.decode()  # type: ignore[attr-defined]
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    body = re.sub(r"<[^>]+>", " ", body)
    return re.sub(r"\s+", " ", html.unescape(body)).strip()
