"""A citizen registering two dogs for dog tax, driven through the browser step by step.

Field texts come from services/hund-anmelden.yaml in both languages. UI chrome (buttons, part
labels) is only named in English, where the gettext msgids are the text; in German it is found
by structure, so the test does not depend on the state of the German translation.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from playwright.sync_api import Locator, Page, expect


@dataclass(frozen=True)
class Texts:
    language: str
    search: str
    service_title: str
    birth_date: str
    moved_here_label: str
    previous_municipality: str
    dog_name: str
    breed: str
    female: str
    male: str
    dog_birth_date: str
    keeping_since: str
    chip_number: str
    add_dog: str
    dog_item: str
    insurer: str
    policy_number: str
    direct_debit: str
    bank_account: str
    declaration: str
    email: str
    step_titles: tuple[str, ...]


GERMAN = Texts(
    language="de",
    search="hund",
    service_title="Hund zur Hundesteuer anmelden",
    birth_date="Geburtsdatum",
    moved_here_label="Sind Sie mit dem Hund aus einer anderen Gemeinde zugezogen?",
    previous_municipality="Bisherige Gemeinde",
    dog_name="Name des Hundes",
    breed="Rasse oder Mischung",
    female="Hündin",
    male="Rüde",
    dog_birth_date="Wurfdatum (ungefähr)",
    keeping_since="In der Stadt gehalten seit",
    chip_number="Nummer des Mikrochips",
    add_dog="Weiteren Hund hinzufügen",
    dog_item="Hund",
    insurer="Versicherungsunternehmen",
    policy_number="Versicherungsnummer",
    direct_debit="Per Lastschrift (SEPA)",
    bank_account="Bankverbindung für die Lastschrift",
    declaration="Ich bestätige die Erklärung.",
    email="E-Mail-Adresse",
    step_titles=("Angaben zur Halterin oder zum Halter", "Hundehaltung", "Ihre Hunde",
                 "Haftpflichtversicherung", "Zahlung der Hundesteuer", "Erklärung"),
)

ENGLISH = Texts(
    language="en",
    search="dog tax",
    service_title="Register a dog for dog tax",
    birth_date="Date of birth",
    moved_here_label="Did you move here from another municipality with the dog?",
    previous_municipality="Previous municipality",
    dog_name="Name of the dog",
    breed="Breed or mix",
    female="Female",
    male="Male",
    dog_birth_date="Date of birth (approximately)",
    keeping_since="Kept in the town since",
    chip_number="Microchip number",
    add_dog="Add another dog",
    dog_item="Dog",
    insurer="Insurance company",
    policy_number="Policy number",
    direct_debit="By direct debit (SEPA)",
    bank_account="Bank account for the direct debit",
    declaration="I confirm this declaration.",
    email="E-mail address",
    step_titles=("About the dog keeper", "Keeping the dog", "Your dogs", "Liability insurance",
                 "Paying the dog tax", "Declaration"),
)

DOGS = (
    {"name": "Bello", "breed": "Labrador-Mischling", "sex": "male",
     "birth": "2021-06-01", "since": "2023-04-01", "chip": "276098106543210"},
    {"name": "Luna", "breed": "Dackel", "sex": "female",
     "birth": "2022-02-14", "since": "2023-04-01", "chip": "276098106543211"},
)
IBAN = "DE89 3704 0044 0532 0130 00"


class DogRegistration:
    """Walk the dog registration form; call `visited` on every page the citizen sees."""

    def __init__(self, page: Page, base_url: str, texts: Texts, *, javascript: bool,
                 visited: Callable[[Page, str], None] | None = None) -> None:
        self.page = page
        self.base_url = base_url
        self.texts = texts
        self.javascript = javascript
        self.visited = visited or (lambda page, where: None)

    # -- UI chrome: named in English, found by structure in German --------------------------

    @property
    def english(self) -> bool:
        return self.texts.language == "en"

    def _chrome(self, role: str, english_name: str, selector: str) -> Locator:
        if self.english:
            return self.page.get_by_role(role, name=english_name, exact=True)  # type: ignore[arg-type]
        return self.page.locator(selector)

    def _part(self, name: str, english_label: str) -> Locator:
        if self.english:
            return self.page.get_by_label(english_label, exact=True)
        return self.page.locator(f'[name="{name}"]')

    def continue_(self) -> None:
        self._chrome("button", "Continue", '.form-actions button[value="continue"]').click()

    def _seen(self, where: str) -> None:
        self.visited(self.page, where)

    def _arrive(self, step_number: int, where: str) -> None:
        """Wait until the step's page has loaded (a click only starts the navigation)."""
        title = self.texts.step_titles[step_number - 1]
        expect(self.page.get_by_role("heading", level=1)).to_have_text(title)
        total = len(self.texts.step_titles)
        # "Step 2 of 6", in whichever words the language uses.
        expect(self.page.locator("main p.kern-preline")).to_contain_text(
            re.compile(rf"\b{step_number}\D+{total}\b")
        )
        self._seen(where)

    # -- the journey --------------------------------------------------------------------------

    def find_service(self) -> None:
        page, texts = self.page, self.texts
        page.goto(f"{self.base_url}/{texts.language}/")
        expect(page.locator("html")).to_have_attribute("lang", texts.language)
        self._seen("start page")
        self._chrome("searchbox", "What would you like to do?", "#q").fill(texts.search)
        self._chrome("button", "Search", '.search-form button[type="submit"]').click()
        expect(page).to_have_url(re.compile(r"\?q="))
        expect(page.get_by_role("link", name=texts.service_title, exact=True)).to_be_visible()
        self._seen("search results")
        page.get_by_role("link", name=texts.service_title, exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(texts.service_title)
        self._seen("service page")
        self._chrome("link", "Apply online",
                     'a[href$="/services/hund-anmelden/apply/"]').click()
        expect(page).to_have_url(re.compile(r"/services/hund-anmelden/apply/$"))
        expect(page.get_by_role("heading", level=1)).to_have_text(texts.service_title)
        self._seen("before you start")
        self._chrome("button", "Start now", 'form[action$="/apply/"] button').click()

    def fill_owner(self, *, postcode: str) -> None:
        self._part("owner_name-given_names", "First name(s)").fill("Erika")
        self._part("owner_name-family_name", "Family name").fill("Musterfrau")
        self.page.get_by_label(self.texts.birth_date, exact=True).fill("1980-05-17")
        self._part("owner_address-street", "Street").fill("Lindenallee")
        self._part("owner_address-number", "House number").fill("12a")
        self._part("owner_address-postcode", "Postcode").fill(postcode)
        self._part("owner_address-city", "Town or city").fill("Musterstadt")
        self.page.get_by_label(self.texts.email, exact=True).fill("erika@example.org")

    def owner_with_a_mistake(self) -> None:
        """Enter a postcode no German address has, see the error, correct it."""
        page = self.page
        self._arrive(1, "owner step")
        self.fill_owner(postcode="00123")
        self.continue_()
        summary = page.locator("#error-summary")
        expect(summary).to_be_visible()
        expect(summary.locator('a[href="#owner_address-postcode"]')).to_have_count(1)
        postcode = page.locator("#owner_address-postcode")
        expect(postcode).to_have_attribute("aria-invalid", "true")
        expect(postcode).to_have_value("00123")
        expect(page.locator("#owner_name-given_names")).to_have_value("Erika")
        if self.javascript:
            expect(summary).to_be_focused()
        if self.english:
            expect(summary).to_contain_text("Enter a German postcode with 5 digits")
        self._seen("owner step with an error")
        summary.locator('a[href="#owner_address-postcode"]').click()
        expect(postcode).to_be_focused()
        postcode.fill("31134")
        self.continue_()
        expect(page.locator("#error-summary")).to_have_count(0)

    def keeping(self) -> None:
        page, texts = self.page, self.texts
        previous = page.get_by_label(texts.previous_municipality, exact=True)
        self._arrive(2, "keeping step")
        page.locator("#commercial-no").check()
        if self.javascript:
            expect(previous).to_be_hidden()
            page.locator("#moved_here-no").check()
            expect(previous).to_be_hidden()
        else:
            expect(previous).to_be_visible()
        page.locator("#moved_here-yes").check()
        expect(previous).to_be_visible()
        previous.fill("Hildesheim")
        self._seen("keeping step, moved here")
        self.continue_()

    def _fill_dog(self, index: int) -> None:
        dog, texts = DOGS[index], self.texts
        item = self.page.locator(f"#dogs-{index}")
        item.get_by_label(texts.dog_name, exact=True).fill(dog["name"])
        item.get_by_label(texts.breed, exact=True).fill(dog["breed"])
        item.get_by_label(texts.female if dog["sex"] == "female" else texts.male,
                          exact=True).check()
        item.get_by_label(texts.dog_birth_date, exact=True).fill(dog["birth"])
        item.get_by_label(texts.keeping_since, exact=True).fill(dog["since"])
        item.get_by_label(texts.chip_number, exact=True).fill(dog["chip"])
        self.page.locator(f"#dogs-{index}-dangerous-no").check()

    def dogs(self) -> None:
        page, texts = self.page, self.texts
        self._arrive(3, "dogs step")
        expect(page.locator(".repeat-group__item")).to_have_count(1)
        permit = page.locator("#dogs-0-dangerous_permit")
        if self.javascript:
            expect(permit).to_be_hidden()
        else:
            expect(permit).to_be_visible()
        self._fill_dog(0)
        page.get_by_role("button", name=texts.add_dog, exact=True).click()
        expect(page.locator(".repeat-group__item")).to_have_count(2)
        expect(page.locator("#dogs-1 > legend")).to_have_text(f"{texts.dog_item} 2")
        # The first dog survives the round trip to the server.
        expect(page.locator("#dogs-0-dog_name")).to_have_value(DOGS[0]["name"])
        expect(page.locator("#dogs-0-sex-1")).to_be_checked()
        if self.javascript:
            expect(page.locator("#dogs-1-dog_name")).to_be_focused()
        self._seen("dogs step with a second dog")
        self._fill_dog(1)
        self.continue_()

    def insurance(self) -> None:
        self._arrive(4, "insurance step")
        self.page.get_by_label(self.texts.insurer, exact=True).fill("Tierversicherung AG")
        self.page.get_by_label(self.texts.policy_number, exact=True).fill("HV-2024-0815")
        self.continue_()

    def payment(self) -> None:
        page, texts = self.page, self.texts
        account = page.get_by_role("group", name=texts.bank_account)
        self._arrive(5, "payment step")
        if self.javascript:
            expect(account).to_be_hidden()
        else:
            expect(account).to_be_visible()
        page.get_by_label(texts.direct_debit, exact=True).check()
        expect(account).to_be_visible()
        self._part("bank_account-holder", "Account holder").fill("Erika Musterfrau")
        self._part("bank_account-iban", "IBAN").fill(IBAN)
        mandate = self._chrome("checkbox", "I grant this SEPA direct debit mandate.",
                               "#bank_account-mandate")
        mandate.check()
        self._seen("payment step, direct debit")
        self.continue_()

    def declaration(self) -> None:
        self._arrive(6, "declaration step")
        self.page.get_by_label(self.texts.declaration, exact=True).check()
        self.continue_()

    def check_answers(self) -> None:
        page, texts = self.page, self.texts
        expect(page).to_have_url(re.compile(r"/apply/[0-9a-f-]+/check/(#.*)?$"))
        main = page.locator("main")
        for expected in ("Erika", "Musterfrau", "31134", "Hildesheim", DOGS[0]["name"],
                         DOGS[1]["name"], DOGS[1]["chip"], "Tierversicherung AG", IBAN,
                         f"{texts.dog_item} 2"):
            expect(main).to_contain_text(expected)
        if self.english:
            expect(page.get_by_role("heading", level=1)).to_have_text(
                "Check your answers before submitting"
            )
        self._seen("check your answers")

    def submit(self) -> str:
        page = self.page
        self._chrome("button", "Submit application",
                     'form:has(input[name="draft"]) button[type="submit"]').click()
        expect(page).to_have_url(re.compile(r"/submitted/[^/]+/(#.*)?$"))
        reference = page.locator(".reference")
        expect(reference).to_have_text(re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}$"))
        if self.english:
            expect(page.get_by_role("heading", level=1)).to_have_text("Application submitted")
        expect(page.locator("main")).to_contain_text(self.texts.service_title)
        self._seen("confirmation")
        return reference.inner_text().strip()

    def download_receipt(self) -> bytes:
        with self.page.expect_download() as info:
            self._chrome("link", "Download receipt (PDF)", 'a[href$="/receipt.pdf"]').click()
        download = info.value
        with open(download.path(), "rb") as handle:
            return handle.read()

    def through_to_check(self) -> None:
        self.find_service()
        self.owner_with_a_mistake()
        self.keeping()
        self.dogs()
        self.insurance()
        self.payment()
        self.declaration()
        self.check_answers()
