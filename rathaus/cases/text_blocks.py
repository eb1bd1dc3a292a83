"""Text blocks a clerk starts a message from: a fixed vocabulary of placeholders, checked on save.

The rules are the notice templates' (rathaus.notices.placeholders): a placeholder is a name in
single braces, anything else in braces is refused when the block is saved, and nothing is ever
parsed as a Django template. A filled block is plain text the clerk goes on editing; it reaches
a page only through Django's autoescaping (the text area, the conversation), which escapes the
values with the rest.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field
from pathlib import Path

import yaml
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from rathaus.catalog.models import Department, Service
from rathaus.notices.placeholders import check_text

from .models import Case, TextBlock

VOCABULARY = ("reference", "service", "applicant_name", "deadline", "department", "clerk")
DEADLINE = "{deadline}"
ALLOWED = frozenset(VOCABULARY)
_PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)\}")


def check_block(block: TextBlock) -> None:
    """Raise ValidationError, by field, for unknown placeholders or template code in a block."""
    problems: dict[str, list[ValidationError]] = {}
    for name in ("text_de", "text_en"):
        try:
            check_text(getattr(block, name) or "", ALLOWED)
        except ValidationError as error:
            problems[name] = error.error_list
    service = block.service if block.service_id is not None else None
    if service is not None and block.department_id is not None \
            and service.department_id != block.department_id:
        problems["service"] = [ValidationError(
            _("The service belongs to another department."), code="other_department")]
    if problems:
        raise ValidationError(problems)


def blocks_for(case: Case) -> QuerySet[TextBlock]:
    """Return the active blocks the case's clerks may use: the department's, for its service."""
    return (TextBlock.objects.filter(department_id=case.department_id, active=True)
            .filter(Q(service__isnull=True) | Q(service_id=case.service_id))
            .order_by("position", "title", "pk"))


def values_for(case: Case, *, clerk: User, deadline: dt.date | None,
               language: str) -> dict[str, str]:
    """Return the placeholders' values for ``case`` in ``language`` (the applicant's)."""
    with translation.override(language):
        department = (case.department.name_en if language == "en" and case.department.name_en
                      else case.department.name_de)
        return {
            "reference": case.reference,
            "service": case.submission.service_version.spec.title.get_text(language),
            "applicant_name": case.applicant_name,
            # Not known yet: the placeholder stays, and sending fills it (or asks for it).
            "deadline": format_deadline(deadline, language) if deadline else DEADLINE,
            "department": department,
            "clerk": clerk.get_full_name() or clerk.get_username(),
        }


def format_deadline(deadline: dt.date, language: str) -> str:
    with translation.override(language):
        return date_format(deadline, "DATE_FORMAT")


def fill(text: str, values: Mapping[str, str]) -> str:
    """Replace each known placeholder in ``text`` by its value; plain text, escaped on output.

    An unknown name (saved before the vocabulary shrank) stays as written, for the clerk to see.
    """
    return _PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)),
                            text.replace("\r\n", "\n"))


DEFAULTS = Path(__file__).resolve().parent / "default_text_blocks.yaml"


@dataclass
class LoadReport:
    created: list[str] = dc_field(default_factory=list)
    kept: list[str] = dc_field(default_factory=list)
    missing_services: list[str] = dc_field(default_factory=list)


@transaction.atomic
def load_default_blocks(*, path: Path = DEFAULTS) -> LoadReport:
    """Create the shipped text blocks that do not exist yet; edited ones are never replaced."""
    report = LoadReport()
    for position, item in enumerate(yaml.safe_load(path.read_text(encoding="utf-8"))):
        service: Service | None = None
        if item.get("service"):
            service = Service.objects.filter(slug=item["service"]).first()
            if service is None:
                report.missing_services.append(item["service"])
                continue
            departments = [service.department]
        else:
            departments = list(Department.objects.order_by("pk"))
        for department in departments:
            name = f"{department.slug}/{item['key']}"
            block = TextBlock(department=department, service=service, key=item["key"],
                              title=item["title"], text_de=item["de"].strip(),
                              text_en=item["en"].strip(), position=position * 10)
            if TextBlock.objects.filter(department=department, key=item["key"]).exists():
                report.kept.append(name)
                continue
            block.full_clean()
            block.save()
            report.created.append(name)
    return report
