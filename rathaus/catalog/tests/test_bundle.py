"""A second town imports the dog registration from a bundle, maps its department, keeps its fees."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client
from pydantic import ValidationError

from rathaus.applications.tests.journey import Journey
from rathaus.catalog.loader import load_directory
from rathaus.catalog.models import (
    Category,
    Department,
    LifeSituation,
    OfflineNeed,
    Origin,
    Service,
    ServiceVersion,
)
from rathaus.catalog.services import Provenance, publish_catalog, publish_definition
from rathaus.forms.schema import ServiceDef

pytestmark = pytest.mark.django_db

# The shortest complete dog registration (as applications/tests/hund.py, which the layers keep
# out of the catalog's reach): one dog, not moved here, paid by transfer.
SIMPLE_STEPS: list[tuple[str, dict[str, str]]] = [
    ("owner", {
        "owner_name-given_names": "Erika", "owner_name-family_name": "Mustermann",
        "owner_birth_date": "1980-02-03", "owner_address-street": "Lindenallee",
        "owner_address-number": "7a", "owner_address-postcode": "31134",
        "owner_address-city": "Musterstadt", "owner_email": "erika@example.org",
        "owner_phone": "05121 123456",
    }),
    ("keeping", {"commercial": "no", "moved_here": "no"}),
    ("dogs", {
        "dogs-count": "1", "dogs-0-dog_name": "Bello", "dogs-0-breed": "Labrador-Mischling",
        "dogs-0-sex": "female", "dogs-0-birth_date": "2021-05-01",
        "dogs-0-keeping_since": "2024-03-01", "dogs-0-chip_number": "276098106543210",
        "dogs-0-dangerous": "no",
    }),
    ("insurance", {"insurer": "Musterversicherung AG", "policy_number": "HV-1"}),
    ("payment", {"payment_method": "transfer"}),
    ("declaration", {"truthful": "yes"}),
]

SLUG = "hund-anmelden"
THEIR_TEXT = "Neu in Musterstadt: die Anmeldung geht auch für mehrere Hunde auf einmal."
OUR_FEES = {"de": "Die Hundesteuer beträgt in Neustadt 120 € im Jahr.",
            "en": "In Neustadt the dog tax is €120 a year."}


def _current(slug: str = SLUG) -> ServiceVersion:
    version = Service.objects.get(slug=slug).current_version
    assert version is not None
    return version


def _republish(**changes: Any) -> None:
    data = dict(_current().definition, **changes)
    publish_definition(spec=ServiceDef.model_validate(data),
                       provenance=Provenance(origin=Origin.ADMIN, published_by="anna"))


def _export(path: Path, *slugs: str) -> Path:
    call_command("export_services", *slugs, bundle=path, stdout=io.StringIO(),
                 stderr=io.StringIO())
    return path


def _start_second_town() -> None:
    """Empty the catalog, as a fresh database of another town: only its tax department."""
    OfflineNeed.objects.all().delete()
    Service.objects.update(current_version=None)
    ServiceVersion.objects.all().delete()
    Service.objects.all().delete()
    Department.objects.all().delete()
    Category.objects.all().delete()
    LifeSituation.objects.all().delete()
    Department.objects.create(slug="kaemmerei", name_de="Kämmerei", name_en="Treasury",
                              email="kaemmerei@neustadt.example")


@pytest.fixture
def bundles(tmp_path: Path) -> tuple[Path, Path]:
    """Musterstadt's dog registration as bundles: version 1, then version 2 with a new text."""
    source = Path(settings.RATHAUS_SERVICES_DIR)
    directory = tmp_path / "musterstadt"
    directory.mkdir()
    for name in ("_catalog.yaml", f"{SLUG}.yaml"):
        shutil.copy(source / name, directory / name)
    publish_catalog(loaded=load_directory(directory))
    first = _export(tmp_path / "v1.zip", SLUG)
    description = dict(_current().definition["description"], de=THEIR_TEXT)
    _republish(description=description)
    second = _export(tmp_path / "v2.zip", SLUG)
    _start_second_town()
    return first, second


def run(bundle: Path, *args: str, **options: Any) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_services", str(bundle), *args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def test_the_bundle_says_what_it_holds(bundles: tuple[Path, Path]) -> None:
    with zipfile.ZipFile(bundles[0]) as archive:
        names = sorted(archive.namelist())
        manifest = json.loads(archive.read("manifest.json"))
        catalog = archive.read("services/_catalog.yaml").decode()

    assert names == ["manifest.json", "services/_catalog.yaml", f"services/{SLUG}.yaml"]
    assert (manifest["format_version"], manifest["schema_version"]) == (2, 1)
    assert manifest["parts"] == {}, "this town has no notice templates or text blocks for it"
    assert manifest["town"] == "Stadt Musterstadt"
    [entry] = manifest["services"]
    assert entry["slug"] == SLUG
    assert entry["version"] == 1
    assert entry["leika"] == "99102013104000"
    assert entry["department"] == "steueramt"
    assert len(entry["checksum"]) == 64
    assert "slug: steueramt" in catalog
    assert "slug: haustiere" in catalog
    assert "standesamt" not in catalog, "only what the exported services use"


def test_preview_shows_the_unmapped_department_and_changes_nothing(
    bundles: tuple[Path, Path],
) -> None:
    out, _err = run(bundles[0], preview=True)

    assert f"{SLUG} (their version 1): would be created" in out
    assert "department 'steueramt' is unmapped and not here: would be created" in out
    assert not Service.objects.exists()
    assert not Department.objects.filter(slug="steueramt").exists()


def test_a_second_town_imports_keeps_its_fees_and_a_citizen_applies(
    bundles: tuple[Path, Path], client: Client,
) -> None:
    first, second = bundles
    out, _err = run(first, map_department=["steueramt=kaemmerei"])

    assert "1 new" in out
    imported = _current()
    assert (imported.origin, imported.import_town, imported.import_bundle) == (
        Origin.IMPORT, "Stadt Musterstadt", "v1.zip")
    assert imported.definition["department"] == "kaemmerei"
    assert len(imported.import_checksum) == 64
    assert imported.import_checksum != imported.checksum, "the mapped department differs"
    assert not Department.objects.filter(slug="steueramt").exists()

    _republish(fees=OUR_FEES)  # Neustadt's own dog tax, set in the admin

    # Musterstadt's next version changes the text; taking it without our fees is refused ...
    _out, err = run(second, map_department=["steueramt=kaemmerei"])
    assert "was published in the admin by anna since the last import (changed: fees)" in err
    assert f"--force-service {SLUG}" in err
    assert _current().definition["fees"] == OUR_FEES
    # ... the preview shows the change, and with our fees kept it is taken.
    out, _err = run(second, "--keep-local", "fees", map_department=["steueramt=kaemmerei"],
                    preview=True)
    assert f"{SLUG} (their version 2): would get a new version" in out
    assert f"description: {THEIR_TEXT[:20]}" not in out  # before -> after, ours first
    assert "-> Neu in Musterstadt" in out
    out, _err = run(second, "--keep-local", "fees", map_department=["steueramt=kaemmerei"])
    assert "1 with a new version" in out
    current = _current()
    assert (current.number, current.origin) == (3, Origin.IMPORT)
    assert current.definition["description"]["de"] == THEIR_TEXT
    assert current.definition["fees"] == OUR_FEES

    page = client.get(f"/de/services/{SLUG}/").content.decode()
    assert "120 € im Jahr" in page
    journey = Journey(client, SLUG).start()
    for step_id, data in SIMPLE_STEPS:
        journey.answer(step_id, data)
    submission = journey.submit()
    assert submission.department.slug == "kaemmerei"
    assert submission.service_version == current


def test_force_service_takes_the_bundle_over_a_local_change(bundles: tuple[Path, Path]) -> None:
    first, _second = bundles
    run(first, map_department=["steueramt=kaemmerei"])
    _republish(processing_time={"de": "Drei Tage", "en": "Three days"})
    out, _err = run(first, "--keep-local", "fees", map_department=["steueramt=kaemmerei"])
    assert "1 kept because changed here" in out
    assert _current().definition["processing_time"]["de"] == "Drei Tage"

    run(first, map_department=["steueramt=kaemmerei"], force_service=[SLUG])

    assert _current().origin == Origin.IMPORT
    assert _current().definition["processing_time"]["de"] != "Drei Tage"


def test_a_file_taken_after_the_import_is_a_local_change_too(
    bundles: tuple[Path, Path], tmp_path: Path,
) -> None:
    first, second = bundles
    run(first)
    files = tmp_path / "neustadt"
    call_command("export_services", SLUG, output=files, stdout=io.StringIO(),
                 stderr=io.StringIO())
    with zipfile.ZipFile(first) as archive:
        (files / "_catalog.yaml").write_bytes(archive.read("services/_catalog.yaml"))
    path = files / f"{SLUG}.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "In der Regel zwei Wochen", "In der Regel drei Tage"), encoding="utf-8")

    _out, err = run_load(files)
    assert f"services/{SLUG}.yaml differs from version 1 imported from the bundle v1.zip" in err
    assert _current().origin == Origin.IMPORT
    run_load(files, SLUG)
    assert _current().origin == Origin.FILE

    out, err = run(second)
    assert f"was published from {SLUG}.yaml since the last import (changed: processing_time)" in err
    assert "1 kept because changed here" in out
    assert _current().definition["processing_time"]["de"] == "In der Regel drei Tage"


def test_a_service_published_in_the_admin_and_never_imported_is_kept(
    bundles: tuple[Path, Path],
) -> None:
    run(bundles[0])
    ServiceVersion.objects.filter(origin=Origin.IMPORT).update(origin=Origin.ADMIN,
                                                              published_by="ben")

    out, err = run(bundles[1])

    assert "version 1 was published in the admin by ben and the service was never imported" in err
    assert "1 kept because changed here" in out


def run_load(directory: Path, *take_file: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("load_services", dir=directory, take_file=list(take_file), stdout=out,
                 stderr=err)
    return out.getvalue(), err.getvalue()


def test_keep_local_contacts_keeps_our_departments_e_mail(bundles: tuple[Path, Path]) -> None:
    Department.objects.create(slug="steueramt", name_de="Steueramt Neustadt",
                              name_en="Tax Office", email="steuern@neustadt.example")

    run(bundles[0], "--keep-local", "contacts")
    assert Department.objects.get(slug="steueramt").email == "steuern@neustadt.example"
    run(bundles[1])
    department = Department.objects.get(slug="steueramt")
    assert department.email == "steueramt@musterstadt.example"
    assert department.name_de == "Steueramt Neustadt", "our department keeps its name"


def _rewrite(source: Path, target: Path, change: Any) -> Path:
    with zipfile.ZipFile(source) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    change(entries)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return target


def _manifest(change: Any) -> Any:
    def apply(entries: dict[str, bytes]) -> None:
        manifest = json.loads(entries["manifest.json"])
        change(manifest)
        entries["manifest.json"] = json.dumps(manifest).encode()
    return apply


BAD: dict[str, tuple[Any, str]] = {
    "tampered": (
        lambda entries: entries.update({f"services/{SLUG}.yaml": entries[
            f"services/{SLUG}.yaml"].replace(b"Hundesteuer", b"Katzensteuer", 1)}),
        f"services/{SLUG}.yaml does not match its checksum in the manifest"),
    "schema": (_manifest(lambda m: m.update(schema_version=2)),
               "written for schema version 2; this Rathaus reads version 1"),
    "format": (_manifest(lambda m: m.update(format_version=9)),
               "bundle format version 9 is not supported; this Rathaus reads versions 1, 2"),
    "unknown part": (_manifest(lambda m: m.update(parts={"plakate": {"items": []}})),
                     "lists the part 'plakate', which this Rathaus does not know"),
    "traversal": (lambda entries: entries.update({"../../etc/cron.d/evil": b"x"}),
                  "unexpected entry '../../etc/cron.d/evil'"),
    "bomb": (lambda entries: entries.update({"services/gross.yaml": b"a" * (3 * 1024 * 1024)}),
             "the entry 'services/gross.yaml' unpacks to more than 2 MB"),
    "unlisted": (lambda entries: entries.update({"services/extra.yaml": b"slug: extra\n"}),
                 "services/extra.yaml not listed in the manifest"),
    "broken yaml": (lambda entries: entries.update({f"services/{SLUG}.yaml": b"slug: [\n"}),
                    f"services/{SLUG}.yaml is not valid YAML"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_bundle_is_refused_with_a_message_and_imports_nothing(
    bundles: tuple[Path, Path], tmp_path: Path, case: str,
) -> None:
    change, message = BAD[case]
    bad = _rewrite(bundles[0], tmp_path / "bad.zip", change)

    with pytest.raises(CommandError, match="nothing was imported") as raised:
        run(bad)

    assert message in str(raised.value)
    assert not Service.objects.exists()


def test_not_a_zip_and_a_mapping_to_nowhere_are_refused(
    bundles: tuple[Path, Path], tmp_path: Path,
) -> None:
    text = tmp_path / "notes.zip"
    text.write_text("hello", encoding="utf-8")
    with pytest.raises(CommandError, match="not a zip file"):
        run(text)
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 problem"):
        call_command("import_services", str(bundles[0]), map_department=["steueramt=gibtsnicht"],
                     stdout=io.StringIO(), stderr=err)
    assert "there is no department 'gibtsnicht' here" in err.getvalue()
    assert not Service.objects.exists()


def test_a_bundle_of_the_first_format_without_parts_is_still_read(
    bundles: tuple[Path, Path], tmp_path: Path,
) -> None:
    def first_format(manifest: dict[str, Any]) -> None:
        manifest["format_version"] = 1
        del manifest["parts"]

    old = _rewrite(bundles[0], tmp_path / "alt.zip", _manifest(first_format))

    out, _err = run(old)

    assert "1 new" in out
    assert _current().origin == Origin.IMPORT


FIM = {"stammtext": "L100012_99102013104000", "stammdatenschema": "S00000000123V1.2",
       "prozess": "99102013104000"}


def test_fim_ids_travel_in_the_manifest_the_preview_and_the_service_page(
    bundles: tuple[Path, Path], tmp_path: Path, client: Client,
) -> None:
    run(bundles[0])
    # Example ids of the right form, not real catalogue entries (shipped services carry none).
    _republish(fim=FIM)
    bundle = _export(tmp_path / "fim.zip", SLUG)
    with zipfile.ZipFile(bundle) as archive:
        [entry] = json.loads(archive.read("manifest.json"))["services"]
        text = archive.read(f"services/{SLUG}.yaml").decode()
    assert entry["fim"] == FIM
    assert text.index("leika:") < text.index("fim:") < text.index("title:")
    _start_second_town()

    out, _err = run(bundle, preview=True)
    assert ("LeiKa 99102013104000, FIM stammtext L100012_99102013104000, FIM stammdatenschema "
            "S00000000123V1.2, FIM prozess 99102013104000") in out
    run(bundle)
    assert _current().spec.fim is not None
    page = client.get(f"/de/services/{SLUG}/").content.decode()
    assert "S00000000123V1.2" in page
    assert "FIM-Stammdatenschema" in page
    english = client.get(f"/en/services/{SLUG}/").content.decode()
    assert "FIM form schema (Stammdatenschema)" in english


@pytest.mark.parametrize(("key", "value"), [
    ("stammdatenschema", "S123"), ("stammdatenschema", "s00000000123"),
    ("stammdatenschema", "S00000000123_1.2"), ("prozess", "9910201310400"),
    ("stammtext", "L 100012"),
])
def test_a_fim_id_of_the_wrong_form_is_refused_by_the_schema(key: str, value: str) -> None:
    data = ServiceDef.model_validate(yaml_definition()).model_dump(
        mode="json", by_alias=True, exclude_unset=True)
    data["fim"] = {key: value}
    with pytest.raises(ValidationError, match=key):
        ServiceDef.model_validate(data)


def yaml_definition() -> Any:
    path = Path(settings.RATHAUS_SERVICES_DIR) / f"{SLUG}.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_shipped_services_invent_no_fim_ids() -> None:
    for path in Path(settings.RATHAUS_SERVICES_DIR).glob("*.yaml"):
        assert "fim:" not in path.read_text(encoding="utf-8"), path.name
