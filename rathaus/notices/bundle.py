"""The notice templates of a service bundle: exported with their checksums, imported as versions.

A template of ours is replaced only while its current version is one nobody wrote here: the
shipped default (load_notice_templates) or an earlier import. A version saved in the admin is a
local change and is kept, unless the import is run with --force-template (decision 0038).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from rathaus.catalog.hooks import IMPORT_ACTOR, PartItem, PartPlan, PartTarget, changed_text
from rathaus.catalog.models import Service

from .models import NoticeKind, NoticeTemplate, NoticeTemplateVersion
from .placeholders import allowed_names, check_text, form_field_ids
from .services import DEFAULTS_ACTOR, TEXT_PARTS, TemplateText, save_template_version

PART = "notices"
TITLE_LENGTH = NoticeTemplateVersion._meta.get_field("title_de").max_length or 200


def _text(data: dict[str, Any]) -> TemplateText:
    try:
        return TemplateText(**{
            f"{part}_{language}": str(data[part][language])
            for part in ("title", "body", "remedy") for language in ("de", "en")})
    except (KeyError, TypeError):
        raise ValueError("needs title, body and remedy, each in de and en") from None


class NoticeTemplates:
    label = "notice template"

    def export(self, *, services: list[str]) -> list[PartItem]:
        templates = (NoticeTemplate.objects.filter(service__slug__in=services,
                                                   current_version__isnull=False)
                     .select_related("service", "current_version")
                     .order_by("service__slug", "kind"))
        items = []
        for template in templates:
            version = template.current_version
            assert version is not None
            items.append(PartItem(
                key=f"{template.service.slug}/{template.kind}", service=template.service.slug,
                checksum=version.checksum, data={
                    "kind": template.kind,
                    **{part: {"de": getattr(version, f"{part}_de"),
                              "en": getattr(version, f"{part}_en")}
                       for part in ("title", "body", "remedy")}}))
        return items

    def checksum(self, data: dict[str, Any]) -> str:
        if data.get("kind") not in NoticeKind.values:
            raise ValueError(f"unknown kind of notice {data.get('kind')!r}")
        return _text(data).checksum()

    def plan(self, *, item: PartItem, target: PartTarget, force: bool) -> PartPlan:
        text = _text(item.data)
        if item.key != f"{target.service}/{item.data['kind']}":
            return PartPlan(item.key, "refused", error=f"its kind is {item.data['kind']!r}")
        if len(text.title_de) > TITLE_LENGTH or len(text.title_en) > TITLE_LENGTH:
            return PartPlan(item.key, "refused",
                            error=f"a title is longer than {TITLE_LENGTH} characters")
        allowed = allowed_names(form_field_ids(target.spec))
        for part in TEXT_PARTS:
            try:
                check_text(getattr(text, part), allowed)
            except ValidationError as error:
                return PartPlan(item.key, "refused", error=(
                    f"{part} does not fit our form of {target.service}: "
                    + " ".join(str(message) for message in error.messages)))
        templates = NoticeTemplate.objects.filter(service__slug=target.service,
                                                  kind=item.data["kind"])
        if transaction.get_connection().in_atomic_block:  # the import: the plan holds until written
            templates = templates.select_for_update(of=("self",))
        template = templates.select_related("current_version").first()
        current = template.current_version if template is not None else None
        if current is None:
            return PartPlan(item.key, "create")
        if current.checksum == item.checksum:
            return PartPlan(item.key, "unchanged")
        changes = tuple(changed_text(part, getattr(current, part), getattr(text, part))
                        for part in TEXT_PARTS if getattr(current, part) != getattr(text, part))
        by = current.created_by
        if force or by == DEFAULTS_ACTOR or by.startswith(IMPORT_ACTOR):
            return PartPlan(item.key, "change", changes)
        return PartPlan(item.key, "refused", changes, reason=(
            f"version {current.number} was saved here by {by or 'someone'} on "
            f"{current.created_at:%Y-%m-%d}; kept it; run with --force-template "
            f"{PART}:{item.key} to take the bundle's text"))

    def apply(self, *, item: PartItem, target: PartTarget, actor_label: str) -> None:
        save_template_version(service=Service.objects.get(slug=target.service),
                              kind=NoticeKind(item.data["kind"]), text=_text(item.data),
                              actor_label=actor_label)
