"""The conversation: a clerk requests a document, the anonymous applicant replies with an upload
through the mailed link, and a signed-in citizen of another case replies from Mein Rathaus."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from PIL import Image
from playwright.sync_api import FilePayload, Page, expect

from rathaus.account.tests.factories import submission as citizen_submission
from rathaus.cases.conversation import send_message
from rathaus.cases.models import Case, CaseMessage, CaseState
from rathaus.cases.services import open_case
from rathaus.identity.testing import sign_in_client
from rathaus.staff.tests.factories import staff_user

from .conftest import Portal
from .test_cases import sign_in
from .test_staff import submitted_dog_registration

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BLOCK = "Nachweis der Hundehaftpflichtversicherung anfordern"


def png_file() -> FilePayload:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), "white").save(buffer, format="PNG")
    return {"name": "versicherungsschein.png", "mimeType": "image/png",
            "buffer": buffer.getvalue()}


def text_file() -> FilePayload:
    return {"name": "versicherungsschein.pdf", "mimeType": "application/pdf",
            "buffer": b"nur Text, kein PDF"}


def mailed_status_link(mailoutbox: list[Any], reference: str) -> str:
    [notice] = [item for item in mailoutbox if item.subject.endswith(reference)
                and "Nachricht" in item.subject]
    found = re.search(r"https?://\S+?(/de/status/[^/\s]+/)", str(notice.body))
    assert found, notice.body
    assert "Versicherungsschein" not in str(notice.body)
    return found.group(1)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_request_reply_through_the_link_and_reply_signed_in(
        portal: Portal, new_page: Callable[..., Page], axe: Callable[..., None],
        artifacts: Path, mailoutbox: list[Any], javascript: bool) -> None:
    call_command("load_text_blocks", stdout=io.StringIO())
    reference = submitted_dog_registration()
    clerk = staff_user("steuer", clerk_of=("steueramt",))
    mode = "js" if javascript else "nojs"

    # The clerk writes from a text block and requests the insurance proof.
    page = new_page(javascript=javascript)
    sign_in(page, portal, "steuer")
    page.goto(portal.url(f"/de/staff/submissions/{reference}/"))
    expect(page.locator("#conversation-title")).to_have_text(
        "Schriftverkehr mit der antragstellenden Person")
    page.select_option("#id_block", label=BLOCK)
    page.click("button[name=action][value=insert_block]")
    expect(page.locator("#id_message")).to_have_value(re.compile(
        rf"Guten Tag Erika Mustermann,.*Vorgang {reference}", re.DOTALL))
    page.fill("#id_requested", "Versicherungsschein der Hundehaftpflicht")
    page.fill("#id_deadline", "2020-01-01")
    page.click("button[name=action][value=message]")
    expect(page.locator('#error-summary a[href="#id_deadline"]')).to_have_text(
        "Die Frist muss nach dem heutigen Tag liegen.")
    expect(page.locator("#id_deadline")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_requested")).to_have_value("Versicherungsschein der Hundehaftpflicht")
    axe(page, "case, message with a past deadline")
    page.screenshot(path=artifacts / f"conversation-clerk-error-{mode}.png", full_page=True)
    deadline = timezone.localdate() + dt.timedelta(days=14)
    page.fill("#id_deadline", deadline.isoformat())
    page.click("button[name=action][value=message]")
    expect(page.locator(".page-message")).to_contain_text(
        "Die Anforderung ist gesendet; der Vorgang wartet auf die antragstellende Person.")
    expect(page.locator(".case-state")).to_have_text("wartet auf Antragsteller*in")
    expect(page.locator(".case-conversation")).to_contain_text("noch nicht gelesen")
    axe(page, "case, request sent")

    # The applicant, without an account, follows the mailed link and replies with the file.
    citizen = new_page(javascript=javascript)
    citizen.goto(portal.url(mailed_status_link(mailoutbox, reference)))
    expect(citizen.locator("#conversation-title")).to_have_text("Nachrichten zu Ihrem Antrag")
    expect(citizen.locator(".conversation__request")).to_contain_text(
        "Versicherungsschein der Hundehaftpflicht")
    expect(citizen.locator(".conversation__request")).to_contain_text(
        "Offen: Bitte antworten Sie unten.")
    axe(citizen, "status page with the request")
    citizen.fill("#id_reply", "Anbei der Versicherungsschein.")
    citizen.set_input_files("#id_files", [text_file()])
    citizen.click("form.conversation-reply button[type=submit]")
    expect(citizen.locator('#error-summary a[href="#id_files"]')).to_contain_text(
        "muss im Format PDF, JPG oder PNG vorliegen")
    expect(citizen.locator("#id_reply")).to_have_value("Anbei der Versicherungsschein.")
    expect(citizen.locator("h1")).to_have_text("Dem Amt antworten")
    axe(citizen, "reply page, wrong file type")
    citizen.screenshot(path=artifacts / f"conversation-reply-error-{mode}.png", full_page=True)
    citizen.set_input_files("#id_files", [png_file()])
    citizen.click("form.conversation-reply button[type=submit]")
    expect(citizen.locator(".page-message")).to_contain_text("Vielen Dank, Ihre Antwort ist "
                                                             "gesendet.")
    expect(citizen.locator(".case-conversation")).to_contain_text(
        "Gesendete Dateien: versicherungsschein.png")
    expect(citizen.locator(".case-history")).to_contain_text("Sie haben geantwortet.")
    axe(citizen, "status page after the reply")
    citizen.screenshot(path=artifacts / f"conversation-citizen-{mode}.png", full_page=True)

    # The clerk sees the reply with its file, and the case is back with them.
    page.goto(portal.url(f"/de/staff/submissions/{reference}/"))
    expect(page.locator(".case-state")).to_have_text("in Bearbeitung")
    expect(page.locator(".conversation__files")).to_contain_text("versicherungsschein.png")
    expect(page.locator(".case-timeline")).to_contain_text(
        "Die antragstellende Person hat geantwortet, mit 1 Datei")

    # A signed-in citizen's other case: the request reaches the mailbox, the reply Mein Rathaus.
    owner = Client()
    signed = sign_in_client(owner, bpk2="max-bpk2")
    other = open_case(submission=citizen_submission(signed, language="de"))
    send_message(case_id=other.pk, text="Bitte nennen Sie die Chipnummer.", actor=clerk,
                 expected_version=other.version, requested="Chipnummer",
                 request_deadline=deadline)
    mine = new_page(javascript=javascript)
    mine.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                               "value": owner.cookies[settings.SESSION_COOKIE_NAME].value,
                               "url": portal.base_url}])
    mine.goto(portal.url("/de/mein-rathaus/postfach/"))
    expect(mine.locator("main")).to_contain_text(f"Neue Nachricht zu Ihrem Antrag "
                                                 f"{other.reference}")
    mine.goto(portal.url("/de/mein-rathaus/antraege/"))
    mine.locator("a.service-list__link").first.click()
    expect(mine.locator(".case-conversation")).to_contain_text("Bitte nennen Sie die Chipnummer.")
    mine.fill("#id_reply", "276098106543210")
    mine.click("form.conversation-reply button[type=submit]")
    expect(mine.locator(".page-message")).to_contain_text("Vielen Dank")
    axe(mine, "signed-in status page after the reply")

    other.refresh_from_db()
    assert other.state == CaseState.IN_PROGRESS
    assert CaseMessage.objects.filter(case=other, direction="from_citizen").get().text == (
        "276098106543210")
    assert Case.objects.get(reference=reference).state == CaseState.IN_PROGRESS
