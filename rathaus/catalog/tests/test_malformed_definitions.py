"""A service editor's mistake is reported with file, place and problem, and publishes nothing."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from rathaus.catalog.loader import CatalogInvalid, DefinitionError, load_directory
from rathaus.catalog.models import Category, Department, Service, ServiceVersion

from .definitions import publish, service, write_catalog, write_yaml

pytestmark = pytest.mark.django_db


def laub(**overrides: Any) -> dict[str, Any]:
    return service("laubsaecke", "Laubsäcke bestellen", "Order leaf bags", **overrides)


def add_field(field: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        data["form"]["steps"][0]["fields"].append(field)
    return change


def set_key(*path: str | int, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        target: Any = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return change


def written(change: Callable[[dict[str, Any]], None]) -> Callable[[Path], None]:
    def write(directory: Path) -> None:
        data = laub()
        change(data)
        write_yaml(directory / "laubsaecke.yaml", data)
    return write


def raw(text: str, name: str = "laubsaecke.yaml") -> Callable[[Path], None]:
    def write(directory: Path) -> None:
        (directory / name).write_text(text, encoding="utf-8")
    return write


# (writer, file name, location inside the file, words the message must contain)
MISTAKES = {
    "unknown field type": (
        written(set_key("form", "steps", 0, "fields", 0, "type", value="signature")),
        "laubsaecke.yaml", "form.steps[0].fields[0].type", ["unknown field type 'signature'"],
    ),
    "duplicate field id": (
        written(add_field({"id": "full_name", "type": "email",
                           "label": {"de": "E-Mail", "en": "E-mail"}})),
        "laubsaecke.yaml", "form.steps[0].fields[1].id", ["'full_name'", "used twice"],
    ),
    "condition on unknown field": (
        written(add_field({"id": "bags", "type": "number", "label": {"de": "Anzahl", "en": "Count"},
                           "show_if": {"field": "wants_bags", "equals": True}})),
        "laubsaecke.yaml", "form.steps[0].fields[1].show_if", ["unknown field 'wants_bags'"],
    ),
    "skip condition on unknown field": (
        written(set_key("form", "steps", 0, "skip_if", value={"field": "ghost", "filled": True})),
        "laubsaecke.yaml", "form.steps[0].skip_if", ["unknown field 'ghost'"],
    ),
    "pattern that is not a regular expression": (
        written(add_field({"id": "code", "type": "text", "label": {"de": "Code", "en": "Code"},
                           "pattern": "[0-9",
                           "pattern_message": {"de": "Ziffern", "en": "Digits"}})),
        "laubsaecke.yaml", "form.steps[0].fields[1]",
        ["'pattern' is not a valid regular expression"],
    ),
    "pattern without a message": (
        written(add_field({"id": "code", "type": "text", "label": {"de": "Code", "en": "Code"},
                           "pattern": "[0-9]{15}"})),
        "laubsaecke.yaml", "form.steps[0].fields[1]", ["'pattern' and 'pattern_message'"],
    ),
    "minimum length above the maximum": (
        written(add_field({"id": "code", "type": "text", "label": {"de": "Code", "en": "Code"},
                           "min_length": 20, "max_length": 15})),
        "laubsaecke.yaml", "form.steps[0].fields[1]", ["'min_length' must not be larger"],
    ),
    "pattern on a number field": (
        written(add_field({"id": "bags", "type": "number", "label": {"de": "Anzahl", "en": "Count"},
                           "pattern": "[0-9]+", "pattern_message": {"de": "Z", "en": "D"}})),
        "laubsaecke.yaml", "form.steps[0].fields[1]", ["only text and long_text fields"],
    ),
    "image size for a file that may be a PDF": (
        written(add_field({"id": "photo", "type": "file", "label": {"de": "Foto", "en": "Photo"},
                           "min_width_px": 413, "min_height_px": 531})),
        "laubsaecke.yaml", "form.steps[0].fields[1]", ["accept", "jpeg and png"],
    ),
    "image width without height": (
        written(add_field({"id": "photo", "type": "file", "label": {"de": "Foto", "en": "Photo"},
                           "accept": ["jpeg"], "min_width_px": 413})),
        "laubsaecke.yaml", "form.steps[0].fields[1]", ["'min_width_px' and 'min_height_px'"],
    ),
    "in_town on a text field": (
        written(add_field({"id": "street", "type": "text", "label": {"de": "S", "en": "S"},
                           "in_town": True})),
        "laubsaecke.yaml", "form.steps[0].fields[1]", ["only address fields have 'in_town'"],
    ),
    "bad YAML syntax": (
        raw('slug: laubsaecke\ntitle:\n  de: "Laubsäcke" bestellen\n  en: Order leaf bags\n'),
        "laubsaecke.yaml", "line 3, column 19", ["not valid YAML"],
    ),
    "missing German text": (
        written(set_key("title", value={"en": "Order leaf bags"})),
        "laubsaecke.yaml", "title.de", ["Field required"],
    ),
    "missing English text": (
        written(set_key("who_may_apply", value={"de": "Alle"})),
        "laubsaecke.yaml", "who_may_apply.en", ["Field required"],
    ),
    "empty German text": (
        written(set_key("fees", value={"de": "", "en": "Free"})),
        "laubsaecke.yaml", "fees.de", ["at least 1 character"],
    ),
    "fee per a text field": (
        written(set_key("form", "fees", value=[{"label": {"de": "Sack", "en": "Bag"},
                                                 "amount": "2.50", "per": "full_name"}])),
        "laubsaecke.yaml", "form.fees[0].per", ["number field or a repeated group", "'full_name'"],
    ),
    "slug not matching the file name": (
        written(set_key("slug", value="laub-saecke")),
        "laubsaecke.yaml", "slug", ["must match the file name", "'laubsaecke'"],
    ),
    "unknown department": (
        written(set_key("department", value="bauamt")),
        "laubsaecke.yaml", "department", ["unknown department 'bauamt'"],
    ),
    "unknown category": (
        written(set_key("category", value="garten")),
        "laubsaecke.yaml", "category", ["unknown category 'garten'"],
    ),
    "unknown life situation": (
        written(set_key("life_situations", value=["haus-und-hof", "hochzeit"])),
        "laubsaecke.yaml", "life_situations[1]", ["unknown life situation 'hochzeit'"],
    ),
    "unknown key (typo)": (
        written(set_key("proccessing_time", value={"de": "1 Tag", "en": "1 day"})),
        "laubsaecke.yaml", "proccessing_time", ["Extra inputs are not permitted"],
    ),
    "form channel without form": (
        written(set_key("form", value=None)),
        "laubsaecke.yaml", "", ["channel 'form' needs a 'form'"],
    ),
    "sign-in without a reason": (
        written(set_key("trust_level", value="high")),
        "laubsaecke.yaml", "", ["must say why", "'trust_reason'"],
    ),
    "bad department e-mail in the catalog file": (
        raw("departments:\n  - slug: tiefbau\n    name: {de: Tiefbau, en: Civil works}\n"
            "    email: tiefbau-at-musterstadt\n"
            "categories:\n  - slug: strasse-und-abfall\n    title: {de: S, en: S}\n"
            "    description: {de: S, en: S}\n", name="_catalog.yaml"),
        "_catalog.yaml", "departments[0].email", ["should match pattern"],
    ),
}


@pytest.fixture(params=list(MISTAKES), ids=list(MISTAKES))
def mistake(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, str, str, list[str]]:
    writer, file_name, location, words = MISTAKES[request.param]
    directory = write_catalog(
        tmp_path, service("strassenreinigung", "Straßenreinigung", "Street cleaning"),
    )
    writer(directory)
    return directory, file_name, location, words


def matching(errors: list[DefinitionError], file_name: str, location: str,
             words: list[str]) -> list[DefinitionError]:
    return [
        error for error in errors
        if Path(error.path).name == file_name and error.location == location
        and all(word in error.message for word in words)
    ]


def test_load_directory_names_file_place_and_problem(
    mistake: tuple[Path, str, str, list[str]],
) -> None:
    directory, file_name, location, words = mistake

    with pytest.raises(CatalogInvalid) as raised:
        load_directory(directory)

    errors = raised.value.errors
    assert matching(errors, file_name, location, words), [str(error) for error in errors]
    assert all(Path(error.path).name == file_name for error in errors), (
        "the valid file next to it is not blamed"
    )
    error = matching(errors, file_name, location, words)[0]
    assert str(error).startswith(str(directory / file_name))
    if location:
        assert f": {location}: " in str(error)


def test_load_services_command_lists_errors_and_publishes_nothing(
    mistake: tuple[Path, str, str, list[str]],
) -> None:
    directory, file_name, location, words = mistake
    stderr, stdout = io.StringIO(), io.StringIO()

    with pytest.raises(CommandError) as raised:
        call_command("load_services", dir=directory, stderr=stderr, stdout=stdout)

    assert "nothing was published" in str(raised.value)
    lines = stderr.getvalue().splitlines()
    expected = [line for line in lines
                if file_name in line and location in line and all(w in line for w in words)]
    assert expected, stderr.getvalue()
    assert Service.objects.count() == 0
    assert ServiceVersion.objects.count() == 0
    assert Department.objects.count() == 0
    assert Category.objects.count() == 0


def test_all_mistakes_are_reported_at_once(tmp_path: Path) -> None:
    directory = write_catalog(
        tmp_path,
        service("strassenreinigung", "Straßenreinigung", "Street cleaning", department="bauamt"),
        laub(title={"en": "Order leaf bags"}),
    )
    (directory / "kaputt.yaml").write_text("slug: kaputt\n\tde: x\n", encoding="utf-8")
    stderr = io.StringIO()

    with pytest.raises(CommandError) as raised:
        call_command("load_services", dir=directory, stderr=stderr, stdout=io.StringIO())

    assert str(raised.value).startswith("3 error(s)")
    report = stderr.getvalue()
    assert "kaputt.yaml: line 2, column 1: not valid YAML" in report
    assert "laubsaecke.yaml: title.de: Field required" in report
    assert "strassenreinigung.yaml: department: unknown department 'bauamt'" in report


def test_check_mode_validates_without_publishing(tmp_path: Path) -> None:
    directory = write_catalog(tmp_path, laub())
    stdout = io.StringIO()

    call_command("load_services", dir=directory, check=True, stdout=stdout)

    assert "1 service definitions are valid" in stdout.getvalue()
    assert Service.objects.count() == 0


def test_a_broken_change_leaves_the_published_version_online(client: Client,
                                                             tmp_path: Path) -> None:
    directory = write_catalog(tmp_path, laub(), service("muellabfuhr", "Müllabfuhr", "Waste"))
    publish(directory)
    changed = laub(description={"de": "Neue Beschreibung", "en": "New description"})
    write_yaml(directory / "laubsaecke.yaml", changed)
    write_yaml(directory / "muellabfuhr.yaml",
               service("muellabfuhr", "Müllabfuhr", "Waste", department="bauamt"))

    with pytest.raises(CommandError):
        call_command("load_services", dir=directory, stderr=io.StringIO(), stdout=io.StringIO())

    assert ServiceVersion.objects.count() == 2, "the valid change is not published either"
    page = client.get("/de/services/laubsaecke/").content.decode()
    assert "Beschreibung von Laubsäcke bestellen." in page
    assert "Neue Beschreibung" not in page


def test_missing_catalog_file_is_reported(tmp_path: Path) -> None:
    write_yaml(tmp_path / "laubsaecke.yaml", laub())

    with pytest.raises(CatalogInvalid) as raised:
        load_directory(tmp_path)

    assert [Path(error.path).name for error in raised.value.errors] == ["_catalog.yaml"]
    assert "cannot be read" in raised.value.errors[0].message
