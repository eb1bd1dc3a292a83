"""A small test-only service: a PDF proof on a step that is skipped when there is nothing to prove.

The shipped definitions accept PDF, JPG and PNG together and keep every file inside a repeated
group; this one isolates a PDF-only upload next to a plain text field.
"""

from __future__ import annotations

from typing import Any

SLUG = "test-nachweis"


def _text(value: str) -> dict[str, str]:
    return {"de": value, "en": value}


DEFINITION: dict[str, Any] = {
    "slug": SLUG,
    "title": _text("Submit a proof"),
    "summary": _text("Test service with an upload."),
    "description": _text("Test service with an upload."),
    "department": "steueramt",
    "category": "steuern-und-abgaben",
    "who_may_apply": _text("Anyone."),
    "fees": _text("None."),
    "processing_time": _text("A day."),
    "channels": ["form"],
    "form": {
        "confirmation_email": "email",
        "steps": [
            {"id": "about", "title": _text("About you"), "fields": [
                {"id": "applicant", "type": "text", "label": _text("Applicant"),
                 "max_length": 20},
                {"id": "email", "type": "email", "label": _text("E-mail")},
                {"id": "has_proof", "type": "yes_no", "label": _text("Do you have a proof?")},
            ]},
            {"id": "proof", "title": _text("Your proof"),
             "skip_if": {"field": "has_proof", "equals": False},
             "fields": [
                 {"id": "proof", "type": "file", "label": _text("Proof document"),
                  "accept": ["pdf"], "max_size_mb": 1},
                 {"id": "note", "type": "text", "label": _text("Note"), "max_length": 20},
             ]},
            {"id": "finish", "title": _text("Finish"), "fields": [
                {"id": "confirm", "type": "declaration", "label": _text("Confirm"),
                 "text": _text("All true.")},
            ]},
        ],
    },
}

ABOUT = {"applicant": "Erika", "email": "erika@example.org", "has_proof": "yes"}

# The smallest file `filetype` recognises as a PDF, followed by real-looking content.
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 64
TEXT = b"Just a letter, typed in a text editor and renamed.\n" * 4
