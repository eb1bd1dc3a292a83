"""The text blocks of a service bundle: those written for the exported services.

A text block keeps no history, so an import cannot tell our edit from an older text of the
other town: a block of ours that differs is always kept and reported, unless the import is run
with --force-template (decision 0038). Blocks for a whole department stay each town's own.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from rathaus.catalog.hooks import PartItem, PartPlan, PartTarget, changed_text
from rathaus.catalog.models import Department, Service
from rathaus.notices.placeholders import check_text

from .models import TextBlock
from .text_blocks import ALLOWED

PART = "text-blocks"
FIELDS = ("key", "title", "text_de", "text_en", "position", "active")
TEXTS = ("title", "text_de", "text_en")


class TextBlocks:
    label = "text block"

    def export(self, *, services: list[str]) -> list[PartItem]:
        blocks = (TextBlock.objects.filter(service__slug__in=services)
                  .select_related("service").order_by("service__slug", "key"))
        items = []
        for block in blocks:
            assert block.service is not None
            data = {name: getattr(block, name) for name in FIELDS}
            items.append(PartItem(key=f"{block.service.slug}/{block.key}",
                                  service=block.service.slug, data=data,
                                  checksum=self.checksum(data)))
        return items

    def checksum(self, data: dict[str, Any]) -> str:
        if set(data) != set(FIELDS) or not all(isinstance(data[name], str)
                                               for name in ("key", *TEXTS)) \
                or type(data["position"]) is not int or type(data["active"]) is not bool:
            raise ValueError(f"needs exactly {', '.join(FIELDS)} (position a number, active "
                             "true or false)")
        canonical = json.dumps(data, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()

    def plan(self, *, item: PartItem, target: PartTarget, force: bool) -> PartPlan:
        data = item.data
        if item.key != f"{target.service}/{data['key']}":
            return PartPlan(item.key, "refused", error=f"its short name is {data['key']!r}")
        block = TextBlock(key=data["key"], title=data["title"], text_de=data["text_de"],
                          text_en=data["text_en"], position=data["position"])
        try:
            block.clean_fields(exclude=["department", "service"])
        except ValidationError as error:
            return PartPlan(item.key, "refused", error=" ".join(
                f"{name}: {' '.join(str(message) for message in messages)}"
                for name, messages in error.message_dict.items()))
        for name in ("text_de", "text_en"):
            try:
                check_text(data[name], ALLOWED)
            except ValidationError as error:
                return PartPlan(item.key, "refused", error=f"{name}: " + " ".join(
                    str(message) for message in error.messages))
        blocks = TextBlock.objects.filter(department__slug=target.department, key=data["key"])
        if transaction.get_connection().in_atomic_block:  # the import: the plan holds until written
            blocks = blocks.select_for_update(of=("self",))
        ours = blocks.first()
        if ours is None:
            return PartPlan(item.key, "create")
        differ = [name for name in TEXTS if getattr(ours, name) != data[name]]
        if not differ:
            return PartPlan(item.key, "unchanged")
        changes = tuple(changed_text(name, getattr(ours, name), data[name]) for name in differ)
        if force:
            return PartPlan(item.key, "change", changes)
        return PartPlan(item.key, "refused", changes, reason=(
            f"our block {data['key']!r} of the department {target.department} differs "
            f"(changed: {', '.join(differ)}); kept it; run with --force-template "
            f"{PART}:{item.key} to take the bundle's text"))

    def apply(self, *, item: PartItem, target: PartTarget, actor_label: str) -> None:
        data = item.data
        department = Department.objects.get(slug=target.department)
        block = TextBlock.objects.filter(department=department, key=data["key"]).first()
        if block is None:
            block = TextBlock(department=department, key=data["key"],
                              service=Service.objects.get(slug=target.service),
                              position=int(data["position"]), active=bool(data["active"]))
        for name in TEXTS:
            setattr(block, name, data[name])
        block.full_clean()
        block.save()
