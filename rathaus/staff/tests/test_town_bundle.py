"""Einer für Alle: a second town imports the dog registration with its notice templates and text
blocks, maps the department, keeps its fees, and a citizen and a clerk there use it.

Town A (Musterstadt) and town B (Neustadt) share one test database: B starts when A's rows are
deleted, as a fresh installation with its own department, definition and shipped defaults.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client

from rathaus.applications.tests.hund import SIMPLE_STEPS
from rathaus.applications.tests.journey import Journey
from rathaus.cases.bundle import TextBlocks
from rathaus.cases.models import Case, CaseNotice, TextBlock
from rathaus.cases.tests.test_notice_delivery import decided, post
from rathaus.cases.text_blocks import load_default_blocks
from rathaus.catalog.loader import load_directory
from rathaus.catalog.models import (
    Category,
    Department,
    LifeSituation,
    OfflineNeed,
    Service,
    ServiceVersion,
)
from rathaus.catalog.services import publish_catalog
from rathaus.notices.models import NoticeKind, NoticeTemplate, NoticeTemplateVersion
from rathaus.notices.services import TemplateText, load_default_templates, save_template_version
from rathaus.staff.tests.factories import sign_in_verified, staff_user

pytestmark = pytest.mark.django_db

SLUG = "hund-anmelden"
BLOCK = "nachweis-haftpflicht-hund"
THEIR_SENTENCE = "Die Hundesteuermarke erhalten Sie im Bürgerbüro am Marktplatz."
OUR_FEES = {"de": "In Neustadt beträgt die Hundesteuer 120 € im Jahr; die Marke kostet 7,50 €.",
            "en": "In Neustadt the dog tax is €120 a year; the tag costs €7.50."}
OUR_FEE_LINE = {"label": {"de": "Hundesteuermarke Neustadt", "en": "Neustadt dog tax tag"},
                "amount": "7.50"}


def _text(data: bytes | str) -> str:
    text = data.decode() if isinstance(data, bytes) else data
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))


def _town_a(tmp_path: Path) -> Path:
    """Musterstadt: the shipped dog registration, its notices (one rewritten) and text blocks."""
    source = Path(settings.RATHAUS_SERVICES_DIR)
    directory = tmp_path / "musterstadt"
    directory.mkdir()
    shutil.copy(source / "_catalog.yaml", directory / "_catalog.yaml")
    (directory / f"{SLUG}.yaml").write_text((source / f"{SLUG}.yaml").read_text(
        encoding="utf-8").replace("In der Regel zwei Wochen", "In der Regel zehn Tage"),
        encoding="utf-8")
    publish_catalog(loaded=load_directory(directory))
    load_default_templates()
    load_default_blocks()
    service = Service.objects.select_related("current_version").get(slug=SLUG)
    granted = NoticeTemplate.objects.get(service=service, kind=NoticeKind.GRANTED).current_version
    assert granted is not None
    save_template_version(service=service, kind=NoticeKind.GRANTED, actor_label="mueller",
                          text=TemplateText(
                              title_de=granted.title_de, title_en=granted.title_en,
                              body_de=f"{granted.body_de}\n\n{THEIR_SENTENCE}",
                              body_en=granted.body_en, remedy_de=granted.remedy_de,
                              remedy_en=granted.remedy_en))
    block = TextBlock.objects.get(department__slug="steueramt", key=BLOCK)
    block.text_de += "\n\nMusterstadt, Steueramt"
    block.save()
    bundle = tmp_path / "hund.zip"
    err = io.StringIO()
    call_command("export_services", SLUG, bundle=bundle, stdout=io.StringIO(), stderr=err)
    assert "Wrote 1 service(s), 2 notice template(s), 1 text block(s) to the bundle" in \
        err.getvalue()
    return bundle


def _town_b(tmp_path: Path) -> None:
    """Neustadt, a fresh database: its Kämmerei, its own dog registration with its own fee."""
    NoticeTemplate.objects.update(current_version=None)
    NoticeTemplateVersion.objects.all().delete()
    NoticeTemplate.objects.all().delete()
    TextBlock.objects.all().delete()
    OfflineNeed.objects.all().delete()
    Service.objects.update(current_version=None)
    ServiceVersion.objects.all().delete()
    Service.objects.all().delete()
    Department.objects.all().delete()
    Category.objects.all().delete()
    LifeSituation.objects.all().delete()
    source = Path(settings.RATHAUS_SERVICES_DIR)
    directory = tmp_path / "neustadt"
    directory.mkdir()
    catalog = yaml.safe_load((source / "_catalog.yaml").read_text(encoding="utf-8"))
    catalog["departments"] = [{"slug": "kaemmerei", "name": {"de": "Kämmerei", "en": "Treasury"},
                               "email": "kaemmerei@neustadt.example"}]
    catalog["offline_needs"] = []
    (directory / "_catalog.yaml").write_text(yaml.safe_dump(catalog, allow_unicode=True),
                                             encoding="utf-8")
    definition = yaml.safe_load((source / f"{SLUG}.yaml").read_text(encoding="utf-8"))
    definition["department"] = "kaemmerei"
    definition["fees"] = OUR_FEES
    definition["form"]["fees"] = [OUR_FEE_LINE]
    (directory / f"{SLUG}.yaml").write_text(yaml.safe_dump(definition, allow_unicode=True),
                                            encoding="utf-8")
    loaded = load_directory(directory)
    publish_catalog(loaded=loaded)
    load_default_templates()
    load_default_blocks()
    block = TextBlock.objects.get(department__slug="kaemmerei", key=BLOCK)
    block.text_de += "\n\nIhre Kämmerei Neustadt"  # edited here: ours stays
    block.save()


def run(bundle: Path, *args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_services", str(bundle), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


IMPORT = ("--map-department", "steueramt=kaemmerei", "--keep-local", "fees")


def test_town_b_imports_the_dog_registration_and_runs_it_with_its_own_fees(
    tmp_path: Path, read_pdf: Any,
) -> None:
    bundle = _town_a(tmp_path)
    with zipfile.ZipFile(bundle) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        assert sorted(archive.namelist()) == [
            "manifest.json", "parts/notices.yaml", "parts/text-blocks.yaml",
            "services/_catalog.yaml", f"services/{SLUG}.yaml"]
        assert THEIR_SENTENCE in archive.read("parts/notices.yaml").decode()
    notices = {item["key"]: item for item in manifest["parts"]["notices"]["items"]}
    assert sorted(notices) == [f"{SLUG}/granted", f"{SLUG}/refused"]
    granted_a = NoticeTemplate.objects.get(kind=NoticeKind.GRANTED).current_version
    assert granted_a is not None
    assert notices[f"{SLUG}/granted"]["checksum"] == granted_a.checksum, "the admin's checksum"
    blocks = [item["key"] for item in manifest["parts"]["text-blocks"]["items"]]
    assert blocks == [f"{SLUG}/{BLOCK}"], "only the service's own blocks, not the department's"

    _town_b(tmp_path)
    ours = ServiceVersion.objects.get()

    out, err = run(bundle, "--preview", *IMPORT)
    assert f"{SLUG} (their version 1): would get a new version" in out
    assert "LeiKa 99102013104000" in out
    assert "processing_time: In der Regel zwei Wochen -> In der Regel zehn Tage" in out
    assert "fees" not in out, "our fees are kept"
    assert (f"notice template notices:{SLUG}/granted (for our department kaemmerei): "
            "would get a new text") in out
    # The bodies differ at the end: the preview shows from there.
    assert f"body_de: ...ab. -> ...ab. {THEIR_SENTENCE[:40]}" in out
    assert "text_de: ...Ihre Kämmerei Neustadt -> ...Musterstadt, Steueramt" in out
    assert (f"notice template notices:{SLUG}/refused (for our department kaemmerei): "
            "is the same here") in out
    assert (f"text block text-blocks:{SLUG}/{BLOCK} (for our department kaemmerei): "
            "differs from ours: left alone") in out
    assert f"run with --force-template text-blocks:{SLUG}/{BLOCK}" in out
    assert "department 'steueramt' is mapped to our 'kaemmerei'" in out
    assert err == ""
    assert ServiceVersion.objects.get() == ours, "a preview changes nothing"
    assert NoticeTemplateVersion.objects.count() == 2

    out, err = run(bundle, *IMPORT)
    assert "1 with a new version" in out
    assert "Templates and text blocks: 0 new, 1 changed, 1 unchanged, 1 kept" in out
    assert f"text-blocks:{SLUG}/{BLOCK}: our block" in err
    assert not Department.objects.filter(slug="steueramt").exists()
    block = TextBlock.objects.get(key=BLOCK)
    assert block.text_de.endswith("Ihre Kämmerei Neustadt"), "never silently overwritten"
    granted = NoticeTemplate.objects.select_related("current_version").get(
        kind=NoticeKind.GRANTED).current_version
    assert granted is not None
    assert (granted.number, granted.checksum) == (2, granted_a.checksum)
    assert granted.created_by == "import_services: hund.zip (Stadt Musterstadt)"

    # A citizen of Neustadt applies: Neustadt's fee on check-your-answers and the receipt.
    citizen = Client()
    page = _text(citizen.get(f"/de/services/{SLUG}/").content)
    assert OUR_FEES["de"] in page
    journey = Journey(citizen, SLUG).start()
    for step_id, data in SIMPLE_STEPS:
        journey.answer(step_id, data)
    check = _text(journey.check_page())
    assert "Hundesteuermarke Neustadt" in check
    assert "7,50 €" in check
    submission = journey.submit()
    assert submission.department.slug == "kaemmerei"
    assert submission.service_version.definition["fees"] == OUR_FEES
    receipt = re.sub(r"\s+", " ", read_pdf(journey.receipt(submission)))
    assert "Hundesteuermarke Neustadt" in receipt
    assert "7,50 €" in receipt

    # The Kämmerei's clerk decides; the notice is written from Musterstadt's template.
    clerk = staff_user("weber", clerk_of=("kaemmerei",))
    clerk.first_name, clerk.last_name = "Weber", "Schröder"
    clerk.save()
    client = Client()
    sign_in_verified(client, clerk)
    case = decided(Case.objects.get(submission=submission), clerk, "granted")
    assert post(client, case, "notice_draft", fee="120,00").status_code == 302
    assert post(client, case, "notice_send").status_code == 302
    notice = CaseNotice.objects.select_related("notice__template_version").get(case=case).notice
    assert notice is not None
    assert notice.template_version == granted
    with notice.pdf.open("rb") as handle:
        words = re.sub(r"\s+", " ", read_pdf(handle.read()))
    assert THEIR_SENTENCE in words
    assert "120,00 €" in words


def test_a_template_edited_here_is_kept_until_forced(tmp_path: Path) -> None:
    bundle = _town_a(tmp_path)
    _town_b(tmp_path)
    service = Service.objects.get(slug=SLUG)
    current = NoticeTemplate.objects.get(kind=NoticeKind.GRANTED).current_version
    assert current is not None
    ours = save_template_version(service=service, kind=NoticeKind.GRANTED, actor_label="anna",
                                 text=TemplateText(**{
                                     part: getattr(current, part) for part in (
                                         "title_de", "title_en", "body_en", "remedy_de",
                                         "remedy_en")}, body_de="Unser eigener Bescheid."))

    out, err = run(bundle, *IMPORT)
    assert "Templates and text blocks: 0 new, 0 changed, 1 unchanged, 2 kept" in out
    assert (f"notices:{SLUG}/granted: version {ours.number} was saved here by anna") in err
    assert f"run with --force-template notices:{SLUG}/granted" in err
    template = NoticeTemplate.objects.get(kind=NoticeKind.GRANTED)
    assert template.current_version == ours

    out, _err = run(bundle, *IMPORT, "--force-template", f"notices:{SLUG}/granted",
                    "--force-template", f"text-blocks:{SLUG}/{BLOCK}")
    template.refresh_from_db()
    assert template.current_version is not None
    assert THEIR_SENTENCE in template.current_version.body_de
    assert TextBlock.objects.get(key=BLOCK).text_de.endswith("Musterstadt, Steueramt")


def test_a_template_that_does_not_fit_our_form_imports_nothing(tmp_path: Path) -> None:
    bundle = _town_a(tmp_path)
    with zipfile.ZipFile(bundle) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    _town_b(tmp_path)
    parts = yaml.safe_load(entries["parts/notices.yaml"])
    parts[0]["data"]["body"]["de"] += " {answers.no_such_field}"
    entries["parts/notices.yaml"] = yaml.safe_dump(parts, allow_unicode=True).encode()
    manifest = json.loads(entries["manifest.json"])
    text = parts[0]["data"]
    manifest["parts"]["notices"]["items"][0]["checksum"] = TemplateText(**{
        f"{part}_{language}": text[part][language]
        for part in ("title", "body", "remedy") for language in ("de", "en")}).checksum()
    entries["manifest.json"] = json.dumps(manifest).encode()
    changed = tmp_path / "changed.zip"
    with zipfile.ZipFile(changed, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)

    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_services", str(changed), *IMPORT, stdout=io.StringIO(),
                     stderr=err)
    assert "notices hund-anmelden/granted: body_de does not fit our form" in err.getvalue()
    assert "answers.no_such_field" in err.getvalue()
    assert NoticeTemplateVersion.objects.count() == 2


def test_a_template_changed_after_export_is_refused(tmp_path: Path) -> None:
    bundle = _town_a(tmp_path)
    with zipfile.ZipFile(bundle) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    entries["parts/notices.yaml"] = entries["parts/notices.yaml"].replace(
        b"Hundesteuer", b"Katzensteuer", 1)
    changed = tmp_path / "changed.zip"
    with zipfile.ZipFile(changed, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    _town_b(tmp_path)

    with pytest.raises(CommandError, match="does not match its checksum in the manifest"):
        run(changed, *IMPORT)
    assert NoticeTemplateVersion.objects.count() == 2


def test_a_text_block_that_does_not_fit_our_rows_imports_nothing(tmp_path: Path) -> None:
    bundle = _town_a(tmp_path)
    with zipfile.ZipFile(bundle) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    [item] = yaml.safe_load(entries["parts/text-blocks.yaml"])
    item["data"]["title"] = "Nachweis " * 20  # longer than a title may be
    entries["parts/text-blocks.yaml"] = yaml.safe_dump([item], allow_unicode=True).encode()
    manifest = json.loads(entries["manifest.json"])
    manifest["parts"]["text-blocks"]["items"][0]["checksum"] = TextBlocks().checksum(
        item["data"])
    entries["manifest.json"] = json.dumps(manifest).encode()
    changed = tmp_path / "changed.zip"
    with zipfile.ZipFile(changed, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    _town_b(tmp_path)
    before = ServiceVersion.objects.get()

    err = io.StringIO()
    with pytest.raises(CommandError, match="1 problem"):
        call_command("import_services", str(changed), *IMPORT, stdout=io.StringIO(),
                     stderr=err)
    assert f"text-blocks {SLUG}/{BLOCK}: title: " in err.getvalue()
    assert ServiceVersion.objects.get() == before
