"""A new visitor searches the start page in their own spelling and finds a way forward."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from .conftest import Portal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_search_with_a_missing_umlaut_and_for_a_need_not_online(
    portal: Portal, new_page: Callable[..., Page], axe: Callable[..., None]
) -> None:
    page = new_page(javascript=False)
    page.goto(portal.url("/de/"))
    main = page.locator("main")
    # The topic tiles name published services; the appointments are one link away.
    tiles = main.locator("section[aria-labelledby=categories]")
    expect(tiles.get_by_text("Führungszeugnis beantragen · Personalausweis beantragen")
           ).to_be_visible()
    expect(tiles).not_to_contain_text("Sperrmüll")
    expect(main.get_by_role("link", name="Alle Termine, die Sie online buchen können")
           ).to_be_visible()
    axe(page, "start page")

    page.get_by_label("Was möchten Sie erledigen?").fill("fuhrungszeugnis")
    page.get_by_role("button", name="Suchen").click()
    expect(main.get_by_role("link", name="Führungszeugnis beantragen")).to_be_visible()
    axe(page, "search with a missing umlaut")

    page.get_by_label("Was möchten Sie erledigen?").fill("Sperrmüll")
    page.get_by_role("button", name="Suchen").click()
    needs = main.locator("section.offline-needs")
    expect(needs.get_by_role("heading", name="Noch nicht online")).to_be_visible()
    expect(needs.get_by_role("heading", name="Müllabfuhr, Abfalltonnen und Sperrmüll")
           ).to_be_visible()
    expect(needs.get_by_role("link", name="abfallberatung@musterstadt.example")).to_be_visible()
    axe(page, "search for a need not online yet")

    main.get_by_role("link", name="Alle Leistungen von A bis Z").click()
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
