"""Staff read the case statistics and the maturity report, in German and English, without JS."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from rathaus.cases.tests.factories import make_case
from rathaus.staff.tests.factories import staff_user

from .conftest import Portal
from .test_cases import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_clerk_reads_statistics_and_the_maturity_report(
        portal: Portal, new_page: Callable[..., Page], axe: Callable[..., None],
        artifacts: Path) -> None:
    staff_user("steuer", clerk_of=("steueramt",))
    staff_user("kita", clerk_of=("kindertagesstaetten",))
    make_case("hund-anmelden", received="2026-03-02", state="closed", outcome="granted",
              decided="2026-03-12", ended="2026-04-20")
    make_case("hund-anmelden", received="2026-04-01", channel="counter")
    page = new_page(javascript=False)
    sign_in(page, portal, "steuer")

    page.goto(portal.url("/de/staff/"))
    page.click("a:text('Statistik der Vorgänge')")
    expect(page.locator("h1")).to_have_text("Statistik der Vorgänge")
    page.fill("#id_start", "2026-03")
    page.fill("#id_end", "2026-04")
    page.click("form.statistics-filters button[type=submit]")
    expect(page.locator("#period")).to_have_text(
        "Vorgänge mit Eingang von März 2026 bis April 2026")
    expect(page.locator("#by-service")).to_contain_text("Hund zur Hundesteuer anmelden")
    expect(page.locator("#by-month tr[data-key='2026-03']")).to_contain_text("März 2026")
    expect(page.locator("svg#received, svg[aria-labelledby^='received']")).to_have_count(1)
    axe(page, "statistics, German")
    page.screenshot(path=artifacts / "statistics-de.png", full_page=True)

    page.goto(portal.url("/de/staff/statistics/?start=2026-13"))
    expect(page.locator('#error-summary a[href="#id_start"]')).to_have_text(
        "Geben Sie den Monat als JJJJ-MM ein, zum Beispiel 2026-03.")
    expect(page.locator("#id_start")).to_have_attribute("aria-invalid", "true")
    axe(page, "statistics, wrong month, German")

    page.goto(portal.url("/en/staff/statistics/?start=2026-03&end=2026-04"))
    expect(page.locator("h1")).to_have_text("Case statistics")
    expect(page.locator("#by-service")).to_contain_text("Register a dog for dog tax")
    axe(page, "statistics, English")
    page.goto(portal.url("/en/staff/statistics/?start=2026-04&end=2026-03"))
    expect(page.locator("#error-summary")).to_contain_text(
        "The last month must not be before the first month.")
    axe(page, "statistics, wrong order, English")

    page.goto(portal.url("/de/staff/maturity/"))
    expect(page.locator("h1")).to_have_text("Reifegrad-Bericht nach OZG")
    expect(page.locator("#service-geburtsurkunde")).to_contain_text(
        "Online-Bezahlung: Die Gebühren können noch nicht online bezahlt werden.")
    axe(page, "maturity report, German")
    page.screenshot(path=artifacts / "maturity-de.png", full_page=True)
    page.goto(portal.url("/en/staff/maturity/"))
    expect(page.locator("h1")).to_have_text("OZG maturity report")
    axe(page, "maturity report, English")

    empty = new_page(javascript=False)
    sign_in(empty, portal, "kita")
    empty.goto(portal.url("/de/staff/statistics/"))
    expect(empty.locator(".empty-state")).to_contain_text("Noch keine Vorgänge")
    axe(empty, "statistics, empty, German")
    empty.goto(portal.url("/en/staff/statistics/"))
    expect(empty.locator(".empty-state")).to_contain_text("No cases yet")
    axe(empty, "statistics, empty, English")
