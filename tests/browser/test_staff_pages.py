"""Every page of the back office, in German and in English, without JavaScript: axe-clean,
with its empty and error states, and nothing left in the other language.

The journeys (test_cases.py, test_conversation.py, test_on_behalf.py, test_statistics.py …)
click through these pages; this sweep makes sure none is left out and none mixes languages.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page

from rathaus.staff.tests.factories import staff_user

from .conftest import Portal
from .test_cases import sign_in
from .test_staff import submitted_dog_registration

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Words of the interface that betray an untranslated text; none is a name or an answer.
ENGLISH = re.compile(r"\b(the|and|Select|Assign|Case|Cases|Received|Withdraw|Statistics|Notes?|"
                     r"Search|Show|Due|State|Service)\b")
GERMAN = re.compile(r"\b(der|und|die|Vorgang|Vorgänge|Bearbeitung|Antrag|Anträge|zuweisen|"
                    r"Notiz|Suchen|Anzeigen|Fällig|Leistung)\b")


def pages(reference: str) -> list[tuple[str, str]]:
    return [
        ("staff start page", "/staff/"),
        ("workbasket", "/staff/submissions/"),
        ("workbasket, nothing found", "/staff/submissions/?q=zzzzzz"),
        ("workbasket, wrong date", "/staff/submissions/?received_from=31.13.2026"),
        ("case page", f"/staff/submissions/{reference}/"),
        ("filing on behalf, choice", "/staff/on-behalf/"),
        ("statistics", "/staff/statistics/"),
        ("statistics, no cases", "/staff/statistics/?start=2020-01&end=2020-02"),
        ("statistics, wrong month", "/staff/statistics/?start=2026-13"),
        ("maturity report", "/staff/maturity/"),
    ]


@pytest.mark.parametrize("language", ["de", "en"])
def test_every_back_office_page_is_accessible_and_in_one_language(
        portal: Portal, new_page: Callable[..., Page], axe: Callable[..., None],
        language: str) -> None:
    reference = submitted_dog_registration()
    staff_user("leitung", lead_of=("steueramt",))
    page = new_page(javascript=False)
    sign_in(page, portal, "leitung")
    other = GERMAN if language == "en" else ENGLISH
    for where, path in pages(reference):
        response = page.goto(portal.url(f"/{language}{path}"))
        assert response is not None
        assert response.status in (200, 400), (where, response.status)
        assert page.locator("html").get_attribute("lang") == language
        main = page.locator("main").inner_text()
        # The applicant's answers are in German on every page; the interface must not be.
        interface = main if "case page" not in where else page.locator(
            "main").evaluate("m => [...m.querySelectorAll('h1,h2,h3,label,legend,button,th')]"
                             ".map(e => e.innerText).join('\\n')")
        found = sorted(set(other.findall(interface)))
        assert not found, f"{where} ({language}): {found}"
        axe(page, f"{where} ({language})")
