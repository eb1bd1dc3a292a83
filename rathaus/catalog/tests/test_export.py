"""Export writes published definitions back in the form of services/, checksum for checksum."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command

from rathaus.catalog.loader import load_directory
from rathaus.catalog.models import Origin, Service
from rathaus.catalog.services import (
    Provenance,
    definition_checksum,
    definition_json,
    publish_definition,
)
from rathaus.forms.schema import ServiceDef

pytestmark = pytest.mark.django_db

SHIPPED = Path(settings.RATHAUS_SERVICES_DIR)


def test_every_shipped_service_exports_to_a_file_that_loads_to_the_same_checksum(
    catalog: None, tmp_path: Path,
) -> None:
    out = tmp_path / "exported"
    call_command("export_services", output=out, stdout=io.StringIO(), stderr=io.StringIO())
    shutil.copy(SHIPPED / "_catalog.yaml", out / "_catalog.yaml")

    stdout = io.StringIO()
    call_command("load_services", dir=out, check=True, stdout=stdout)
    reloaded = {item.spec.slug: item for item in load_directory(out).services}

    published = dict(Service.objects.values_list("slug", "current_version__checksum"))
    assert len(reloaded) == len(published) == len(list(SHIPPED.glob("[!_]*.yaml")))
    assert f"{len(published)} service definitions are valid." in stdout.getvalue()
    for slug, loaded in reloaded.items():
        assert definition_checksum(definition_json(loaded.spec)) == published[slug], slug
        shipped = yaml.safe_load((SHIPPED / f"{slug}.yaml").read_text(encoding="utf-8"))
        assert list(loaded.data) == list(shipped), f"{slug}: top-level keys in another order"
    # Amounts are quoted as in the shipped files, so that YAML does not read them as floats.
    assert 'amount: "12.00"\n' in (out / "eheurkunde.yaml").read_text(encoding="utf-8")


def test_one_service_goes_to_standard_output_as_block_yaml(catalog: None) -> None:
    stdout = io.StringIO()
    call_command("export_services", "hund-anmelden", stdout=stdout)
    text = stdout.getvalue()

    assert text.startswith('slug: hund-anmelden\nleika: "99102013104000"\ntitle:\n  de: Hund')
    assert "!!" not in text  # no Python or other tags
    assert " {" not in text  # block style, no flow mappings
    assert "description:\n  de: |\n    Wer in der Stadt einen Hund hält" in text


def test_the_admin_version_is_what_is_exported(catalog: None) -> None:
    current = Service.objects.get(slug="hund-anmelden").current_version
    assert current is not None
    data = dict(current.definition, processing_time={"de": "Eine Woche", "en": "One week"})
    publish_definition(spec=ServiceDef.model_validate(data),
                       provenance=Provenance(origin=Origin.ADMIN, published_by="anna"))
    stdout = io.StringIO()
    call_command("export_services", "hund-anmelden", stdout=stdout)

    assert "processing_time:\n  de: Eine Woche\n  en: One week\n" in stdout.getvalue()


def test_several_services_need_a_directory_and_unknown_ones_are_named(catalog: None) -> None:
    with pytest.raises(CommandError, match="--output DIRECTORY"):
        call_command("export_services", "hund-anmelden", "briefwahl", stdout=io.StringIO())
    with pytest.raises(CommandError, match="no published service named gibt-es-nicht"):
        call_command("export_services", "gibt-es-nicht", stdout=io.StringIO())
