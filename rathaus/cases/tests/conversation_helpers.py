"""Files and steps the conversation tests share: a real PNG, a request sent by a clerk."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from rathaus.applications.links import status_token
from rathaus.cases.conversation import send_message
from rathaus.cases.models import Case, CaseMessage

LETTER = ("Bitte reichen Sie den Versicherungsschein nach, Ihr Hund Bello ist sonst nicht "
          "versichert.")
REQUESTED = "Nachweis der Hundehaftpflichtversicherung"


def png(name: str = "versicherung.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def not_a_pdf(name: str = "versicherung.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"just some text, whatever the name says",
                              content_type="application/pdf")


def in_days(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def request_documents(case: Case, clerk: User, capture: Any, *, days: int = 14,
                      text: str = LETTER) -> CaseMessage:
    """Have ``clerk`` request the insurance proof, with the after-commit work run."""
    case.refresh_from_db()
    with capture(execute=True):
        return send_message(case_id=case.pk, text=text, actor=clerk,
                            expected_version=case.version, request_deadline=in_days(days),
                            requested=REQUESTED)


def status_path(case: Case, language: str = "en") -> str:
    return f"/{language}/status/{status_token(case.submission)}/"


def reply_path(case: Case, language: str = "en") -> str:
    return status_path(case, language) + "antworten/"
