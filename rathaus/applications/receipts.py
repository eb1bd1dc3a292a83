"""The receipt PDF: every answer and the reference, as a tagged PDF/UA document."""

from __future__ import annotations

from decimal import Decimal

import weasyprint
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rathaus.forms.engine import summarize
from rathaus.identity.levels import TrustLevel

from . import hooks
from .models import FilingChannel, Submission
from .sealed import answers_for_receipt
from .selectors import verification_marks


def render_receipt(*, submission: Submission) -> bytes:
    spec = submission.service_version.spec
    assert spec.form is not None
    language = submission.language
    verified, checked = verification_marks(submission)
    with translation.override(language):
        html = render_to_string(
            "applications/receipt.html",
            {
                "submission": submission,
                "spec": spec,
                "title": spec.title.get_text(language),
                # Masked: the receipt is sent by e-mail; the clerk sees the full answers.
                "sections": summarize(spec.form, answers_for_receipt(submission), language,
                                      verified=verified, checked=checked, masked=True),
                "verified_levels": sorted(
                    {str(TrustLevel(int(entry["level"])).label)
                     for key, entry in submission.verified_fields.items()
                     if key in verified and int(entry.get("level", 0)) in TrustLevel.values}),
                "checked_at_counter": bool(checked),
                "at_counter": submission.channel == FilingChannel.COUNTER,
                "by_phone": submission.channel == FilingChannel.PHONE,
                "fee_lines": [
                    {**line, "label": line["label"][language[:2]],
                     "counts_text": line.get("counts", {}).get(language[:2], ""),
                     "amount": Decimal(line["amount"]), "total": Decimal(line["total"])}
                    for line in submission.fee_lines
                ],
                # The files sent with the application, not those sent later with a reply to
                # the office (the receipt may be rendered on first use, after a reply).
                "attachments": list(submission.attachments.filter(
                    created_at__lte=submission.submitted_at).order_by("created_at")),
                "submitted_at": timezone.localtime(submission.submitted_at),
                "town": settings.RATHAUS_TOWN,
                "payment_sections": hooks.payment_sections.call(
                    None, submission=submission, token="", place="receipt"),
                "language": language,
                "document_title": _("Receipt for application %(reference)s")
                % {"reference": submission.reference},
            },
        )
    fonts = settings.BASE_DIR / "node_modules" / "@kern-ux" / "native" / "dist" / "fonts"
    document = weasyprint.HTML(string=html, base_url=str(fonts) + "/")
    pdf: bytes = document.write_pdf(pdf_variant="pdf/ua-1")
    return pdf
