"""The OZG maturity report: each criterion from definition fixtures, the catalog, page, command."""

from __future__ import annotations

import copy
import csv
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from rathaus.catalog.models import Service
from rathaus.forms.schema import ServiceDef
from rathaus.notices.services import load_default_templates
from rathaus.staff.maturity import Environment, assess, assess_catalog

from .conftest import text
from .factories import sign_in_verified, staff_user


def t(words: str) -> dict[str, str]:
    return {"de": words, "en": words}


BASE: dict[str, Any] = {
    "slug": "fundsache-melden",
    "leika": "99000000000000",
    "title": t("Fundsache melden"), "summary": t("Kurz"), "description": t("Lang"),
    "department": "ordnungsamt", "category": "sicherheit",
    "who_may_apply": t("Alle"), "fees": t("Keine"), "processing_time": t("Eine Woche"),
    "legal_basis": [{"title": t("BGB § 965")}],
    "documents": [t("Ein Foto der Fundsache (PDF oder Foto)")],
    "channels": ["form"],
    "form": {"steps": [{"id": "about", "title": t("Angaben"), "fields": [
        {"id": "finder_name", "type": "person_name", "label": t("Name"),
         "identity_attribute": "name"},
        {"id": "photo", "type": "file", "label": t("Foto"), "accept": ["jpeg", "png"]},
        {"id": "notice_by_retrieval", "type": "yes_no", "required": False,
         "label": t("Bescheid elektronisch zum Abruf")},
    ]}]},
}
@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """The texts are compared in English, whichever language an earlier test left active."""
    with translation.override("en"):
        yield


WITH_TEMPLATES = Environment(bundid=False, notice_kinds=frozenset({"granted"}))


def definition(**changes: Any) -> ServiceDef:
    data = copy.deepcopy(BASE)
    data.update(changes)
    return ServiceDef.model_validate(data)


def fields(*, without: str = "", extra: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    form = copy.deepcopy(BASE["form"])
    step = form["steps"][0]
    step["fields"] = [field for field in step["fields"] if field["id"] != without]
    step["fields"] += extra or []
    return dict(form)


def statuses(spec: ServiceDef, env: Environment = WITH_TEMPLATES) -> dict[str, str]:
    return {check.key: check.status for check in assess(spec, env).checks}


def test_a_free_service_with_everything_online_is_level_3_and_once_only_is_what_is_missing(
) -> None:
    found = assess(definition(), WITH_TEMPLATES)
    assert found.level == 3
    assert statuses(definition()) == {
        "information": "met", "application": "met", "authentication": "met",
        "payment": "met", "notice": "met", "prefill": "met", "once_only": "missing"}
    assert found.missing_for_next == [
        "Once-only: evidence fetched from the registers (NOOTS) instead of asked for."]


def test_a_fee_names_online_payment_as_missing() -> None:
    spec = definition(form={**fields(), "fees": [{"label": t("Gebühr"), "amount": "12.00"}]})
    found = assess(spec, WITH_TEMPLATES)
    assert found.level == 2
    assert found.check("payment").status == "missing"
    assert "12.00 €" in found.check("payment").detail
    assert found.missing_for_next == ["Online payment: the fees cannot be paid online yet."]
    free = definition(form={**fields(), "fees": [{"label": t("Nichts"), "amount": "0.00"}]})
    assert assess(free, WITH_TEMPLATES).check("payment").status == "met"


def test_a_document_to_send_as_a_file_without_an_upload_field_lowers_the_level() -> None:
    found = assess(definition(form=fields(without="photo")), WITH_TEMPLATES)
    assert found.level == 2
    assert found.check("application").status == "missing"
    assert "Ein Foto der Fundsache (PDF oder Foto)" in found.missing_for_next[0]
    # A document that is data, not a file, needs no upload.
    data_only = definition(form=fields(without="photo"), documents=[t("Fundort und Datum")])
    assert assess(data_only, WITH_TEMPLATES).level == 3


def test_the_notice_needs_templates_and_the_consent_field() -> None:
    without_consent = assess(definition(form=fields(without="notice_by_retrieval")),
                             WITH_TEMPLATES)
    assert without_consent.level == 2
    assert "notice_by_retrieval" in without_consent.check("notice").missing
    without_templates = assess(definition(), Environment(bundid=False))
    assert without_templates.level == 2
    assert "notice templates" in without_templates.check("notice").missing
    report = assess(definition(kind="report", form=fields(without="notice_by_retrieval")),
                    Environment(bundid=False))
    assert report.check("notice").status == "not_applicable"
    assert report.level == 3


def test_sign_in_counts_only_where_bundid_is_configured() -> None:
    spec = definition(trust_level="substantial", trust_reason=t("Weil"))
    assert assess(spec, WITH_TEMPLATES).check("authentication").status == "missing"
    assert assess(spec, WITH_TEMPLATES).level == 2
    configured = Environment(bundid=True, notice_kinds=frozenset({"granted"}))
    assert assess(spec, configured).check("authentication").status == "met"
    assert assess(spec, configured).level == 3


def test_description_without_leika_key_and_prefill_without_identity_fields() -> None:
    no_leika = assess(definition(leika=None), WITH_TEMPLATES)
    assert no_leika.level == 2
    assert "LeiKa" in no_leika.check("information").missing
    plain_name = {"id": "finder_name", "type": "person_name", "label": t("Name")}
    no_prefill = assess(definition(form=fields(without="finder_name", extra=[plain_name])),
                        WITH_TEMPLATES)
    # Prefill is for level 4 together with once-only; it does not hold level 3 back.
    assert no_prefill.level == 3
    assert len(no_prefill.missing_for_next) == 2


def test_appointment_only_services_are_information_level_1() -> None:
    spec = definition(channels=["appointment"], form=None, appointment_calendar="buergerbuero")
    found = assess(spec, WITH_TEMPLATES)
    assert found.level == 1
    assert found.level_name == "Information"
    assert "in person" in found.check("application").detail


@pytest.fixture
def catalog_with_templates(catalog: None) -> None:
    load_default_templates()


@pytest.mark.django_db
def test_the_shipped_catalog(catalog_with_templates: None) -> None:
    found = {assessment.slug: assessment for assessment in assess_catalog()}
    active = set(Service.objects.filter(is_active=True).values_list("slug", flat=True))
    assert set(found) == active
    for slug in ("geburtsurkunde", "gewerbe-anmelden", "meldebescheinigung",
                 "gartenwasserzaehler-anmelden", "fuehrungszeugnis"):
        assert found[slug].check("payment").status == "missing", slug
        assert found[slug].level <= 2, slug
    for slug in ("hund-anmelden", "hund-abmelden"):
        dogs = found[slug]
        assert [dogs.check(key).status for key in
                ("information", "application", "authentication", "payment", "notice")] == [
            "met"] * 5, slug
        assert dogs.level == 3, slug  # online service; once-only needs registers (level 4)
    for slug in ("impftermin", "trautermin", "personalausweis-beantragen"):
        assert found[slug].level == 1, slug


@pytest.mark.django_db
def test_the_command_writes_json_and_csv_with_every_service(catalog: None) -> None:
    slugs = set(Service.objects.values_list("slug", flat=True))
    assert "hund-anmelden" in slugs
    out = io.StringIO()
    call_command("maturity_report", "--format", "json", stdout=out)
    rows = json.loads(out.getvalue())
    assert {row["slug"] for row in rows} == slugs
    assert all(row["level"] in (0, 1, 2, 3, 4) for row in rows)
    assert {item["id"] for item in rows[0]["criteria"]} >= {"payment", "notice"}
    out = io.StringIO()
    call_command("maturity_report", "--format", "csv", "--language", "en", stdout=out)
    table = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert {row["slug"] for row in table} == slugs
    births = next(row for row in table if row["slug"] == "geburtsurkunde")
    assert births["payment_status"] == "missing"
    assert "Online payment" in births["missing_for_next_level"]


@pytest.mark.django_db
def test_the_page_lists_every_service_for_staff(catalog_with_templates: None) -> None:
    clerk = staff_user("steuer", clerk_of=("steueramt",))
    client = Client()
    sign_in_verified(client, clerk)
    response = client.get("/en/staff/maturity/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-slug="hund-anmelden"' in body
    assert "Missing for level 3:" in text(response)
    assert "Online payment: the fees cannot be paid online yet." in text(response)
    german = client.get("/de/staff/maturity/")
    assert "Reifegrad-Bericht nach OZG" in text(german)
    assert "Online-Bezahlung: Die Gebühren können noch nicht online bezahlt werden." in text(german)
    outsider = staff_user("agent", agent=True)
    other = Client()
    sign_in_verified(other, outsider)
    assert other.get("/en/staff/maturity/").status_code == 403


def test_the_dog_registration_reaches_level_3_once_its_form_asks_for_the_consent() -> None:
    """What the shipped definition will reach with the consent field, without depending on it."""
    path = settings.RATHAUS_SERVICES_DIR / "hund-anmelden.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    steps = data["form"]["steps"]
    if not any(field["id"] == "notice_by_retrieval" for step in steps
               for field in step["fields"]):
        steps[-1]["fields"].append({"id": "notice_by_retrieval", "type": "yes_no",
                                    "required": False, "label": t("Bescheid zum Abruf")})
    found = assess(ServiceDef.model_validate(data),
                   Environment(bundid=False, notice_kinds=frozenset({"granted", "refused"})))
    assert found.level == 3
    assert found.check("payment").status == "met"
