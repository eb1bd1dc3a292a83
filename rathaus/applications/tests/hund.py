"""Valid answers to the dog registration, and helpers to read what a re-rendered page shows."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from rathaus.applications.models import Draft

from .journey import Journey

SLUG = "hund-anmelden"

OWNER = {
    "owner_name-given_names": "Erika", "owner_name-family_name": "Mustermann",
    "owner_birth_date": "1980-02-03",
    "owner_address-street": "Lindenallee", "owner_address-number": "7a",
    "owner_address-postcode": "31134", "owner_address-city": "Musterstadt",
    "owner_email": "erika@example.org", "owner_phone": "05121 123456",
}
KEEPING = {"commercial": "no", "moved_here": "yes", "previous_municipality": "Hildesheim"}
INSURANCE = {"insurer": "Musterversicherung AG", "policy_number": "HV-991"}
DEBIT = {
    "payment_method": "direct_debit", "bank_account-holder": "Erika Mustermann",
    "bank_account-iban": "DE89 3704 0044 0532 0130 00", "bank_account-mandate": "yes",
}
DECLARATION = {"truthful": "yes"}


def dog(index: int, name: str, **extra: str) -> dict[str, str]:
    data = {
        "dog_name": name, "breed": "Labrador-Mischling", "sex": "female",
        "birth_date": "2021-05-01", "keeping_since": "2024-03-01",
        "chip_number": "276098106543210", "dangerous": "no", **extra,
    }
    return {f"dogs-{index}-{key}": value for key, value in data.items()}


DOGS = {"dogs-count": "1", **dog(0, "Bello")}

STEPS: list[tuple[str, dict[str, str]]] = [
    ("owner", OWNER), ("keeping", KEEPING), ("dogs", DOGS), ("insurance", INSURANCE),
    ("payment", DEBIT), ("declaration", DECLARATION),
]


# The shortest complete registration: one dog, not moved here, paid by bank transfer.
SIMPLE_STEPS: list[tuple[str, dict[str, str]]] = [
    ("owner", OWNER), ("keeping", {"commercial": "no", "moved_here": "no"}), ("dogs", DOGS),
    ("insurance", {"insurer": "Musterversicherung AG", "policy_number": "HV-1"}),
    ("payment", {"payment_method": "transfer"}), ("declaration", DECLARATION),
]


def answer_simply(journey: Journey) -> Journey:
    """Answer every step of a started registration as in SIMPLE_STEPS; submit is the caller's."""
    for step_id, data in SIMPLE_STEPS:
        journey.answer(step_id, data)
    return journey


def start(client: Client, *, until: str = "check") -> Journey:
    """Start an application in English and answer every step before `until`."""
    journey = Journey(client, SLUG, language="en").start()
    for step_id, data in STEPS:
        if step_id == until:
            break
        journey.answer(step_id, data)
    return journey


def draft_id(journey: Journey) -> str:
    return journey.step_url.split("/apply/")[1].split("/")[0]


def draft_of(journey: Journey) -> Draft:
    return Draft.objects.get(pk=draft_id(journey))


def step_url(journey: Journey, step_id: str) -> str:
    return f"/{journey.language}/apply/{draft_id(journey)}/{step_id}/"


def check_url(journey: Journey) -> str:
    return f"/{journey.language}/apply/{draft_id(journey)}/check/"


def message(msgid: str, language: str = "en", **params: Any) -> str:
    """The message as the page shows it: translated like the app does, then HTML-escaped."""
    with translation.override(language):
        text = gettext(msgid)
    return str(escape(text % params if params else text))


def summary_links(body: str) -> list[str]:
    """The input ids the error summary links to, in order."""
    match = re.search(r'id="error-summary".*?</ul>', body, re.S)
    return re.findall(r'href="#([^"]+)"', match.group(0)) if match else []


def input_value(body: str, name: str) -> str | None:
    """The value of the text input with this name, as re-rendered."""
    for tag in re.findall(r"<input\b[^>]*>", body):
        if f'name="{name}"' in tag:
            found = re.search(r'value="([^"]*)"', tag)
            return found.group(1) if found else ""
    return None


def checked(body: str, name: str, value: str) -> bool:
    for tag in re.findall(r"<input\b[^>]*>", body):
        if f'name="{name}"' in tag and f'value="{value}"' in tag:
            return " checked" in tag
    return False
