"""Small service definitions written to a temporary directory, as a service editor would."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from rathaus.catalog.loader import load_directory
from rathaus.catalog.services import PublishReport, publish_catalog

CATALOG: dict[str, Any] = {
    "departments": [
        {"slug": "tiefbau", "name": {"de": "Tiefbauamt", "en": "Civil Engineering Office"},
         "email": "tiefbau@musterstadt.example"},
        {"slug": "buergerdienste", "name": {"de": "Bürgerdienste", "en": "Citizen Services"},
         "email": "buergerdienste@musterstadt.example"},
    ],
    "categories": [
        {"slug": "strasse-und-abfall",
         "title": {"de": "Straße und Abfall", "en": "Roads and waste"},
         "description": {"de": "Reinigung, Müll und Winterdienst",
                         "en": "Cleaning, waste and winter service"}},
        {"slug": "ausweise", "title": {"de": "Ausweise", "en": "ID documents"},
         "description": {"de": "Personalausweis und Reisepass", "en": "ID cards and passports"}},
        {"slug": "leer", "title": {"de": "Leere Rubrik", "en": "Empty topic"},
         "description": {"de": "Hier gibt es nichts", "en": "Nothing here"}},
    ],
    "life_situations": [
        {"slug": "haus-und-hof", "title": {"de": "Haus und Hof", "en": "House and yard"}},
        {"slug": "reisen", "title": {"de": "Auf Reisen", "en": "Travelling"}},
    ],
}


def service(slug: str, title_de: str, title_en: str, **overrides: Any) -> dict[str, Any]:
    """Return a valid form service definition; keyword arguments replace top-level keys."""
    data: dict[str, Any] = {
        "slug": slug,
        "title": {"de": title_de, "en": title_en},
        "summary": {"de": f"Kurz gesagt: {title_de}.", "en": f"In short: {title_en}."},
        "description": {"de": f"Beschreibung von {title_de}.", "en": f"About {title_en}."},
        "department": "tiefbau",
        "category": "strasse-und-abfall",
        "life_situations": ["haus-und-hof"],
        "who_may_apply": {"de": "Alle Anliegerinnen und Anlieger.", "en": "All residents."},
        "fees": {"de": "Gebührenfrei.", "en": "Free of charge."},
        "processing_time": {"de": "Drei Werktage", "en": "Three working days"},
        "channels": ["form"],
        "form": {
            "steps": [
                {
                    "id": "about",
                    "title": {"de": "Ihre Angaben", "en": "About you"},
                    "fields": [
                        {"id": "full_name", "type": "text",
                         "label": {"de": "Name", "en": "Name"}},
                    ],
                },
            ],
        },
    }
    data.update(overrides)
    return data


def link_out_service(slug: str, title_de: str, title_en: str, **overrides: Any) -> dict[str, Any]:
    data = service(slug, title_de, title_en, channels=["link_out"], **overrides)
    del data["form"]
    data["link_out"] = {
        "url": "https://id.bund.example/personalausweis",
        "authority": {"de": "Bundesamt für Ausweise", "en": "Federal ID Office"},
        "label": {"de": "Zum Online-Dienst des Bundes", "en": "To the federal online service"},
    }
    return data


def write_yaml(path: Path, data: Any) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def write_catalog(directory: Path, *services: dict[str, Any],
                  catalog: dict[str, Any] | None = None) -> Path:
    """Write _catalog.yaml and one <slug>.yaml per service; return the directory."""
    directory.mkdir(parents=True, exist_ok=True)
    write_yaml(directory / "_catalog.yaml", copy.deepcopy(catalog or CATALOG))
    for data in services:
        write_yaml(directory / f"{data['slug']}.yaml", data)
    return directory


def publish(directory: Path) -> PublishReport:
    return publish_catalog(loaded=load_directory(directory))
