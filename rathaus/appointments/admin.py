"""Setting up calendars and releases; reading bookings, registrations and API tokens.

Writes with consequences go through services.py here too: slots are made by ``sync_slots``,
releases by ``open_release`` (which fixes the seed), draws by ``run_draw``. Bookings are changed
in the citizens' office pages, never edited here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rathaus.core.readonly_admin import ReadOnly

from . import services
from .models import (
    ApiToken,
    Booking,
    Calendar,
    Closure,
    Location,
    Mode,
    OpeningRule,
    PriorityGroup,
    Registration,
    Release,
    SpecialOpening,
    WaitlistEntry,
)
from .tokens import revoke_api_tokens

# --- validation of opening hours -------------------------------------------------------------


class HoursForm(forms.ModelForm):  # type: ignore[type-arg]
    """Opening hours: closing after opening, staff places within the places per slot."""

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        opens, closes = data.get("opens"), data.get("closes")
        if opens is not None and closes is not None and closes <= opens:
            self.add_error("closes", _("The closing time must be after the opening time."))
        capacity, staff = data.get("capacity"), data.get("staff_capacity")
        if capacity is not None and staff is not None and staff > capacity:
            self.add_error("staff_capacity", _(
                "The places for phone and counter cannot be more than the places per slot."))
        start, end = data.get("valid_from"), data.get("valid_until")
        if start is not None and end is not None and end < start:
            self.add_error("valid_until", _("The end of validity must not be before its start."))
        return data


def _kept(formset: BaseInlineFormSet) -> list[dict[str, Any]]:  # type: ignore[type-arg]
    """The cleaned rows of a formset that stay after saving, complete enough to compare."""
    return [form.cleaned_data for form in formset.forms
            if getattr(form, "cleaned_data", None) and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("opens") is not None
            and form.cleaned_data.get("closes") is not None]


def _overlap(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return bool(a["opens"] < b["closes"] and b["opens"] < a["closes"])


class OpeningRuleFormSet(BaseInlineFormSet):  # type: ignore[type-arg]
    def clean(self) -> None:
        super().clean()
        rules = _kept(self)
        errors = []
        for i, a in enumerate(rules):
            for b in rules[i + 1:]:
                valid = ((a.get("valid_from") or dt.date.min) <= (b.get("valid_until")
                                                                   or dt.date.max)
                         and (b.get("valid_from") or dt.date.min) <= (a.get("valid_until")
                                                                      or dt.date.max))
                if a.get("weekday") == b.get("weekday") and valid and _overlap(a, b):
                    errors.append(forms.ValidationError(
                        _("Opening rules on %(weekday)s overlap: %(first)s and %(second)s. "
                          "Each time of day may belong to one rule only."),
                        code="overlap", params={
                            "weekday": OpeningRule(weekday=a["weekday"]).get_weekday_display(),
                            "first": f"{a['opens']:%H:%M}–{a['closes']:%H:%M}",
                            "second": f"{b['opens']:%H:%M}–{b['closes']:%H:%M}"}))
        if errors:
            raise forms.ValidationError(errors)


class SpecialOpeningFormSet(BaseInlineFormSet):  # type: ignore[type-arg]
    def clean(self) -> None:
        super().clean()
        hours = _kept(self)
        errors = []
        for i, a in enumerate(hours):
            for b in hours[i + 1:]:
                if a.get("date") is not None and a.get("date") == b.get("date") \
                        and _overlap(a, b):
                    errors.append(forms.ValidationError(
                        _("Special openings on %(date)s overlap: %(first)s and %(second)s."),
                        code="overlap", params={
                            "date": f"{a['date']:%d.%m.%Y}",
                            "first": f"{a['opens']:%H:%M}–{a['closes']:%H:%M}",
                            "second": f"{b['opens']:%H:%M}–{b['closes']:%H:%M}"}))
        if errors:
            raise forms.ValidationError(errors)


class ClosureForm(forms.ModelForm):  # type: ignore[type-arg]
    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        start, end = data.get("starts_on"), data.get("ends_on")
        if start is not None and end is not None and end < start:
            self.add_error("ends_on", _("The last day must not be before the first day."))
        return data


class PriorityGroupForm(forms.ModelForm):  # type: ignore[type-arg]
    def clean_weight(self) -> int:
        weight: int = self.cleaned_data["weight"]
        if weight < 1:
            raise forms.ValidationError(_("The weight must be at least 1."))
        return weight


class CalendarForm(forms.ModelForm):  # type: ignore[type-arg]
    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        first, last = data.get("book_from_days"), data.get("book_until_days")
        if first is not None and last is not None and last < first:
            self.add_error("book_until_days", _(
                "The last bookable day must not come before the first one."))
        minutes = data.get("slot_minutes")
        if minutes is not None and minutes < 5:
            self.add_error("slot_minutes", _("A slot lasts at least 5 minutes."))
        return data


# --- calendars -------------------------------------------------------------------------------


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin[Location]):
    list_display = ["name_de", "street", "city"]
    search_fields = ["name_de", "name_en", "city"]
    prepopulated_fields = {"slug": ["name_de"]}


class OpeningRuleInline(admin.TabularInline[OpeningRule, Calendar]):
    model = OpeningRule
    form = HoursForm
    formset = OpeningRuleFormSet
    extra = 0


class SpecialOpeningInline(admin.TabularInline[SpecialOpening, Calendar]):
    model = SpecialOpening
    form = HoursForm
    formset = SpecialOpeningFormSet
    extra = 0


class ClosureInline(admin.TabularInline[Closure, Calendar]):
    model = Closure
    form = ClosureForm
    extra = 0


class PriorityGroupInline(admin.TabularInline[PriorityGroup, Calendar]):
    model = PriorityGroup
    form = PriorityGroupForm
    extra = 0


class ReleaseOverviewInline(ReadOnly, admin.TabularInline[Release, Calendar]):
    """The calendar's releases at a glance; they are opened and drawn on their own pages."""

    model = Release
    fields = ("opens_at", "closes_at", "slots_from", "slots_until", "method", "drawn_at",
              "registrations_count", "places_count")
    readonly_fields = fields
    extra = 0
    show_change_link = True
    verbose_name_plural = _("releases (open new ones under Releases)")


@admin.register(Calendar)
class CalendarAdmin(admin.ModelAdmin[Calendar]):
    form = CalendarForm
    list_display = ["name_de", "slug", "location", "mode", "is_active"]
    list_filter = ["mode", "is_active", "location"]
    search_fields = ["name_de", "name_en", "slug"]
    prepopulated_fields = {"slug": ["name_de"]}
    inlines = [OpeningRuleInline, SpecialOpeningInline, ClosureInline, PriorityGroupInline,
               ReleaseOverviewInline]
    actions = ["create_slots"]

    @admin.action(description=_("Create slots for the booking window"))
    def create_slots(self, request: HttpRequest, queryset: QuerySet[Calendar]) -> None:
        for calendar in queryset:
            changed = services.sync_slots(calendar=calendar)
            self.message_user(request, gettext(
                "%(calendar)s: %(count)d slots created or updated.")
                % {"calendar": calendar, "count": changed}, messages.SUCCESS)


# --- releases and draws ----------------------------------------------------------------------


class ReleaseForm(forms.ModelForm):  # type: ignore[type-arg]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "calendar" in self.fields:
            self.fields["calendar"].queryset = Calendar.objects.filter(  # type: ignore[attr-defined]
                mode=Mode.DRAW)

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        opens = data.get("opens_at", self.instance.opens_at)
        closes = data.get("closes_at", self.instance.closes_at)
        if opens is not None and closes is not None and closes <= opens:
            self.add_error("closes_at", _("Registration must close after it opens."))
        first = data.get("slots_from", self.instance.slots_from)
        last = data.get("slots_until", self.instance.slots_until)
        if first is not None and last is not None and last < first:
            self.add_error("slots_until", _("The last day of appointments must not be before "
                                            "the first one."))
        return data


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin[Release]):
    """Releases of a draw calendar; the seed stays hidden until the draw has used it."""

    form = ReleaseForm
    list_display = ["__str__", "opens_at", "closes_at", "method", "drawn_at",
                    "registrations_count", "places_count"]
    list_filter = ["calendar", "method"]
    list_select_related = ["calendar"]
    date_hierarchy = "opens_at"
    actions = ["run_draw_now"]
    editable_fields = ("calendar", "opens_at", "closes_at", "slots_from", "slots_until",
                       "method")
    outcome_fields = ("seed_commitment", "seed_after_draw", "drawn_at", "registrations_count",
                      "places_count")

    def get_fields(self, request: HttpRequest, obj: Release | None = None) -> tuple[str, ...]:
        if obj is None:
            return self.editable_fields
        return (*self.editable_fields, *self.outcome_fields)

    def get_readonly_fields(self, request: HttpRequest, obj: Release | None = None
                            ) -> tuple[str, ...]:
        if obj is None:
            return ()
        if obj.is_drawn:
            return (*self.editable_fields, *self.outcome_fields)
        # Changing the method after people registered could favour some of them.
        return ("calendar", "method", *self.outcome_fields)

    @admin.display(description=_("seed"))
    def seed_after_draw(self, obj: Release) -> str:
        if not obj.is_drawn:
            return gettext("Shown after the draw; its SHA-256 is public now.")
        return obj.seed

    def save_model(self, request: HttpRequest, obj: Release, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        created = services.open_release(
            calendar=obj.calendar, opens_at=obj.opens_at, closes_at=obj.closes_at,
            slots_from=obj.slots_from, slots_until=obj.slots_until, method=obj.method)
        obj.pk, obj.seed, obj.seed_commitment = created.pk, created.seed, created.seed_commitment

    def has_delete_permission(self, request: HttpRequest, obj: Release | None = None) -> bool:
        # A drawn release is the record that the draw was fair: it stays.
        return super().has_delete_permission(request, obj) and (obj is None or not obj.is_drawn)

    @admin.action(description=_("Run the draw now (for releases whose window has closed)"))
    def run_draw_now(self, request: HttpRequest, queryset: QuerySet[Release]) -> None:
        now = timezone.now()
        for release in queryset.select_related("calendar"):
            if release.is_drawn:
                self.message_user(request, gettext("%(release)s: already drawn.")
                                  % {"release": release}, messages.WARNING)
            elif release.closes_at > now:
                self.message_user(request, gettext(
                    "%(release)s: registration is still open; the draw can run once it "
                    "closes.") % {"release": release}, messages.WARNING)
            else:
                drawn = services.run_draw(release=release, now=now)
                self.message_user(request, gettext(
                    "%(release)s: drawn, %(places)d places offered to %(count)d registrations.")
                    % {"release": release, "places": drawn.places_count,
                       "count": drawn.registrations_count}, messages.SUCCESS)


# --- bookings, registrations, waiting list: read here, changed in the staff pages -------------


class ReadOnlyAdmin(ReadOnly, admin.ModelAdmin[Any]):
    pass


@admin.register(Booking)
class BookingAdmin(ReadOnlyAdmin):
    list_display = ["reference", "calendar", "starts", "channel", "status", "name", "agent",
                    "created_at"]
    list_filter = ["calendar", "status", "channel"]
    list_select_related = ["calendar", "slot", "agent"]
    search_fields = ["=reference"]
    exclude = ["person_key"]

    @admin.display(description=_("appointment"), ordering="slot__starts_at")
    def starts(self, obj: Booking) -> str:
        return f"{timezone.localtime(obj.slot.starts_at):%d.%m.%Y %H:%M}"


@admin.register(Registration)
class RegistrationAdmin(ReadOnlyAdmin):
    list_display = ["reference", "calendar", "status", "priority_group", "channel", "name",
                    "created_at"]
    list_filter = ["calendar", "status", "channel", "priority_group"]
    list_select_related = ["calendar", "priority_group"]
    search_fields = ["=reference"]
    exclude = ["person_key"]


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(ReadOnlyAdmin):
    list_display = ["reference", "calendar", "status", "channel", "name", "created_at"]
    list_filter = ["calendar", "status", "channel"]
    list_select_related = ["calendar"]
    search_fields = ["=reference"]
    exclude = ["person_key"]


# --- API tokens ------------------------------------------------------------------------------


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    """Tokens are issued by ``manage.py create_api_token``; here they are listed and revoked."""

    list_display = ["prefix", "name", "user", "channel", "created_at", "last_used_at",
                    "revoked_at"]
    list_filter = ["channel", ("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["user"]
    search_fields = ["prefix", "name", "user__username"]
    fields = ["prefix", "name", "user", "channel", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "user", "channel", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        count = revoke_api_tokens(tokens=queryset)
        self.message_user(request, gettext("%(count)d token(s) revoked.") % {"count": count},
                          messages.SUCCESS)
