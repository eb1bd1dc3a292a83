"""Issue 11's journey, from the workbasket to the notice the citizen retrieves, and the purge.

A clerk signs in with the second factor, filters and takes a business registration, asks the
applicant for a document; the applicant (no account) replies with an upload through the mailed
link; a signed-in citizen of another case replies from Mein Rathaus; the clerk decides, drafts
the notice and submits it; a lead releases it (four eyes, as the business registration asks);
the applicant retrieves the PDF (its text and tags checked), the retrieval and the day it counts
as given appear on both sides; the clerk closes the case; after the retention period the purge
removes it and the link opens nothing. With JavaScript and without.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import formats, timezone, translation
from playwright.sync_api import Page, expect

from rathaus.account.tests.factories import submission as citizen_submission
from rathaus.applications.models import Submission
from rathaus.cases.conversation import send_message
from rathaus.cases.models import Case, CaseNotice, CaseState, PurgedCase
from rathaus.cases.services import open_case
from rathaus.cases.tests.factories import application
from rathaus.core.tests.pdfs import assert_accessible_pdf
from rathaus.identity.testing import sign_in_client
from rathaus.notices.services import load_default_templates
from rathaus.staff.tests.factories import staff_user

from .conftest import Portal
from .test_cases import sign_in
from .test_conversation import png_file

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

APPLICANT = "aylin@example.org"


def link_in_mail(mailoutbox: list[Any], *, to: str, containing: str) -> str:
    """The status link of the newest mail to ``to`` whose subject contains ``containing``."""
    mails = [item for item in mailoutbox if to in item.to and containing in item.subject]
    assert mails, [(item.to, item.subject) for item in mailoutbox]
    found = re.search(r"https?://\S+?(/de/status/[^/\s]+/)", str(mails[-1].body))
    assert found, mails[-1].body
    return found.group(1)


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return " ".join(" ".join((page.extract_text() or "").split())
                    for page in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_from_the_workbasket_to_the_retrieved_notice_and_the_purge(
        portal: Portal, new_page: Callable[..., Page], axe: Callable[..., None],
        artifacts: Path, mailoutbox: list[Any], javascript: bool) -> None:
    call_command("load_text_blocks", stdout=io.StringIO())
    load_default_templates()
    case = application("gewerbe-anmelden", email=APPLICANT)
    reference = case.reference
    staff_user("ordnung", clerk_of=("ordnungsamt",))
    staff_user("leitung", lead_of=("ordnungsamt",))
    mode = "js" if javascript else "nojs"

    # The clerk signs in (password and authenticator code), filters and takes the case.
    page = new_page(javascript=javascript)
    sign_in(page, portal, "ordnung")
    page.fill("#id_q", "yilmaz")  # the search forgives the missing dotless i
    page.click("form.workbasket-filters button[type=submit]")
    expect(page.locator("table.workbasket")).to_contain_text(reference)
    page.click("button[name=take]")
    expect(page.locator(".page-message")).to_contain_text("zugewiesen an ordnung")
    page.click(f"a.reference:text('{reference}')")
    page.click("form.case-transition:has(input[value=in_progress]) button")
    expect(page.locator(".case-state")).to_have_text("in Bearbeitung")

    # … and asks for a document with a deadline, from a text block.
    page.select_option("#id_block", label="Fehlende Unterlage anfordern")
    page.click("button[name=action][value=insert_block]")
    page.fill("#id_requested", "Kopie der Gewerbeerlaubnis")
    page.fill("#id_deadline", (timezone.localdate() + dt.timedelta(days=14)).isoformat())
    page.click("button[name=action][value=message]")
    expect(page.locator(".case-state")).to_have_text("wartet auf Antragsteller*in")
    axe(page, "case, documents requested")

    # The applicant, without an account, replies with the file through the mailed link.
    citizen = new_page(javascript=javascript)
    status = link_in_mail(mailoutbox, to=APPLICANT, containing="Nachricht")
    citizen.goto(portal.url(status))
    expect(citizen.locator(".conversation__request")).to_contain_text("Kopie der Gewerbeerlaubnis")
    citizen.fill("#id_reply", "Die Kopie liegt bei.")
    citizen.set_input_files("#id_files", [png_file()])
    citizen.click("form.conversation-reply button[type=submit]")
    expect(citizen.locator(".case-history")).to_contain_text("Sie haben geantwortet.")
    axe(citizen, "status page after the reply")

    # A signed-in citizen of another case replies from Mein Rathaus.
    owner = Client()
    signed = sign_in_client(owner, bpk2="max-bpk2")
    other = open_case(submission=citizen_submission(signed, language="de"))
    send_message(case_id=other.pk, text="Bitte nennen Sie die Chipnummer.",
                 actor=staff_user("steuer", clerk_of=("steueramt",)),
                 expected_version=other.version, requested="Chipnummer",
                 request_deadline=timezone.localdate() + dt.timedelta(days=7))
    mine = new_page(javascript=javascript)
    mine.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                               "value": owner.cookies[settings.SESSION_COOKIE_NAME].value,
                               "url": portal.base_url}])
    mine.goto(portal.url("/de/mein-rathaus/antraege/"))
    mine.locator("a.service-list__link").first.click()
    mine.fill("#id_reply", "276098106543210")
    mine.click("form.conversation-reply button[type=submit]")
    expect(mine.locator(".page-message")).to_contain_text("Vielen Dank")

    # The clerk sees the reply, decides, drafts the notice and submits it for release.
    page.goto(portal.url(f"/de/staff/submissions/{reference}/"))
    expect(page.locator(".case-state")).to_have_text("in Bearbeitung")
    expect(page.locator(".conversation__files")).to_contain_text("versicherungsschein.png")
    page.select_option("form.case-transition:has(input[value=decided]) select[name=outcome]",
                       "granted")
    page.click("form.case-transition:has(input[value=decided]) button")
    expect(page.locator(".case-state")).to_have_text("entschieden: stattgegeben")
    page.click("form.notice-draft-form button[type=submit]")
    expect(page.locator(".case-notice-draft")).to_contain_text("Entwurf des Bescheids")
    page.click("form.notice-send button[type=submit]")
    expect(page.locator(".case-notice-section")).to_contain_text("Freigabe")
    axe(page, "case, notice waiting for release")

    # A lead releases it: it is issued and provided for retrieval.
    lead = new_page(javascript=javascript)
    sign_in(lead, portal, "leitung")
    lead.goto(portal.url(f"/de/staff/submissions/{reference}/"))
    lead.click("form.notice-release button[type=submit]")
    expect(lead.locator(".case-notice-sent .notice-channel")).to_contain_text("zum Abruf online")
    axe(lead, "case, notice released")

    # The applicant retrieves it through the link of the content-free e-mail.
    notice_link = link_in_mail(mailoutbox, to=APPLICANT, containing="Bescheid")
    assert notice_link.startswith(f"/de/status/{reference}:")
    citizen.goto(portal.url(notice_link))
    expect(citizen.locator(".case-notices")).to_contain_text("Sie können den Bescheid hier bis zum")
    with citizen.expect_download() as download:
        citizen.click("a.notice-download")
    data = Path(download.value.path()).read_bytes()
    text = pdf_text(data)
    for shown in (reference, "Aylin Yılmaz", "Bescheid", "Rechtsbehelfsbelehrung",
                  "elektronisch erstellt"):
        assert shown in text, (shown, text[:400])
    assert_accessible_pdf(data, language="de", title_part=f"Bescheid {reference}")
    item = CaseNotice.objects.get(case__reference=reference)
    assert item.retrieved_at is not None
    retrieved = timezone.localtime(item.retrieved_at).date()
    assert item.given_on == retrieved + dt.timedelta(days=1)
    with translation.override("de"):
        given, on = (formats.date_format(day, "DATE_FORMAT") for day in (item.given_on, retrieved))
    citizen.reload()
    expect(citizen.locator(".case-notices .notice-given")).to_contain_text(
        f"Er gilt am {given} als bekannt gegeben. Sie haben ihn am {on} abgerufen.")
    expect(citizen.locator(".case-history")).to_contain_text(f"Sie haben den Bescheid am {on}")
    axe(citizen, "status page, notice retrieved")
    citizen.screenshot(path=artifacts / f"journey-citizen-{mode}.png", full_page=True)
    page.goto(portal.url(f"/de/staff/submissions/{reference}/"))
    expect(page.locator(".case-notice-sent .notice-given")).to_have_text(given)

    # The clerk closes the case; its timeline tells the whole story.
    page.click("form.case-transition:has(input[value=closed]) button")
    expect(page.locator(".case-state")).to_contain_text("abgeschlossen")
    timeline = page.locator(".case-timeline")
    for step in ("Unterlagen oder Angaben angefordert", "hat geantwortet", "freigegeben",
                 "abgerufen"):
        expect(timeline).to_contain_text(step)
    axe(page, "case, closed")
    page.screenshot(path=artifacts / f"journey-clerk-{mode}.png", full_page=True)

    # After the service's retention period the purge removes it; the link opens nothing.
    closed = Case.objects.get(reference=reference)
    assert closed.ended_at is not None
    later = closed.ended_at + dt.timedelta(days=closed.submission.service_version.spec
                                           .retention_days + 1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        call_command("purge_cases", stdout=io.StringIO())
    assert not Case.objects.filter(reference=reference).exists()
    assert not Submission.objects.filter(reference=reference).exists()
    assert PurgedCase.objects.filter(service__slug="gewerbe-anmelden",
                                     end_state=CaseState.CLOSED).count() == 1
    citizen.goto(portal.url(status))
    expect(citizen.locator("h1")).not_to_contain_text("Stand Ihres Antrags")
