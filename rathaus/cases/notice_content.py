"""What a case's notice says: the case's data as the plain context the notices app renders.

The applicant is the first name and address the form asks outside repeated groups; answers are
formatted as the form engine displays them; sealed (health) answers stay out of the notice.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rathaus.core.sealing import is_sealed
from rathaus.forms.fields.registry import field_types
from rathaus.forms.schema import ServiceDef
from rathaus.notices.models import NoticeKind, NoticeTemplate, NoticeTemplateVersion
from rathaus.notices.placeholders import form_field_ids
from rathaus.notices.render import NoticeContext, RenderedNotice, render_notice

from .models import Case, CaseNotice
from .services import CaseError


def _display(field: Any, value: Any, language: str) -> str:
    if value in (None, "", [], {}) or is_sealed(value):
        return ""
    return str(field_types[field.type].display(field, value, language))


def _answers(spec: ServiceDef, answers: dict[str, Any], language: str) -> dict[str, str]:
    """Format the answers a template may quote, as the form engine displays them."""
    if spec.form is None:
        return {}
    allowed = set(form_field_ids(spec))
    formatted: dict[str, str] = {}
    for step in spec.form.steps:
        for item in step.fields:
            if item.id not in allowed:
                continue
            if item.is_group and item.repeat is not None:
                entries = [", ".join(shown for child in item.fields or []
                                     if (shown := _display(child, entry.get(child.id), language)))
                           for entry in answers.get(item.id) or [] if isinstance(entry, dict)]
                formatted[item.id] = "; ".join(entry for entry in entries if entry)
            elif item.is_group:
                formatted[item.id] = ", ".join(
                    shown for child in item.fields or []
                    if (shown := _display(child, answers.get(child.id), language)))
            else:
                formatted[item.id] = _display(item, answers.get(item.id), language)
    return formatted


def _first_of_type(spec: ServiceDef, answers: dict[str, Any], type_: str) -> Any:
    """Return the first answer of a field of ``type_`` outside repeated groups (the applicant's)."""
    if spec.form is None:
        return None
    for _step, group, item in spec.form.iter_fields():
        if group is not None and group.repeat is not None:
            continue
        value = answers.get(item.id)
        if item.type == type_ and isinstance(value, dict) and not is_sealed(value):
            return value
    return None


def _applicant(spec: ServiceDef, answers: dict[str, Any]) -> tuple[str, str]:
    name = _first_of_type(spec, answers, "person_name") or {}
    address = _first_of_type(spec, answers, "address") or {}
    full_name = f"{name.get('given_names', '')} {name.get('family_name', '')}".strip()
    lines = [f"{address.get('street', '')} {address.get('number', '')}".strip(),
             f"{address.get('postcode', '')} {address.get('city', '')}".strip()]
    return full_name, "\n".join(line for line in lines if line)


def _clerk_name(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def notice_context(case: Case, draft: CaseNotice) -> NoticeContext:
    """Return what the notice says about ``case``, in the language the citizen applied in."""
    submission = case.submission
    spec = submission.service_version.spec
    language = submission.language[:2] if submission.language[:2] in ("de", "en") else "de"
    name, address = _applicant(spec, submission.answers)
    department = case.department
    return NoticeContext(
        reference=case.reference,
        applicant_name=name or case.applicant_name,
        applicant_address=address,
        service_title=spec.title.get_text(language),
        kind=NoticeKind(draft.kind),
        decision_date=timezone.localdate(),
        clerk_name=_clerk_name(draft.drafted_by),
        department=department.name_en if language == "en" else department.name_de,
        fee_cents=draft.fee_cents,
        justification=draft.justification,
        answers=_answers(spec, submission.answers, language),
        language=language,
    )


def template_version(case: Case, kind: str) -> NoticeTemplateVersion:
    template = (NoticeTemplate.objects.select_related("current_version__template")
                .filter(service_id=case.service_id, kind=kind).first())
    if template is None or template.current_version is None:
        raise CaseError(_("This service has no notice template for this decision. Ask the "
                          "administration to add one."))
    return template.current_version


def render_draft(draft: CaseNotice) -> RenderedNotice:
    """Render the draft as it would be sent today (the preview; nothing is stored)."""
    case = draft.case
    return render_notice(template_version(case, draft.kind), notice_context(case, draft))
