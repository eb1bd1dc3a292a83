"""Render a notice (Bescheid) from a template version and plain data, as HTML and PDF/UA."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import weasyprint
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from rathaus.catalog.models import Service
from rathaus.core.templatetags.rathaus import euro

from .models import NoticeKind, NoticeTemplateVersion
from .placeholders import ANSWERS, form_field_ids, paragraphs, substitute


def _town_name() -> str:
    name: str = settings.RATHAUS_TOWN["name"]
    return name


def _town_address() -> str:
    town = settings.RATHAUS_TOWN
    return f"{town['street']}\n{town['postcode']} {town['city']}"


@dataclass(frozen=True, kw_only=True)
class NoticeContext:
    """What a notice says about its case, as plain data from the caller (the case layer)."""

    reference: str
    applicant_name: str
    applicant_address: str  # lines separated by "\n"
    service_title: str
    kind: NoticeKind
    decision_date: dt.date
    clerk_name: str
    department: str
    fee_cents: int = 0
    # The clerk's own reasons for this decision ({justification}), plain text.
    justification: str = ""
    # Answers the template may quote ({answers.<field id>}), already formatted for display.
    answers: Mapping[str, str] = field(default_factory=dict)
    language: str = "de"
    authority_name: str = field(default_factory=_town_name)
    authority_address: str = field(default_factory=_town_address)  # lines separated by "\n"
    payment: PaymentRequest | None = None


@dataclass(frozen=True)
class PaymentRequest:
    """The payment a notice asks for: where to transfer it, or the link to pay online."""

    kassenzeichen: str
    amount_cents: int
    payee_name: str
    iban: str = ""
    bic: str = ""
    pay_url: str = ""  # the status page, where the citizen pays online
    code_png: str = ""  # the GiroCode as a data: URI
    code_title: str = ""  # its text alternative
    direct_debit: bool = False  # collected by the mandate the application gave


@dataclass(frozen=True)
class RenderedNotice:
    title: str
    html: str
    pdf: bytes
    language: str


def _one_line(text: str) -> str:
    return ", ".join(line.strip() for line in text.splitlines() if line.strip())


def placeholder_values(context: NoticeContext) -> dict[str, str]:
    """Return the value of every placeholder for ``context``, in the notice's language."""
    court = settings.RATHAUS_ADMINISTRATIVE_COURT
    with translation.override(context.language):
        values = {
            "reference": context.reference,
            "applicant_name": context.applicant_name,
            "applicant_address": _one_line(context.applicant_address),
            "service": context.service_title,
            "decision": str(NoticeKind(context.kind).label),
            "decision_date": formats.date_format(context.decision_date, "DATE_FORMAT"),
            "clerk": context.clerk_name,
            "department": context.department,
            "fee": euro(Decimal(context.fee_cents) / 100),
            "justification": context.justification,
            "authority": context.authority_name,
            "authority_address": _one_line(context.authority_address),
            "court_name": str(court["name"]),
            "court_address": str(court["address"]),
        }
    values.update({f"{ANSWERS}{key}": value for key, value in context.answers.items()})
    return values


def render_html(template_version: NoticeTemplateVersion, context: NoticeContext) -> tuple[str, str]:
    """Return the notice's plain-text title and its HTML."""
    if context.kind != template_version.template.kind:
        raise ValueError(f"a {context.kind} decision written from a "
                         f"{template_version.template.kind} template")
    language = context.language[:2]
    values = placeholder_values(context)
    subject = substitute(template_version.text("title", language), values)
    with translation.override(language):
        document_title = _("Notice %(reference)s: %(subject)s") % {
            "reference": context.reference, "subject": html.unescape(subject)}
        page = render_to_string("notices/notice.html", {
            "context": context,
            "language": language,
            "document_title": document_title,
            "subject": subject,
            "decision": values["decision"],
            "decision_date": values["decision_date"],
            "body": paragraphs(template_version.text("body", language), values),
            "remedy": paragraphs(template_version.text("remedy", language), values),
            "recipient": [line for line in context.applicant_address.splitlines() if line],
            "authority_address": _one_line(context.authority_address),
            "town": settings.RATHAUS_TOWN,
        })
    return document_title, page


def render_notice(template_version: NoticeTemplateVersion, context: NoticeContext
                  ) -> RenderedNotice:
    """Fill ``template_version`` with ``context``: the HTML and the tagged PDF (PDF/UA-1)."""
    title, page = render_html(template_version, context)
    fonts = settings.BASE_DIR / "node_modules" / "@kern-ux" / "native" / "dist" / "fonts"
    document = weasyprint.HTML(string=page, base_url=str(fonts) + "/")
    pdf: bytes = document.write_pdf(pdf_variant="pdf/ua-1")
    return RenderedNotice(title=title, html=page, pdf=pdf, language=context.language[:2])


def _sample_answer(field_def: Any, language: str) -> str:
    label = field_def.label.get_text(language) if field_def.label else field_def.id
    english = language == "en"
    samples = {
        "person_name": "Erika Mustermann",
        "address": "Musterweg 1, 31000 Musterstadt",
        "email": "erika.mustermann@example.org",
        "phone": "+49 5000 123456",
        "yes_no": "Yes" if english else "Ja",
        "number": "1",
        "iban": "DE89 **** **** **** **30 00",
        "declaration": "confirmed" if english else "bestätigt",
        "file": "nachweis.pdf",
        "time": "07:30" if english else "07:30 Uhr",
    }
    if field_def.type in {"choice", "select"} and field_def.options:
        return str(field_def.options[0].label.get_text(language))
    if field_def.type == "date":
        with translation.override(language):
            return formats.date_format(timezone.localdate(), "DATE_FORMAT")
    if field_def.type == "group" and field_def.repeat is not None:
        return f"{field_def.repeat.item_label.get_text(language)} 1"
    return samples.get(field_def.type, f"‹{label}›")


# A euro amount as a service's fee text writes it: "96 €", "12,50 €", "€96".
_EURO_AMOUNT = re.compile(r"(\d{1,6}(?:,\d{2})?)\s*€|€\s*(\d{1,6}(?:\.\d{2})?)")
SAMPLE_FEE_CENTS = 5000


def sample_fee_cents(fee_text: str) -> int:
    """Return the first amount the service's fee text names, else a round sample amount.

    A service whose fee is a tax set per case (the dog tax) has no fee lines in its form; the
    preview still shows an amount like the one the notice will carry, not 0,00 €.
    """
    match = _EURO_AMOUNT.search(fee_text)
    if match is None:
        return SAMPLE_FEE_CENTS
    amount = (match.group(1) or match.group(2)).replace(",", ".")
    return int(Decimal(amount) * 100) or SAMPLE_FEE_CENTS


def sample_context(*, service: Service, kind: NoticeKind, language: str,
                   clerk_name: str) -> NoticeContext:
    """Return a made-up case of ``service``, for the preview staff see before saving."""
    spec = service.current_version.spec if service.current_version is not None else None
    answers: dict[str, str] = {}
    fee_cents = 0
    if spec is not None and spec.form is not None:
        by_id = {field_def.id: field_def for step in spec.form.steps
                 for field_def in step.fields}
        answers = {field_id: _sample_answer(by_id[field_id], language)
                   for field_id in form_field_ids(spec)}
        fee_cents = int(sum(item.amount for item in spec.form.fees) * 100)
    if not fee_cents and spec is not None:
        fee_cents = sample_fee_cents(spec.fees.get_text("de") if spec.fees else "")
    department = service.department
    return NoticeContext(
        reference="ABCD-1234",
        applicant_name="Erika Mustermann",
        applicant_address="Musterweg 1\n31000 Musterstadt",
        service_title=spec.title.get_text(language) if spec is not None else service.title_de,
        kind=kind,
        decision_date=timezone.localdate(),
        clerk_name=clerk_name,
        department=department.name_en if language == "en" else department.name_de,
        fee_cents=fee_cents,
        justification=("Hier steht die Begründung, die die Sachbearbeitung für diesen Fall "
                       "schreibt." if language != "en" else
                       "Here the clerk writes the reasons for this case."),
        answers=answers,
        language=language,
    )
