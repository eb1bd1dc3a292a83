"""One service of every department, applied for through the real pages without JavaScript.

Each journey opens the service's form, first continues with an answer missing (the error
summary shows, what was typed is kept), then answers every step as a citizen would, checks
its answers, pays a fee by bank transfer where the check page asks how, and submits. axe
checks every step page, the error state, the check page and the confirmation. The answers
come from the per-service tests in rathaus/applications/tests and are kept in SAMPLES below,
one entry per department; the filler decides by each element's kind (radio, checkbox,
select, file or a text-like input), so a field that becomes a select or a time input keeps
working with the same answer. Journeys alternate between German and English.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Page, expect

from rathaus.applications.models import Submission
from rathaus.applications.tests.journey import pdf_bytes, png_bytes
from rathaus.catalog.models import Service
from rathaus.forms.tests.files import image_bytes
from rathaus.identity.levels import TrustLevel
from rathaus.identity.models import SignInSource
from rathaus.identity.testing import sign_in_client
from rathaus.payments.models import TRANSFER, Payment

from .conftest import Portal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@dataclass(frozen=True)
class Upload:
    """A file the citizen chooses; its content is real, its kind given by the name."""

    name: str

    def content(self) -> bytes:
        if self.name.endswith(".pdf"):
            return pdf_bytes()
        if self.name.endswith(".jpg"):
            return image_bytes(413, 531, "JPEG")  # large enough for a card photo
        return png_bytes()


Answer = str | list[str] | Upload
Answers = dict[str, Answer]


@dataclass(frozen=True)
class Sample:
    """A service of one department: its answers step by step, and what the office receives."""

    department: str
    slug: str
    steps: tuple[tuple[str, Answers], ...]
    stored: dict[str, Any]
    # A repeated group as received: its name, one answer's key, that answer of every item.
    repeated: tuple[str, str, list[Any]] | None = None


def in_days(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def name(prefix: str, given: str, family: str) -> Answers:
    return {f"{prefix}-given_names": given, f"{prefix}-family_name": family}


def address(prefix: str, street: str, number: str, postcode: str = "31134",
            city: str = "Musterstadt") -> Answers:
    return {f"{prefix}-street": street, f"{prefix}-number": number,
            f"{prefix}-postcode": postcode, f"{prefix}-city": city}


def item(group: str, index: int, **answers: Answer) -> Answers:
    """Answers for the ``index``-th item of a repeated group (added with its button)."""
    return {f"{group}-{index}-{key}": value for key, value in answers.items()}


# The first answer of each first step is the one left out for the error state.
SAMPLES = (
    Sample("buergerbuero", "fundsache", (
        ("kind", {"report_kind": "found", "found_where": "public_place"}),
        ("item", {"item_category": "wallet", "item_value": "80",
                  "item_description": "Braune Lederbörse mit 80 € und einer Bibliothekskarte",
                  "item_photo": Upload("boerse.png")}),
        ("place_time", {"event_date": in_days(-1),
                        "event_place": "Bank am Spielplatz im Stadtpark",
                        "item_whereabouts": "will_hand_in",
                        "finder_claims": ["reward", "ownership"]}),
        ("contact", {**name("contact_name", "Paul", "Lehmann"),
                     "contact_email": "paul.lehmann@example.org",
                     **address("contact_address", "Parkstraße", "2"), "truthful": "yes"}),
    ), {"report_kind": "found", "item_value": "80.00", "finder_claims": ["reward", "ownership"],
        "event_place": "Bank am Spielplatz im Stadtpark"}),
    Sample("bauverwaltung", "hausnummer-beantragen", (
        ("reason", {"reason": "new_building", "building_status": "applied",
                    "permit_reference": "BA-2026-0147"}),
        ("parcel", {"gemarkung": "Oberdorf", "flur": "3", "flurstueck": "112/3, 112/4",
                    "access_street": "Am Kirschgarten", "neighbour_number": "Am Kirschgarten 5"}),
        ("building", {"building_kind": "semi_terraced", "numbers_needed": "2",
                      "site_plan": Upload("lageplan.pdf")}),
        ("applicant", {"applicant_role": "representative",
                       **name("applicant_name", "Jonas", "Albers"),
                       **address("applicant_address", "Poststraße", "3"),
                       "owner_name": "Familie Neumann",
                       "power_of_attorney": Upload("vollmacht.pdf"),
                       "applicant_email": "albers@architekten.example",
                       "notice_by_retrieval": "yes"}),
    ), {"flur": 3, "flurstueck": "112/3, 112/4", "numbers_needed": 2,
        "owner_name": "Familie Neumann"}),
    Sample("barrierefreiheit", "barriere-melden", (
        ("barrier", {"location": "https://musterstadt.example/de/services/hund-anmelden/",
                     "barrier_description": "Der Datumsauswähler lässt sich mit NVDA nicht "
                                            "bedienen; das Feld hat keine Beschriftung.",
                     "assistive_technology": ["screen_reader", "keyboard_only"]}),
        ("contact", {"wants_answer": "yes", "reply_email": "kim.vogt@example.org",
                     **name("reporter_name", "Kim", "Vogt")}),
    ), {"assistive_technology": ["screen_reader", "keyboard_only"], "wants_answer": True,
        "reply_email": "kim.vogt@example.org"}),
    Sample("umwelt", "baumfaellung", (
        ("protected", {"circumference_class": "protected", "fruit_tree": "no"}),
        ("request", {"request_kind": "permit", **name("applicant_name", "Jens", "Gärtner"),
                     "applicant_role": "owner", "applicant_email": "jens.gaertner@example.org",
                     "applicant_phone": "05121 998877"}),
        ("trees", {**address("property_address", "Am Mühlbach", "12"),
                   **item("trees", 0, species="stieleiche", circumference_cm="190",
                          height_m="18", position="Hinter dem Haus, links"),
                   **item("trees", 1, species="rotbuche", circumference_cm="120",
                          height_m="15", position="Hinter dem Haus, rechts"),
                   "site_plan": Upload("lageplan.pdf"), "photos": Upload("eiche.png")}),
        ("reason", {"reason": "disease",
                    "reason_details": "Brandkrustenpilz am Stammfuß, die Krone stirbt ab.",
                    "replacement": "planned",
                    "replacement_species": "Feldahorn, im Vorgarten links", "truthful": "yes"}),
    ), {"reason": "disease", "request_kind": "permit"},
        ("trees", "species", ["stieleiche", "rotbuche"])),
    Sample("ordnungsamt", "osterfeuer-anmelden", (
        ("fire", {"fire_kind": "easter", "public": "yes",
                  "organiser": "Freiwillige Feuerwehr Musterstadt-Nord",
                  "fire_date": in_days(30), "fire_time": "19:30"}),
        ("place", {"fire_place": "Wiese hinter dem Sportplatz am Mühlenweg",
                   "land_owner_consent": "yes", "pile_diameter_m": "6", "pile_height_m": "3",
                   "distance_buildings_m": "180", "distances_kept": "yes"}),
        ("responsible", {**name("responsible_name", "Dirk", "Meyer"),
                         **address("responsible_address", "Mühlenweg", "3"),
                         "contact_phone": "0160 9876543",
                         "contact_email": "wehrfuehrer@ff-nord.example",
                         "extinguishing": ["extinguisher", "fire_brigade"]}),
        ("declaration", {"material": "yes", "supervision": "yes"}),
    ), {"fire_date": in_days(30), "distance_buildings_m": 180,
        "extinguishing": ["extinguisher", "fire_brigade"], "material": True}),
    Sample("wahlamt", "briefwahl", (
        ("election", {"election": "kommunal", "runoff_too": "yes", "for_whom": "self"}),
        ("voter", {**name("voter_name", "Clara", "Neumann"), "voter_birth_date": "2003-04-30",
                   **address("voter_address", "Lindenallee", "7a"), "register_number": "1234",
                   "voter_email": "clara.neumann@example.org"}),
        ("delivery", {"delivery_target": "abroad", "abroad_street": "12 rue de la République",
                      "abroad_postcode_city": "69002 Lyon", "abroad_country": "fr",
                      "delivery_care_of": "Résidence Bellecour, app. 31"}),
        ("declaration", {"truthful": "yes"}),
    ), {"election": "kommunal", "runoff_too": True, "abroad_country": "fr"}),
    Sample("standesamt", "sterbeurkunde", (
        ("death_place", {"died_in_town": "yes"}),
        ("relation", {"relation": "sibling",
                      "legal_interest": "Ich bin Alleinerbe und löse die Wohnung meines "
                                        "Bruders auf.",
                      "legal_interest_evidence": Upload("erbschein.pdf")}),
        ("deceased", {**name("deceased_name", "Hermann", "Voß"),
                      "deceased_birth_date": "1941-02-03", "death_date": in_days(-18),
                      "death_location": "St.-Elisabeth-Krankenhaus"}),
        ("certificate", {"purpose": "estate", "certificate_kind": "standard", "copies": "2"}),
        ("applicant", {**name("applicant_name", "Dieter", "Voß"),
                       "applicant_email": "dieter.voss@example.org",
                       **address("delivery_address", "Am Kanal", "9")}),
        ("declaration", {"truthful": "yes"}),
    ), {"relation": "sibling", "deceased_name": {"given_names": "Hermann", "family_name": "Voß"},
        "copies": 2}),
    Sample("soziales", "ehrenamtskarte", (
        ("requirements", {"extent": "weekly", "three_years": "yes", "unpaid": "yes"}),
        ("applicant", {**name("applicant_name", "Jana", "Becker"),
                       "applicant_birth_date": "1988-06-12",
                       **address("applicant_address", "Lindenallee", "7a"),
                       "applicant_email": "jana.becker@example.org"}),
        ("volunteering", {
            **item("activities", 0, organisation="TSV Musterstadt e. V.",
                   activity="Jugendtrainerin Handball", since="2019-09-01", hours_per_week="3"),
            **item("activities", 1, organisation="Freiwillige Feuerwehr Musterstadt",
                   activity="Atemschutzgeräteträgerin", since="2019-09-01",
                   hours_per_year="120"),
            "confirmation": Upload("bestaetigung-tsv.pdf")}),
        ("photo", {"card_photo": Upload("foto.jpg"), "truthful": "yes"}),
    ), {"extent": "weekly"},
        ("activities", "organisation", ["TSV Musterstadt e. V.",
                                        "Freiwillige Feuerwehr Musterstadt"])),
    Sample("steueramt", "hund-abmelden", (
        ("owner", {**name("owner_name", "Erika", "Mustermann"),
                   **address("owner_address", "Lindenallee", "7a"),
                   "owner_email": "erika@example.org", "owner_phone": "05121 123456"}),
        ("dog", {"tax_number": "HS-2021-0815", "dog_name": "Bello", "tag_number": "1207"}),
        ("reason", {"reason": "given_away", "change_date": in_days(-7)}),
        ("details", {**name("new_keeper_name", "Hans", "Schulze"),
                     **address("new_keeper_address", "Gartenweg", "3", "31137", "Hildesheim")}),
        ("tag_and_payment", {"tag_returned": "yes", "cancel_mandate": "yes"}),
        ("declaration", {"truthful": "yes"}),
    ), {"reason": "given_away", "tag_number": "1207", "tag_returned": True,
        "new_keeper_name": {"given_names": "Hans", "family_name": "Schulze"}}),
    Sample("kindertagesstaetten", "hortplatz-anmelden", (
        ("kind", {"only_school_ganztag": "no"}),
        ("parent", {**name("parent_name", "Erika", "Mustermann"),
                    **address("parent_address", "Lindenallee", "7a"),
                    "parent_phone": "05121 123456", "parent_email": "erika@example.org",
                    "employment": ["full_time"], "single_parent": "yes"}),
        ("children", {
            **item("children", 0, **name("child_name", "Mia", "Mustermann"),
                   child_birth_date=in_days(-6 * 365), school="am-stadtpark", school_class="1",
                   care_type="hort", care_until="17", care_days=["mon", "tue", "wed", "thu"],
                   holiday_care="yes", desired_start=in_days(200), special_needs="no"),
            **item("children", 1, **name("child_name", "Leon", "Mustermann"),
                   child_birth_date=in_days(-9 * 365), school="am-stadtpark", school_class="3",
                   care_type="holidays_only", holiday_care="yes", desired_start=in_days(200),
                   special_needs="no")}),
        ("declaration", {"truthful": "yes"}),
    ), {"single_parent": True, "employment": ["full_time"]},
        ("children", "care_type", ["hort", "holidays_only"])),
    Sample("stadtentwaesserung", "gartenwasserzaehler-zaehlerstand", (
        ("meter", {"meter_number": "GZ 4471-2024",
                   **address("property_address", "Am Mühlbach", "12"),
                   "fee_account_number": "AW-2024-00817"}),
        ("reading", {"meter_reading": "47", "reading_date": in_days(0),
                     "lower_than_before": "no", "meter_photo": Upload("stand.png")}),
        ("reporter", {**name("reporter_name", "Jens", "Gärtner"),
                      "reporter_email": "jens.gaertner@example.org", "truthful": "yes"}),
    ), {"meter_number": "GZ 4471-2024", "meter_reading": 47, "lower_than_before": False}),
    Sample("friedhofsverwaltung", "grabnutzungsrecht-verlaengern", (
        ("holder", {"is_holder": "yes", **name("holder_name", "Erika", "Mustermann"),
                    **address("holder_address", "Lindenallee", "7a"),
                    "holder_email": "erika@example.org"}),
        ("grave", {"cemetery": "waldfriedhof", "grave_field": "C", "grave_number": "3-27",
                   "grave_type": "wahlgrab_2", "expires_on": "2027-03-31"}),
        ("extension", {"reason": "keep", "extension_years": "10", "truthful": "yes"}),
    ), {"extension_years": 10, "grave_type": "wahlgrab_2", "grave_number": "3-27"}),
    Sample("liegenschaften", "halle-mieten", (
        ("tenant", {"tenant_kind": "club", "organisation_name": "TSV Musterstadt e. V.",
                    "non_profit": "yes", **name("tenant_name", "Jana", "Becker"),
                    **address("tenant_address", "Lindenallee", "7a"),
                    "tenant_email": "jana.becker@example.org", "tenant_phone": "0170 1234567"}),
        ("booking", {"hall": "buergerhaus-saal", "event_date": in_days(60),
                     "event_last_day": in_days(61),
                     "time_from": "18:00", "time_until": "01:00", "setup_day_before": "yes"}),
        ("event", {"purpose": "club_event", "expected_persons": "150", "catering": "own",
                   "kitchen": "yes", "equipment": ["sound", "tables"], "rules": "yes"}),
    ), {"hall": "buergerhaus-saal", "time_until": "01:00", "equipment": ["sound", "tables"],
        "non_profit": True}),
    Sample("bauhof", "schaden-melden", (
        ("damage", {"danger": "no", "damage_kind": "road"}),
        ("location", {"location_kind": "address",
                      **address("location_address", "Kirchweg", "14")}),
        ("details", {"description": "Schlagloch etwa 30 cm breit, mitten auf der Fahrbahn",
                     "photo": Upload("schlagloch.png")}),
        ("contact", {"wants_feedback": "yes", "reporter_name": "Anna Roth",
                     "reporter_email": "anna.roth@example.org"}),
    ), {"damage_kind": "road", "location_address": {
        "street": "Kirchweg", "number": "14", "postcode": "31134", "city": "Musterstadt"}}),
    Sample("stadtkasse", "sepa-lastschriftmandat", (
        ("applicant", {"applicant_is_holder": "yes", **name("applicant_name", "Erika",
                                                            "Mustermann"),
                       **address("applicant_address", "Lindenallee", "7a"),
                       "applicant_email": "erika@example.org"}),
        ("payments", {"own_payments": "yes", "scope": "references", "replaces_mandate": "yes"}),
        ("references", {**item("references", 0, reference_number="5.0001.234567.8",
                               reference_note="Grundsteuer Am Mühlbach 12"),
                        **item("references", 1, reference_number="7.0815.000042.1")}),
        ("mandate", {"bank_account-holder": "Erika Mustermann",
                     "bank_account-iban": "DE89 3704 0044 0532 0130 00",
                     "bank_account-mandate": "yes", "truthful": "yes"}),
    ), {"scope": "references", "replaces_mandate": True},
        ("references", "reference_number", ["5.0001.234567.8", "7.0815.000042.1"])),
    Sample("tiefbau", "sondernutzung-strasse", (
        ("use", {"use_kind": "scaffold", "scaffold_company": "Gerüstbau Nord GmbH",
                 "purpose": "Sanierung der Fassade"}),
        ("place", {**address("location", "Bahnhofstraße", "12"), "surface": ["pavement"],
                   "area_m2": "9", "area_class": "up_to_10", "pavement_left_cm": "180",
                   "site_plan": Upload("skizze.png")}),
        ("period", {"date_from": in_days(14), "date_until": in_days(43)}),
        ("applicant", {"applicant_role": "owner", **name("applicant_name", "Karl", "Brenner"),
                       **address("applicant_address", "Bahnhofstraße", "12"),
                       "applicant_email": "brenner@example.org",
                       "applicant_phone": "05121 303030"}),
        ("declaration", {"obligations": "yes"}),
    ), {"use_kind": "scaffold", "area_m2": 9, "surface": ["pavement"]}),
)

REPEAT_ITEM = re.compile(r"^(?P<group>[a-z_]+)-\d+-")
# Inputs whose typed text the check page repeats as it is (numbers and dates it formats).
VERBATIM_KINDS = {"text", "email", "tel", "textarea"}


def language_of(index: int) -> str:
    return "de" if index % 2 == 0 else "en"


def signed_in_if_needed(page: Page, portal: Portal, slug: str) -> None:
    """Give the browser a citizen's session when the service asks for a sign-in."""
    service = Service.objects.select_related("current_version").get(slug=slug)
    assert service.current_version is not None
    level = service.current_version.spec.required_trust_level
    if level == TrustLevel.NONE:
        return
    client = Client()
    sign_in_client(client, level=level, source=SignInSource.EMAIL,
                   attributes={"email": "buerger@example.org"})
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                               "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                               "url": portal.base_url}])


def fill(page: Page, answers: Answers, files: Path) -> list[str]:
    """Answer each field by its element's kind; return the texts typed as they are."""
    typed = []
    form = page.locator("form.application-form")
    for field_name, value in answers.items():
        field = form.locator(f'[name="{field_name}"]')
        repeat = REPEAT_ITEM.match(field_name)
        if repeat and field.count() == 0:
            # Without JavaScript the group's add button asks the server for another item.
            form.locator(f'button[name="action"][value="add:{repeat["group"]}"]').click()
            expect(field.first).to_be_attached()
        if field.count() == 0:
            pytest.fail(f"no field {field_name!r} on {page.url}: adjust SAMPLES", pytrace=False)
        tag, kind, inputmode = field.first.evaluate(
            "e => [e.tagName.toLowerCase(), e.type, e.inputMode]")
        if kind in ("radio", "checkbox"):
            assert not isinstance(value, Upload)
            for choice in [value] if isinstance(value, str) else value:
                form.locator(f'[name="{field_name}"][value="{choice}"]').check()
        elif tag == "select":
            assert isinstance(value, str)
            options = field.locator("option").evaluate_all("all => all.map(o => o.value)")
            if value not in options:
                pytest.fail(f"{field_name!r} offers {options}, not {value!r}: adjust SAMPLES",
                            pytrace=False)
            field.select_option(value)
        elif kind == "file":
            assert isinstance(value, Upload)
            path = files / value.name
            path.write_bytes(value.content())
            field.set_input_files(path)
        else:
            assert isinstance(value, str)
            field.fill(value)
            if kind in VERBATIM_KINDS and inputmode not in ("numeric", "decimal"):
                typed.append(value)
    return typed


def continue_to(page: Page, step: str) -> None:
    """Continue and arrive at ``step`` (an id, "check" or "submitted"), or say what was wrong."""
    page.locator('.form-actions button[value="continue"]').click()
    try:
        expect(page).to_have_url(re.compile(rf"/{step}/$"))
    except AssertionError:
        summary = page.locator("#error-summary")
        found = summary.inner_text() if summary.count() else "no error summary"
        pytest.fail(f"expected step {step!r}, still at {page.url}: {found}", pytrace=False)


def assert_kept(page: Page, answers: Answers) -> None:
    """What was typed or chosen is on the page again."""
    form = page.locator("form.application-form")
    for field_name, value in answers.items():
        if isinstance(value, Upload):
            continue
        for choice in [value] if isinstance(value, str) else value:
            field = form.locator(f'[name="{field_name}"]')
            if field.first.get_attribute("type") in ("radio", "checkbox"):
                expect(form.locator(f'[name="{field_name}"][value="{choice}"]')).to_be_checked()
            else:
                expect(field).to_have_value(choice)


def error_state(page: Page, step: str, answers: Answers, files: Path,
                axe: Callable[..., None]) -> None:
    """Continue with the step's first answer missing: the summary names it, the rest stays."""
    missing, *rest = answers
    kept = {key: answers[key] for key in rest}
    fill(page, kept, files)
    page.locator('.form-actions button[value="continue"]').click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/{step}/$"))
    expect(summary.locator(f'a[href^="#{missing}"]').first).to_be_attached()
    assert_kept(page, kept)
    axe(page, f"{step}, {missing} missing")


@pytest.mark.parametrize(("sample", "language"), [
    pytest.param(sample, language_of(index), id=sample.slug)
    for index, sample in enumerate(SAMPLES)])
def test_applying_without_javascript(
        portal: Portal, new_page: Callable[..., Page], axe: Callable[..., None],
        tmp_path: Path, sample: Sample, language: str) -> None:
    page = new_page(javascript=False)
    signed_in_if_needed(page, portal, sample.slug)
    page.goto(portal.url(f"/{language}/services/{sample.slug}/apply/"))
    expect(page.locator("html")).to_have_attribute("lang", language)
    page.locator(f'form[action$="/services/{sample.slug}/apply/"] button').click()

    typed: list[str] = []
    (first, first_answers), *_ = sample.steps
    expect(page).to_have_url(re.compile(rf"/{first}/$"))
    for index, (step, answers) in enumerate(sample.steps):
        page.wait_for_load_state()
        axe(page, f"{sample.slug}, step {step}")
        if index == 0:
            error_state(page, step, first_answers, tmp_path, axe)
        typed += fill(page, answers, tmp_path)
        following = sample.steps[index + 1][0] if index + 1 < len(sample.steps) else "check"
        continue_to(page, following)

    main = page.locator("main")
    for text in typed:
        expect(main).to_contain_text(text)
    assert not Submission.objects.exists(), "nothing is submitted before the citizen says so"
    axe(page, f"{sample.slug}, check your answers")
    transfer = page.locator(f'input[name="payment_method"][value="{TRANSFER}"]')
    paying = transfer.count() > 0
    if paying:
        transfer.check()
    page.locator('form:has(input[name="draft"]) button[type="submit"]').click()

    expect(page).to_have_url(re.compile(r"/submitted/[^/]+/$"))
    reference = page.locator(".reference")
    expect(reference).to_have_text(re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}$"))
    submission = Submission.objects.select_related("department", "service").get(
        reference=reference.inner_text().strip())
    service, department = submission.service, submission.department
    expect(main).to_contain_text(service.title_de if language == "de" else service.title_en)
    expect(main).to_contain_text(department.name_de if language == "de" else department.name_en)
    axe(page, f"{sample.slug}, confirmation")

    assert department.slug == sample.department
    assert submission.language == language
    for key, expected in sample.stored.items():
        assert submission.answers[key] == expected, key
    if sample.repeated is not None:
        group, key, values = sample.repeated
        assert [entry[key] for entry in submission.answers[group]] == values
    uploads = {key for _step, answers in sample.steps for key, value in answers.items()
               if isinstance(value, Upload)}
    assert {upload.field_id for upload in submission.attachments.all()} == uploads
    if paying:
        payment = Payment.objects.get(submission=submission)
        assert payment.method == TRANSFER
        expect(main).to_contain_text(payment.kassenzeichen)
