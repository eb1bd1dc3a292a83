"""Every version says where it came from; loading services/ keeps versions published elsewhere."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from rathaus.catalog.models import Origin, Service, ServiceVersion
from rathaus.catalog.services import Provenance, publish_definition
from rathaus.forms.schema import ServiceDef

from .definitions import service, write_catalog, write_yaml

pytestmark = pytest.mark.django_db

SLUG = "strassenreinigung"


def cleaning(description_de: str) -> dict[str, Any]:
    return service(SLUG, "Straßenreinigung", "Street cleaning",
                   description={"de": description_de, "en": "We clean the streets."})


@pytest.fixture
def services_dir(tmp_path: Path) -> Path:
    directory = write_catalog(tmp_path / "services", cleaning("Einmal in der Woche."))
    call_command("load_services", dir=directory, stdout=io.StringIO())
    return directory


def load(directory: Path, *take_file: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("load_services", dir=directory, take_file=list(take_file), stdout=out,
                 stderr=err)
    return out.getvalue(), err.getvalue()


def current() -> ServiceVersion:
    version = Service.objects.get(slug=SLUG).current_version
    assert version is not None
    return version


def publish_in_admin(text: str) -> None:
    publish_definition(spec=ServiceDef.model_validate(cleaning(text)),
                       provenance=Provenance(origin=Origin.ADMIN, published_by="anna.schmidt"))


def test_a_version_from_a_file_names_the_file(services_dir: Path) -> None:
    version = current()

    assert (version.origin, version.source_path, version.published_by) == (
        Origin.FILE, f"{SLUG}.yaml", "")


def test_a_changed_file_does_not_replace_a_version_published_in_the_admin(
    services_dir: Path,
) -> None:
    publish_in_admin("Zweimal in der Woche, beschlossen im Rat.")
    write_yaml(services_dir / f"{SLUG}.yaml", cleaning("Dreimal in der Woche."))

    out, err = load(services_dir)

    assert current().number == 2
    assert current().definition["description"]["de"] == "Zweimal in der Woche, beschlossen im Rat."
    assert f"services/{SLUG}.yaml differs from version 2 published in the admin on " in err
    assert "by anna.schmidt; kept version 2; " in err
    assert f"run `load_services --take-file {SLUG}` to take the file" in err
    assert "1 kept (published elsewhere)" in out
    assert ServiceVersion.objects.count() == 2


def test_take_file_publishes_the_file_over_the_admin_version(services_dir: Path) -> None:
    publish_in_admin("Zweimal in der Woche, beschlossen im Rat.")
    write_yaml(services_dir / f"{SLUG}.yaml", cleaning("Dreimal in der Woche."))

    _out, err = load(services_dir, SLUG)

    assert err == ""
    assert (current().number, current().origin) == (3, Origin.FILE)
    assert current().definition["description"]["de"] == "Dreimal in der Woche."
    # Taken once, the file is the current version: the next load changes nothing.
    assert "1 unchanged" in load(services_dir)[0]


def test_an_imported_version_is_kept_and_named_with_its_town(services_dir: Path) -> None:
    publish_definition(
        spec=ServiceDef.model_validate(cleaning("Wie in Nachbarstadt.")),
        provenance=Provenance(origin=Origin.IMPORT, import_bundle="nachbarstadt.zip",
                              import_town="Stadt Nachbarstadt", import_checksum="ab" * 32),
    )

    _out, err = load(services_dir)

    assert current().origin == Origin.IMPORT
    assert ("differs from version 2 imported from the bundle nachbarstadt.zip of "
            "Stadt Nachbarstadt on ") in err


def test_an_admin_version_equal_to_the_file_is_no_conflict(services_dir: Path) -> None:
    publish_in_admin("Zweimal in der Woche.")
    write_yaml(services_dir / f"{SLUG}.yaml", cleaning("Zweimal in der Woche."))

    out, err = load(services_dir)

    assert err == ""
    assert "1 unchanged" in out


def test_take_file_of_an_unknown_service_is_an_error(services_dir: Path) -> None:
    with pytest.raises(CommandError, match=r"--take-file names no file in .*: gibt-es-nicht"):
        load(services_dir, "gibt-es-nicht")
