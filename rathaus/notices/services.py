"""Writes of the notices: save a template's text as a new version, issue a notice, read it back."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from rathaus.catalog.models import Service

from .models import Notice, NoticeKind, NoticeTemplate, NoticeTemplateVersion
from .placeholders import allowed_names, check_text, form_field_ids
from .remedy import DEFAULT_REMEDY_DE, DEFAULT_REMEDY_EN, NO_SUSPENSION_DE, NO_SUSPENSION_EN
from .render import NoticeContext, render_notice

logger = logging.getLogger(__name__)

TEXT_PARTS = ("title_de", "title_en", "body_de", "body_en", "remedy_de", "remedy_en")


@dataclass(frozen=True, kw_only=True)
class TemplateText:
    title_de: str
    title_en: str
    body_de: str
    body_en: str
    remedy_de: str
    remedy_en: str

    def checksum(self) -> str:
        canonical = json.dumps(asdict(self), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()


class NoticeTampered(Exception):
    """The stored PDF of an issued notice is not the one that was issued."""


def allowed_placeholders(service: Service) -> frozenset[str]:
    """Return the placeholders a template of ``service`` may use (its current form's fields)."""
    spec = service.current_version.spec if service.current_version is not None else None
    return allowed_names(form_field_ids(spec))


def check_template_text(*, service: Service, text: TemplateText) -> None:
    """Raise ValidationError by part (``body_de``, ...) for every placeholder not allowed."""
    allowed = allowed_placeholders(service)
    errors: dict[str, list[ValidationError]] = {}
    for part in TEXT_PARTS:
        try:
            check_text(getattr(text, part), allowed)
        except ValidationError as error:
            errors[part] = error.error_list
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def save_template_version(*, service: Service, kind: NoticeKind, text: TemplateText,
                          actor_label: str) -> NoticeTemplateVersion:
    """Make ``text`` the current version of the service's template of ``kind``.

    Unchanged text keeps its version; text saved before becomes current again; anything else
    is a new version. Earlier versions stay as they were, for the notices issued from them.
    """
    check_template_text(service=service, text=text)
    template, _created = NoticeTemplate.objects.get_or_create(service=service, kind=kind)
    template = NoticeTemplate.objects.select_for_update().get(pk=template.pk)
    checksum = text.checksum()
    version = template.versions.filter(checksum=checksum).first()
    if version is None:
        latest = template.versions.aggregate(latest=Max("number"))["latest"] or 0
        version = NoticeTemplateVersion.objects.create(
            template=template, number=latest + 1, checksum=checksum, created_by=actor_label,
            **asdict(text))
    if template.current_version_id != version.pk:
        template.current_version = version
        template.save(update_fields=["current_version"])
    return version


@transaction.atomic
def issue_notice(*, template_version: NoticeTemplateVersion, context: NoticeContext,
                 subject_reference: str, actor_label: str) -> Notice:
    """Render the notice once and store it: from now on the stored PDF is the notice."""
    rendered = render_notice(template_version, context)
    issued_at = timezone.now()
    notice = Notice(
        template_version=template_version, kind=context.kind, language=rendered.language,
        subject_reference=subject_reference, reference=context.reference,
        title=rendered.title[:300], sha256=hashlib.sha256(rendered.pdf).hexdigest(),
        size=len(rendered.pdf), issued_by=actor_label, issued_at=issued_at)
    notice.pdf.save(f"{context.reference}-{context.kind}.pdf", ContentFile(rendered.pdf),
                    save=False)
    stored = str(notice.pdf.name)
    try:
        notice.save()
    except Exception:
        default_storage.delete(stored)
        raise
    return notice


def issued_pdf(notice: Notice) -> bytes:
    """Return the stored PDF of ``notice``, after checking it is byte for byte the issued one."""
    try:
        with notice.pdf.open("rb") as stored:
            data: bytes = stored.read()
    except OSError as error:
        logger.error("Stored PDF of notice %s (%s) is missing", notice.pk, notice.reference)
        raise NoticeTampered(notice.pk) from error
    if hashlib.sha256(data).hexdigest() != notice.sha256:
        logger.error("Stored PDF of notice %s (%s) does not match its checksum",
                     notice.pk, notice.reference)
        raise NoticeTampered(notice.pk)
    return data


DEFAULTS_DIR = Path(__file__).resolve().parent / "default_templates"


def _remedy(spec: Any, language: str) -> str:
    if isinstance(spec, dict):
        return str(spec[language]).strip()
    default = DEFAULT_REMEDY_EN if language == "en" else DEFAULT_REMEDY_DE
    if spec == "charge":
        return f"{default}\n\n{NO_SUSPENSION_EN if language == 'en' else NO_SUSPENSION_DE}"
    if spec in (None, "default"):
        return default
    raise ValueError(f"unknown remedy {spec!r}")


@dataclass
class DefaultsReport:
    created: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    missing_services: list[str] = field(default_factory=list)


# Who saved the shipped defaults: such a version is no change made here (notices.bundle).
DEFAULTS_ACTOR = "load_notice_templates"


@transaction.atomic
def load_default_templates(*, directory: Path = DEFAULTS_DIR,
                           actor_label: str = DEFAULTS_ACTOR) -> DefaultsReport:
    """Create the shipped templates that do not exist yet; staff's edits are never replaced."""
    report = DefaultsReport()
    for path in sorted(directory.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        service = (Service.objects.select_related("current_version")
                   .filter(slug=data["service"]).first())
        if service is None:
            report.missing_services.append(data["service"])
            continue
        for item in data["templates"]:
            kind = NoticeKind(item["kind"])
            name = f"{service.slug}/{kind}"
            if NoticeTemplate.objects.filter(service=service, kind=kind,
                                             current_version__isnull=False).exists():
                report.kept.append(name)
                continue
            text = TemplateText(
                title_de=item["title"]["de"], title_en=item["title"]["en"],
                body_de=item["body"]["de"].strip(), body_en=item["body"]["en"].strip(),
                remedy_de=_remedy(item.get("remedy"), "de"),
                remedy_en=_remedy(item.get("remedy"), "en"))
            save_template_version(service=service, kind=kind, text=text,
                                  actor_label=actor_label)
            report.created.append(name)
    return report
