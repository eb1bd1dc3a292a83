"""The shipped calendars (services/_calendars.yaml): validated, then created where missing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

import yaml
from django.db import transaction
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from rathaus.catalog.models import Department

from .models import Calendar, Location, OpeningRule, PriorityGroup

SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    de: str = Field(min_length=1)
    en: str = Field(min_length=1)


class LocationDef(_Strict):
    slug: str = Field(pattern=SLUG)
    name: Text
    street: str
    postcode: str
    city: str
    access: Text | None = None


class RuleDef(_Strict):
    weekday: int = Field(ge=0, le=6)
    opens: dt.time
    closes: dt.time
    capacity: int = Field(ge=1)
    staff_capacity: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def consistent(self) -> RuleDef:
        if self.closes <= self.opens:
            raise ValueError("closes must be after opens")
        if self.staff_capacity > self.capacity:
            raise ValueError("staff_capacity cannot exceed capacity")
        return self


class GroupDef(_Strict):
    code: str = Field(pattern=SLUG)
    label: Text
    rank: int = Field(default=1, ge=1)
    weight: int = Field(default=1, ge=1)


class CalendarDef(_Strict):
    slug: str = Field(pattern=SLUG)
    name: Text
    description: Text | None = None
    location: str
    department: str | None = None
    mode: Literal["first_come", "draw"] = "first_come"
    slot_minutes: int = Field(default=15, ge=5)
    book_from_days: int = Field(default=1, ge=0)
    book_until_days: int = Field(default=28, ge=0)
    hold_minutes: int = Field(default=10, ge=1)
    confirm_minutes: int = Field(default=60, ge=5)
    offer_hours: int = Field(default=24, ge=1)
    observe_public_holidays: bool = True
    waiting_room: bool = False
    admissions_per_minute: int = Field(default=600, ge=1)
    rules: list[RuleDef]
    priority_groups: list[GroupDef] = []


class CalendarsFile(_Strict):
    locations: list[LocationDef]
    calendars: list[CalendarDef]

    @model_validator(mode="after")
    def references(self) -> CalendarsFile:
        places = {location.slug for location in self.locations}
        for calendar in self.calendars:
            if calendar.location not in places:
                raise ValueError(f"calendar {calendar.slug}: unknown location {calendar.location}")
        return self


class CalendarsInvalid(Exception):
    pass


def read_calendars(path: Path) -> CalendarsFile:
    """Parse and validate the file; errors name the place in the file and the problem."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return CalendarsFile.model_validate(data)
    except (OSError, yaml.YAMLError) as error:
        raise CalendarsInvalid(f"{path.name}: {error}") from error
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in issue['loc'])}: {issue['msg']}"
            for issue in error.errors())
        raise CalendarsInvalid(f"{path.name}: {problems}") from error


@transaction.atomic
def install_calendars(config: CalendarsFile, *, update: bool = False) -> list[str]:
    """Create the calendars that do not exist yet (all of them with ``update``); return slugs."""
    places = {}
    for place_def in config.locations:
        defaults = {
            "name_de": place_def.name.de, "name_en": place_def.name.en, "street": place_def.street,
            "postcode": place_def.postcode, "city": place_def.city,
            "access_de": place_def.access.de if place_def.access else "",
            "access_en": place_def.access.en if place_def.access else ""}
        write = Location.objects.update_or_create if update else Location.objects.get_or_create
        places[place_def.slug], _ = write(slug=place_def.slug, defaults=defaults)
    installed = []
    for item in config.calendars:
        exists = Calendar.objects.filter(slug=item.slug).exists()
        if exists and not update:
            continue
        fields = {
            "name_de": item.name.de, "name_en": item.name.en,
            "description_de": item.description.de if item.description else "",
            "description_en": item.description.en if item.description else "",
            "location": places[item.location],
            "department": Department.objects.filter(slug=item.department).first()
            if item.department else None,
            "mode": item.mode, "slot_minutes": item.slot_minutes,
            "book_from_days": item.book_from_days, "book_until_days": item.book_until_days,
            "hold_minutes": item.hold_minutes, "confirm_minutes": item.confirm_minutes,
            "offer_hours": item.offer_hours,
            "observe_public_holidays": item.observe_public_holidays,
            "waiting_room": item.waiting_room,
            "admissions_per_minute": item.admissions_per_minute,
        }
        calendar, _ = Calendar.objects.update_or_create(slug=item.slug, defaults=fields)
        calendar.rules.all().delete()
        OpeningRule.objects.bulk_create(
            OpeningRule(calendar=calendar, weekday=r.weekday, opens=r.opens, closes=r.closes,
                        capacity=r.capacity, staff_capacity=r.staff_capacity)
            for r in item.rules)
        for group in item.priority_groups:
            PriorityGroup.objects.update_or_create(
                calendar=calendar, code=group.code, defaults={
                    "label_de": group.label.de, "label_en": group.label.en,
                    "rank": group.rank, "weight": group.weight})
        installed.append(item.slug)
    return installed
