"""Fixtures for browser tests: the system Chromium, a live portal, pages, and axe-core."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import Browser, BrowserContext, Page, Route, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_SOURCE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
# Served from the portal's own origin by a route in the browser, so that the page keeps its
# real Content-Security-Policy (script-src 'self') while axe runs: a CSP mistake in a template
# must still show up here, which bypass_csp=True would hide.
AXE_PATH = "/__test__/axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run browser tests last: from the first one on, Django's async guard is off (see below)."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"NEEDS CHROMIUM: browser tests drive {CHROMIUM}")
    # Playwright's sync API leaves its asyncio loop marked as running in the main thread while
    # it is open, so Django refuses ORM calls from fixtures and assertions there. The ORM is
    # only ever used between browser actions, never concurrently, which is what the guard is
    # for; it stays on for every test that runs before the browser starts.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Portal:
    """The live server with the shipped catalog published."""

    base_url: str

    def url(self, path: str) -> str:
        return self.base_url + path


@pytest.fixture
def portal(live_server: Any, catalog: None) -> Portal:
    """Serve the portal with the catalog published.

    Tests using it are marked django_db(transaction=True): `catalog` then commits, so the
    server thread sees the services, and the tables are flushed after the test.
    """
    return Portal(base_url=live_server.url)


@dataclass
class Opened:
    """Every context a test opened, and what its pages did wrong besides their content."""

    contexts: list[BrowserContext] = field(default_factory=list)
    without_javascript: set[int] = field(default_factory=set)
    failed: list[str] = field(default_factory=list)
    csp: list[str] = field(default_factory=list)


@pytest.fixture
def opened() -> Iterator[Opened]:
    record = Opened()
    yield record
    for context in record.contexts:
        context.close()
    assert not record.failed, "static files failed to load:\n" + "\n".join(record.failed)
    assert not record.csp, "the CSP refused something:\n" + "\n".join(record.csp)


def _serve_axe(route: Route) -> None:
    route.fulfill(path=AXE_SOURCE, content_type="application/javascript")


def _open_context(browser: Browser, opened: Opened, base_url: str, *, javascript: bool = True,
                  width: int = 1280, height: int = 900) -> BrowserContext:
    context = browser.new_context(
        java_script_enabled=javascript,
        viewport={"width": width, "height": height},
        device_scale_factor=1,
        locale="de-DE",
        accept_downloads=True,
    )
    context.set_default_timeout(10_000)
    context.route(base_url + AXE_PATH, _serve_axe)
    opened.contexts.append(context)
    return context


@pytest.fixture
def new_page(browser: Browser, live_server: Any, opened: Opened) -> Callable[..., Page]:
    """Open a page in a fresh context; the test fails if it loaded anything broken."""

    def make(*, javascript: bool = True, width: int = 1280, height: int = 900) -> Page:
        context = _open_context(browser, opened, live_server.url, javascript=javascript,
                                width=width, height=height)
        page = context.new_page()
        if not javascript:
            opened.without_javascript.add(id(page))
        page.on("response", lambda response: opened.failed.append(
            f"{response.status} {response.url}"
        ) if response.status >= 400 and "/static/" in response.url else None)
        page.on("console", lambda message: opened.csp.append(message.text)
                if "Content Security Policy" in message.text else None)
        return page

    return make


def format_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        lines.extend(
            f"    {json.dumps(node['target'])}: {node['failureSummary'].splitlines()[-1].strip()}"
            for node in violation["nodes"]
        )
    return "\n".join(lines)


@pytest.fixture
def axe(browser: Browser, live_server: Any, opened: Opened) -> Callable[..., None]:
    """Run axe-core's WCAG 2.1 A/AA rules on a page and fail with every violation found."""

    twin: dict[str, Any] = {}

    def twin_with_javascript(page: Page) -> Page:
        # axe needs scripts to run. A page opened without JavaScript is checked in a twin
        # that gets the same HTML at the same address, with the site's own script blocked,
        # so what is checked is exactly what the no-JS user got (and the CSS applies).
        twin["html"], twin["address"] = page.content(), page.url
        if "page" not in twin:
            size = page.viewport_size or {"width": 1280, "height": 900}
            context = _open_context(browser, opened, live_server.url, **size)
            context.route(lambda url: url == twin["address"], lambda route: route.fulfill(
                body=twin["html"], content_type="text/html; charset=utf-8"))
            context.route("**/static/rathaus/js/**", lambda route: route.abort())
            twin["page"] = context.new_page()
        twin_page: Page = twin["page"]
        twin_page.goto(page.url)
        return twin_page

    def check(page: Page, where: str = "") -> None:
        target = twin_with_javascript(page) if id(page) in opened.without_javascript else page
        if not target.evaluate("typeof window.axe !== 'undefined'"):
            target.add_script_tag(url=live_server.url + AXE_PATH)
        result = target.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
        )
        violations = result["violations"]
        if violations:
            pytest.fail(
                f"axe found {len(violations)} WCAG violation(s) on {where or page.url}:\n"
                + format_violations(violations),
                pytrace=False,
            )

    return check


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
