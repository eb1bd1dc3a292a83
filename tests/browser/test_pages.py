"""Static files, legal pages and the error page, as a browser gets them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from .conftest import Portal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_stylesheets_scripts_and_fonts_load(portal: Portal, new_page: Callable[..., Page]) -> None:
    page = new_page()
    loaded: dict[str, int] = {}
    page.on("response", lambda response: loaded.__setitem__(response.url, response.status))
    page.goto(portal.url("/de/"))
    page.evaluate("document.fonts.ready.then(() => true)")

    assert loaded[portal.url("/static/kern/kern.min.css")] == 200
    assert loaded[portal.url("/static/rathaus/css/site.css")] == 200
    assert loaded[portal.url("/static/rathaus/js/form.js")] == 200
    # KERN's tokens and the site's layout rules both apply, and the font is the real one.
    primary = page.locator(".search-form .kern-btn--primary")
    assert primary.evaluate("e => getComputedStyle(e).backgroundColor") not in (
        "rgba(0, 0, 0, 0)", "transparent",
    )
    skip_link = page.locator(".skip-link").bounding_box()
    assert skip_link is not None
    assert skip_link["x"] < 0
    assert page.evaluate("document.fonts.check(\"16px 'Fira Sans'\")")
    assert page.evaluate(
        "[...document.fonts].some(f => f.family.includes('Fira Sans') && f.status === 'loaded')"
    )


def test_axe_reports_what_it_finds(portal: Portal, new_page: Callable[..., Page],
                                   axe: Callable[..., None]) -> None:
    page = new_page()
    page.goto(portal.url("/de/"))
    page.evaluate("""() => {
        const input = document.createElement('input');
        input.id = 'unlabelled';
        document.querySelector('main').append(input);
    }""")

    with pytest.raises(pytest.fail.Exception) as failure:
        axe(page)

    assert "label" in str(failure.value)
    assert "#unlabelled" in str(failure.value)


@pytest.mark.parametrize("path", [
    "/de/impressum/", "/de/datenschutz/", "/de/barrierefreiheit/", "/de/leichte-sprache/",
    "/en/impressum/",
])
def test_legal_page_is_accessible(portal: Portal, new_page: Callable[..., Page],
                                  axe: Callable[..., None], path: str) -> None:
    page = new_page()
    response = page.goto(portal.url(path))

    assert response is not None
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    expect(page.locator("footer").get_by_role("link")).not_to_have_count(0)
    axe(page)


def test_not_found_page_is_accessible(portal: Portal, new_page: Callable[..., Page],
                                      axe: Callable[..., None]) -> None:
    page = new_page()
    response = page.goto(portal.url("/de/gibt-es-nicht/"))

    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    expect(page.locator("main a[href='/de/']")).to_have_count(1)
    axe(page)
