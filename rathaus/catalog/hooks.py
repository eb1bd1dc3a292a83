"""What the catalog's pages ask of the layers above it; they provide it at start.

The appointments app provides which calendars can be booked, so that a service page and the
offline needs link to a calendar without the catalog importing appointments. The notices and
cases apps provide the parts of a service bundle besides the definitions (their templates).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from rathaus.core.hooks import Hook
from rathaus.core.registry import Registry
from rathaus.forms.schema import ServiceDef

# Return those of the given calendar slugs that name an active calendar (one query).
bookable_calendars: Hook[Callable[[set[str]], set[str]]] = Hook("catalog.bookable_calendars")


# -- bundle parts ----------------------------------------------------------------------------
# What a bundle carries besides definitions (decision 0038): the notice templates (notices) and
# the text blocks (cases) of the exported services. Each app registers one part in its ready().


@dataclass(frozen=True)
class PartItem:
    """One template or text block in a bundle, as the exporting town has it."""

    key: str  # unique within its part, e.g. "hund-anmelden/granted"
    service: str  # the slug of the service it belongs to
    data: dict[str, Any]  # JSON-safe; what the part's import reads back
    checksum: str  # the part's checksum of data, as its admin shows it where it has one


@dataclass(frozen=True)
class PartTarget:
    """Where an item lands here: the service, our department, the definition then current."""

    service: str
    department: str
    spec: ServiceDef


# How an import signs what it saves ("import_services: hund.zip (Stadt Musterstadt)"), so that
# a part can tell an imported version from one saved here.
IMPORT_ACTOR = "import_services: "

PartAction = Literal["create", "change", "unchanged", "refused"]


@dataclass(frozen=True)
class PartPlan:
    key: str
    action: PartAction
    changes: tuple[str, ...] = ()
    reason: str = ""  # why it is left alone ("refused"): a conflict with a local change
    error: str = ""  # the item cannot be imported here at all: nothing of the bundle is


class BundlePart(Protocol):
    # Shown in the preview ("notice template"); the registry key ("notices") is the file name
    # parts/<key>.yaml and the prefix of --force-template.
    label: str

    def export(self, *, services: list[str]) -> list[PartItem]:
        """Return the items of the named services, ordered by key."""
        ...

    def checksum(self, data: dict[str, Any]) -> str:
        """Return the checksum of an item's data; raise ValueError if it is malformed."""
        ...

    def plan(self, *, item: PartItem, target: PartTarget, force: bool) -> PartPlan:
        """Say what importing the item would do, changing nothing (inside the import's
        transaction, lock the row it reads, so that the plan holds until it is applied)."""
        ...

    def apply(self, *, item: PartItem, target: PartTarget, actor_label: str) -> None:
        """Create or change the item as planned ("create" or "change"), in the open transaction."""
        ...


bundle_parts: Registry[BundlePart] = Registry("bundle part")


def changed_text(name: str, before: str, after: str, *, width: int = 60) -> str:
    """Return one preview line for a changed text: where it starts to differ, before -> after."""
    before, after = " ".join(before.split()), " ".join(after.split())
    start = 0
    while start < min(len(before), len(after)) and before[start] == after[start]:
        start += 1
    start = before.rfind(" ", 0, start) + 1 if start else 0  # from the word that differs

    def window(text: str) -> str:
        part = text[start:start + width] or "(nothing)"
        return ("..." if start else "") + part + ("..." if len(text) > start + width else "")

    return f"{name}: {window(before)} -> {window(after)}"
