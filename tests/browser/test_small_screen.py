"""The portal at 320 CSS pixels (WCAG 1.4.10 Reflow): nothing scrolls sideways."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page

from .conftest import Portal
from .journey import GERMAN, DogRegistration

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = {
    "start page": "320-start-page.png",
    "owner step with an error": "320-step-with-error.png",
    "check your answers": "320-check-answers.png",
}


def test_pages_reflow_at_320_pixels(portal: Portal, new_page: Callable[..., Page],
                                    artifacts: Path) -> None:
    page = new_page(javascript=True, width=320, height=640)
    too_wide: list[str] = []
    taken: list[str] = []

    def visited(page: Page, where: str) -> None:
        page.evaluate("document.fonts.ready.then(() => true)")  # widths change as fonts arrive
        # The headless browser draws a classic 15px scrollbar, so the page gets even less than
        # 320px: compare with the width actually available as well.
        width, available = page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        if width > min(available, 320):
            too_wide.append(f"{where}: {width}px of content in {available}px")
        if where in SCREENSHOTS:
            page.screenshot(path=artifacts / SCREENSHOTS[where], full_page=True)
            taken.append(where)

    DogRegistration(page, portal.base_url, GERMAN, javascript=True,
                    visited=visited).through_to_check()

    assert page.evaluate("window.innerWidth") == 320
    assert page.evaluate("window.devicePixelRatio") == 1
    assert taken == list(SCREENSHOTS)
    assert not too_wide, "pages scroll sideways at 320px:\n" + "\n".join(too_wide)
