"""Calendars, their slots and the bookings, registrations and draws that fill them.

Capacity lives on the slot row: ``booked_online`` and ``booked_staff`` count every booking that
occupies a place (held, waiting for e-mail confirmation, offered, confirmed, attended, missed),
and check constraints make ``booked_* <= capacity_*`` a database invariant. Every write that
changes those counters goes through ``services.py`` in one short transaction.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from rathaus.catalog.models import Department
from rathaus.core.references import new_reference


def _pick(de: str, en: str) -> str:
    return en if (get_language() or "de")[:2] == "en" and en else de


class Channel(models.TextChoices):
    ONLINE = "online", _("online")
    STAFF = "staff", _("phone or counter")


class Mode(models.TextChoices):
    FIRST_COME = "first_come", _("first come, first served")
    DRAW = "draw", _("request window and draw")


class Location(models.Model):
    slug = models.SlugField(unique=True, verbose_name=_("short name (in the address)"))
    name_de = models.CharField(_("name (German)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    street = models.CharField(_("street"), max_length=200)
    postcode = models.CharField(_("postcode"), max_length=10)
    city = models.CharField(_("city"), max_length=100)
    access_de = models.TextField(_("how to get there, accessibility (German)"), blank=True)
    access_en = models.TextField(_("how to get there, accessibility (English)"), blank=True)

    class Meta:
        ordering = ["name_de"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return _pick(self.name_de, self.name_en)

    @property
    def access(self) -> str:
        return _pick(self.access_de, self.access_en)


class Calendar(models.Model):
    """Appointments of one kind at one location, with their rules for booking."""

    slug = models.SlugField(unique=True, verbose_name=_("short name (in the address)"))
    name_de = models.CharField(_("name (German)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    description_de = models.TextField(_("description (German)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="calendars",
                                 verbose_name=_("location"))
    department = models.ForeignKey(Department, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="calendars", verbose_name=_("department"))
    mode = models.CharField(_("allocation"), max_length=16, choices=Mode.choices,
                            default=Mode.FIRST_COME)
    slot_minutes = models.PositiveSmallIntegerField(_("slot length (minutes)"), default=15)
    book_from_days = models.PositiveSmallIntegerField(
        _("bookable from (days ahead)"), default=1,
        help_text=_("0 allows booking for today."))
    book_until_days = models.PositiveSmallIntegerField(_("bookable until (days ahead)"),
                                                       default=28)
    hold_minutes = models.PositiveSmallIntegerField(
        _("hold while entering details (minutes)"), default=10)
    confirm_minutes = models.PositiveSmallIntegerField(
        _("time to confirm by e-mail (minutes)"), default=60)
    offer_hours = models.PositiveSmallIntegerField(_("time to accept an offer (hours)"),
                                                   default=24)
    observe_public_holidays = models.BooleanField(
        _("closed on public holidays of Lower Saxony"), default=True)
    waiting_room = models.BooleanField(
        _("waiting room"), default=False,
        help_text=_("When a release opens, admit visitors at the rate below."))
    admissions_per_minute = models.PositiveIntegerField(
        _("admissions per minute"), default=600,
        help_text=_("How many visitors the waiting room lets through per minute; "
                    "see docs/performance.md for how to choose it."))
    # A first-come calendar's rush starts here (a draw calendar's at its release's opens_at).
    rush_opens_at = models.DateTimeField(
        _("bookings open at (waiting room)"), null=True, blank=True,
        help_text=_("First-come calendars: when the places everyone waits for become bookable. "
                    "The waiting room numbers visitors from a quarter of an hour before."))
    waiting_room_minutes = models.PositiveSmallIntegerField(
        _("waiting room stays on (minutes after opening)"), default=60,
        help_text=_("Longer if visitors are still queued then."))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name_de"]
        verbose_name = _("calendar")
        verbose_name_plural = _("calendars")
        constraints = [
            models.CheckConstraint(condition=Q(slot_minutes__gte=5),
                                   name="calendar_slot_at_least_5_minutes"),
            models.CheckConstraint(condition=Q(book_until_days__gte=models.F("book_from_days")),
                                   name="calendar_booking_window_ordered"),
            models.CheckConstraint(condition=Q(admissions_per_minute__gte=1),
                                   name="calendar_admits_someone"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return _pick(self.name_de, self.name_en)

    @property
    def description(self) -> str:
        return _pick(self.description_de, self.description_en)

    @property
    def is_draw(self) -> bool:
        return self.mode == Mode.DRAW

    def booking_window(self, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
        """Return the first and last day a citizen may book today."""
        return booking_window(today or timezone.localdate(), self.book_from_days,
                              self.book_until_days)


def booking_window(today: dt.date, from_days: int, until_days: int) -> tuple[dt.date, dt.date]:
    """The first and last day a citizen may book today, for a window of days ahead."""
    return today + dt.timedelta(days=from_days), today + dt.timedelta(days=until_days)


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class OpeningRule(models.Model):
    """Opening hours on one weekday, cut into slots of the calendar's length."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="rules",
                                 verbose_name=_("calendar"))
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))
    capacity = models.PositiveIntegerField(_("places per slot"), default=1)
    staff_capacity = models.PositiveIntegerField(
        _("of which for phone and counter"), default=0,
        help_text=_("Places per slot only staff can book for callers and visitors."))
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        ordering = ["weekday", "opens"]
        verbose_name = _("opening rule")
        verbose_name_plural = _("opening rules")
        constraints = [
            models.CheckConstraint(condition=Q(closes__gt=models.F("opens")),
                                   name="rule_closes_after_opening"),
            models.CheckConstraint(condition=Q(staff_capacity__lte=models.F("capacity")),
                                   name="rule_staff_within_capacity"),
            models.CheckConstraint(condition=Q(weekday__gte=0, weekday__lte=6),
                                   name="rule_weekday_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class SpecialOpening(models.Model):
    """Hours on one date that replace the weekday rules (also on a holiday)."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE,
                                 related_name="special_openings", verbose_name=_("calendar"))
    date = models.DateField(_("date"))
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))
    capacity = models.PositiveIntegerField(_("places per slot"), default=1)
    staff_capacity = models.PositiveIntegerField(_("of which for phone and counter"), default=0)

    class Meta:
        ordering = ["date", "opens"]
        verbose_name = _("special opening")
        verbose_name_plural = _("special openings")
        constraints = [
            models.CheckConstraint(condition=Q(closes__gt=models.F("opens")),
                                   name="special_closes_after_opening"),
            models.CheckConstraint(condition=Q(staff_capacity__lte=models.F("capacity")),
                                   name="special_staff_within_capacity"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%d.%m.%Y} {self.opens:%H:%M}–{self.closes:%H:%M}"


class Closure(models.Model):
    """Whole days without appointments (holidays of the office, staff training)."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="closures",
                                 verbose_name=_("calendar"))
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    reason_de = models.CharField(_("reason (German)"), max_length=200, blank=True)
    reason_en = models.CharField(_("reason (English)"), max_length=200, blank=True)

    class Meta:
        ordering = ["starts_on"]
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")),
                                   name="closure_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.starts_on:%d.%m.%Y}–{self.ends_on:%d.%m.%Y}"


class Slot(models.Model):
    """One bookable time with its places per channel and how many are taken."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="slots",
                                 verbose_name=_("calendar"))
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    capacity_online = models.PositiveIntegerField(_("online places"))
    capacity_staff = models.PositiveIntegerField(_("phone and counter places"))
    booked_online = models.PositiveIntegerField(_("taken online"), default=0)
    booked_staff = models.PositiveIntegerField(_("taken by staff"), default=0)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("slot")
        verbose_name_plural = _("slots")
        constraints = [
            # Also the index behind every slot list: calendar + time range.
            models.UniqueConstraint(fields=["calendar", "starts_at"],
                                    name="slot_unique_start_per_calendar"),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")),
                                   name="slot_ends_after_start"),
            models.CheckConstraint(
                condition=Q(booked_online__gte=0)
                & Q(booked_online__lte=models.F("capacity_online")),
                name="slot_online_within_capacity"),
            models.CheckConstraint(
                condition=Q(booked_staff__gte=0) & Q(booked_staff__lte=models.F("capacity_staff")),
                name="slot_staff_within_capacity"),
        ]

    def __str__(self) -> str:
        return f"{self.calendar.slug} {timezone.localtime(self.starts_at):%d.%m.%Y %H:%M}"

    def remaining(self, channel: str) -> int:
        if channel == Channel.STAFF:
            return self.capacity_staff - self.booked_staff
        return self.capacity_online - self.booked_online

    @property
    def capacity(self) -> int:
        return self.capacity_online + self.capacity_staff

    @property
    def booked(self) -> int:
        return self.booked_online + self.booked_staff


class BookingStatus(models.TextChoices):
    HELD = "held", _("held while details are entered")
    PENDING = "pending", _("waiting for e-mail confirmation")
    OFFERED = "offered", _("offered, waiting for acceptance")
    CONFIRMED = "confirmed", _("confirmed")
    ATTENDED = "attended", _("attended")
    NO_SHOW = "no_show", _("did not come")
    CANCELLED = "cancelled", _("cancelled")
    EXPIRED = "expired", _("expired")
    DECLINED = "declined", _("declined")


# Bookings that occupy a place on their slot (counted in booked_online / booked_staff).
OCCUPYING = (BookingStatus.HELD, BookingStatus.PENDING, BookingStatus.OFFERED,
             BookingStatus.CONFIRMED, BookingStatus.ATTENDED, BookingStatus.NO_SHOW)
# Bookings that lapse at expires_at unless the citizen acts.
EXPIRING = (BookingStatus.HELD, BookingStatus.PENDING, BookingStatus.OFFERED)
# A person may have one of these per calendar.
ACTIVE_FOR_PERSON = (BookingStatus.PENDING, BookingStatus.OFFERED, BookingStatus.CONFIRMED)


class Booking(models.Model):
    """A place on a slot for one person: held, then confirmed (or offered, then accepted)."""

    reference = models.CharField(_("reference"), max_length=9, unique=True,
                                 default=new_reference, editable=False)
    calendar = models.ForeignKey(Calendar, on_delete=models.PROTECT, related_name="bookings",
                                 verbose_name=_("calendar"))
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="bookings",
                             verbose_name=_("time slot"))
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=12, choices=BookingStatus.choices)
    expires_at = models.DateTimeField(_("lapses at"), null=True, blank=True)
    # Keyed hash of the verified e-mail address (later the BundID person key): see people.py.
    person_key = models.CharField(_("person key"), max_length=64, blank=True, editable=False)
    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(max_length=8, default="de", verbose_name=_("language"))
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                              blank=True, related_name="+", verbose_name=_("booked by"))
    registration = models.ForeignKey("Registration", on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="bookings",
                                     verbose_name=_("draw registration"))
    waitlist_entry = models.ForeignKey("WaitlistEntry", on_delete=models.PROTECT, null=True,
                                       blank=True, related_name="bookings",
                                       verbose_name=_("waiting-list entry"))
    # Bookings moved before moves kept the reference were rebooked: the new booking replaced
    # the old one, whose page still links it. A move now changes the slot of the booking.
    replaces = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+", verbose_name=_("replaces"))
    # How often it was moved: the SEQUENCE of its calendar file, so calendars update the event.
    times_moved = models.PositiveSmallIntegerField(_("times moved"), default=0, editable=False)
    # Keyed hash of the client address that took the hold (never the address): what the
    # limits on holds per address count. Removed once the hold is an hour old (retention).
    client_key = models.CharField(_("client (hashed)"), max_length=32, blank=True,
                                  editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    ended_at = models.DateTimeField(_("cancelled or lapsed"), null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("reminder sent"))
    # The confirmation e-mail is still to be sent (bookings for callers; see outbox.py).
    confirmation_due = models.BooleanField(_("confirmation due"), default=False, editable=False)

    class Meta:
        ordering = ["slot__starts_at", "created_at"]
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        constraints = [
            models.UniqueConstraint(
                fields=["calendar", "person_key"],
                condition=Q(status__in=ACTIVE_FOR_PERSON) & ~Q(person_key=""),
                name="booking_one_active_per_person",
                violation_error_message=_("This person already has an appointment here."),
            ),
            models.CheckConstraint(
                condition=~Q(status__in=EXPIRING) | Q(expires_at__isnull=False),
                name="booking_expiring_has_deadline"),
        ]
        permissions = [
            ("book_for_callers", _("Can book, move and cancel appointments for callers")),
            ("view_statistics", _("Can see appointment statistics")),
        ]
        indexes = [
            models.Index(fields=["status", "expires_at"], name="booking_expiry_idx"),
            models.Index(fields=["slot", "status"], name="booking_slot_status_idx"),
            models.Index(fields=["confirmation_due"], condition=Q(confirmation_due=True),
                         name="booking_confirmation_due_idx"),
            models.Index(fields=["client_key", "created_at"], condition=~Q(client_key=""),
                         name="booking_hold_client_idx"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def occupies(self) -> bool:
        return self.status in OCCUPYING

    @property
    def is_upcoming(self) -> bool:
        return self.status == BookingStatus.CONFIRMED and self.slot.starts_at > timezone.now()


class WaitlistStatus(models.TextChoices):
    WAITING = "waiting", _("waiting")
    OFFERED = "offered", _("offered a place")
    BOOKED = "booked", _("booked")
    LAPSED = "lapsed", _("offer not accepted in time")
    WITHDRAWN = "withdrawn", _("withdrawn")


class WaitlistEntry(models.Model):
    """A person waiting for a place in a full first-come calendar."""

    reference = models.CharField(_("reference"), max_length=9, unique=True,
                                 default=new_reference, editable=False)
    calendar = models.ForeignKey(Calendar, on_delete=models.PROTECT, related_name="waitlist",
                                 verbose_name=_("calendar"))
    status = models.CharField(_("status"), max_length=12, choices=WaitlistStatus.choices,
                              default=WaitlistStatus.WAITING)
    person_key = models.CharField(_("person key"), max_length=64, editable=False)
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(max_length=8, default="de", verbose_name=_("language"))
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices,
                               default=Channel.ONLINE)
    created_at = models.DateTimeField(_("joined"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("waiting-list entry")
        verbose_name_plural = _("waiting list")
        constraints = [
            models.UniqueConstraint(
                fields=["calendar", "person_key"],
                condition=Q(status__in=[WaitlistStatus.WAITING, WaitlistStatus.OFFERED]),
                name="waitlist_one_entry_per_person",
                violation_error_message=_("This person is already on the waiting list."),
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class PriorityGroup(models.Model):
    """A group a draw may favour (by weight) or serve first (by rank)."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE,
                                 related_name="priority_groups", verbose_name=_("calendar"))
    code = models.SlugField(_("code"), max_length=40)
    label_de = models.CharField(_("label (German)"), max_length=200)
    label_en = models.CharField(_("label (English)"), max_length=200, blank=True)
    rank = models.PositiveSmallIntegerField(
        _("rank"), default=1, help_text=_("1 is served first when the draw goes by priority."))
    weight = models.PositiveSmallIntegerField(
        _("weight"), default=1,
        help_text=_("A weight of 3 makes a registration three times as likely to be drawn "
                    "as one of weight 1, when the draw is weighted."))

    class Meta:
        ordering = ["rank", "code"]
        verbose_name = _("priority group")
        verbose_name_plural = _("priority groups")
        constraints = [
            models.UniqueConstraint(fields=["calendar", "code"], name="group_code_per_calendar"),
            models.CheckConstraint(condition=Q(weight__gte=1), name="group_weight_positive"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return _pick(self.label_de, self.label_en)


class DrawMethod(models.TextChoices):
    LOTTERY = "lottery", _("lottery, everyone with the same chance")
    WEIGHTED = "weighted", _("lottery weighted by priority group")
    PRIORITY = "priority", _("priority groups in order, lottery within each group")


class Release(models.Model):
    """Places of a draw calendar released together: a request window, then the draw.

    The seed is fixed when the release is created and only its SHA-256 is shown until the draw,
    so nobody (the town included) can pick a seed after seeing who registered.
    """

    calendar = models.ForeignKey(Calendar, on_delete=models.PROTECT, related_name="releases",
                                 verbose_name=_("calendar"))
    opens_at = models.DateTimeField(_("registration opens"))
    closes_at = models.DateTimeField(_("registration closes (draw)"))
    slots_from = models.DateField(_("appointments from"))
    slots_until = models.DateField(_("appointments until"))
    method = models.CharField(_("draw"), max_length=12, choices=DrawMethod.choices,
                              default=DrawMethod.LOTTERY)
    seed = models.CharField(_("draw seed"), max_length=64, editable=False)
    seed_commitment = models.CharField(_("SHA-256 of the seed"), max_length=64, editable=False)
    drawn_at = models.DateTimeField(_("drawn"), null=True, blank=True)
    registrations_count = models.PositiveIntegerField(_("registrations in the draw"), default=0)
    places_count = models.PositiveIntegerField(_("places drawn"), default=0)

    class Meta:
        ordering = ["-opens_at"]
        verbose_name = _("release")
        verbose_name_plural = _("releases")
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=models.F("opens_at")),
                                   name="release_window_ordered"),
            models.CheckConstraint(condition=Q(slots_until__gte=models.F("slots_from")),
                                   name="release_slots_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.calendar.slug} {self.slots_from:%d.%m.%Y}–{self.slots_until:%d.%m.%Y}"

    @property
    def is_drawn(self) -> bool:
        return self.drawn_at is not None

    def is_open(self, now: dt.datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.opens_at <= now < self.closes_at and not self.is_drawn


class RegistrationStatus(models.TextChoices):
    WAITING = "waiting", _("on the list")
    OFFERED = "offered", _("offered an appointment")
    BOOKED = "booked", _("appointment accepted")
    LAPSED = "lapsed", _("offer not accepted in time")
    DECLINED = "declined", _("offer declined")
    WITHDRAWN = "withdrawn", _("withdrawn")


class Registration(models.Model):
    """A person's request for a place in a draw calendar; stays on the list until served."""

    reference = models.CharField(_("reference"), max_length=9, unique=True,
                                 default=new_reference, editable=False)
    calendar = models.ForeignKey(Calendar, on_delete=models.PROTECT,
                                 related_name="registrations", verbose_name=_("calendar"))
    status = models.CharField(_("status"), max_length=12, choices=RegistrationStatus.choices,
                              default=RegistrationStatus.WAITING)
    person_key = models.CharField(_("person key"), max_length=64, editable=False)
    # Keyed hash of the mailbox behind the e-mail address, +tags and case folded (people.py):
    # one registration per mailbox, however the address is written.
    mailbox_key = models.CharField(_("mailbox key"), max_length=64, blank=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(max_length=8, default="de", verbose_name=_("language"))
    priority_group = models.ForeignKey(PriorityGroup, on_delete=models.PROTECT, null=True,
                                       blank=True, verbose_name=_("priority group"))
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices,
                               default=Channel.ONLINE)
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                              blank=True, related_name="+", verbose_name=_("registered by"))
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            models.UniqueConstraint(
                fields=["calendar", "person_key"],
                condition=Q(status__in=[RegistrationStatus.WAITING, RegistrationStatus.OFFERED]),
                name="registration_one_per_person",
                violation_error_message=_("This person is already registered."),
            ),
            models.UniqueConstraint(
                fields=["calendar", "mailbox_key"],
                condition=Q(status__in=[RegistrationStatus.WAITING, RegistrationStatus.OFFERED])
                & ~Q(mailbox_key=""),
                name="registration_one_per_mailbox",
                violation_error_message=_("This mailbox is already registered."),
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class DrawOutcome(models.TextChoices):
    OFFERED = "offered", _("drawn, offered a place")
    NOT_DRAWN = "not_drawn", _("not drawn this time")


class DrawEntry(models.Model):
    """One registration's line in a draw: the inputs and the result, for anyone to re-check."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="entries",
                                verbose_name=_("release"))
    registration = models.ForeignKey(Registration, on_delete=models.PROTECT,
                                     related_name="draw_entries",
                                     verbose_name=_("draw registration"))
    group_code = models.CharField(max_length=40, blank=True, verbose_name=_("priority group"))
    weight = models.PositiveSmallIntegerField(default=1, verbose_name=_("weight"))
    rank = models.PositiveSmallIntegerField(default=1, verbose_name=_("rank"))
    # The registration's lottery number: see draw.py for how it follows from the seed.
    draw_key = models.CharField(max_length=64, verbose_name=_("lottery number"))
    position = models.PositiveIntegerField(_("position"))
    outcome = models.CharField(max_length=12, choices=DrawOutcome.choices, verbose_name=_("result"))

    class Meta:
        ordering = ["release", "position"]
        verbose_name = _("draw entry")
        verbose_name_plural = _("draw entries")
        constraints = [
            models.UniqueConstraint(fields=["release", "registration"],
                                    name="draw_entry_once_per_release"),
            models.UniqueConstraint(fields=["release", "position"],
                                    name="draw_entry_position_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.registration_id}"


class DrawEventKind(models.TextChoices):
    DRAWN = "drawn", _("draw carried out")
    OFFERED = "offered", _("place offered")
    ACCEPTED = "accepted", _("offer accepted")
    DECLINED = "declined", _("offer declined")
    LAPSED = "lapsed", _("offer not accepted in time")
    NOT_DRAWN = "not_drawn", _("told: not drawn, stays on the list")


class DrawEvent(models.Model):
    """Append-only record of what happened after a draw, in order."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="events",
                                verbose_name=_("release"))
    at = models.DateTimeField(default=timezone.now, verbose_name=_("time"))
    kind = models.CharField(max_length=12, choices=DrawEventKind.choices, verbose_name=_("event"))
    # The registration's reference only: the record is published without personal data.
    reference = models.CharField(max_length=9, blank=True, verbose_name=_("reference"))
    position = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("position"))
    slot_starts_at = models.DateTimeField(null=True, blank=True, verbose_name=_("appointment"))

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("draw event")
        verbose_name_plural = _("draw events")

    def __str__(self) -> str:
        return f"{self.kind} {self.reference}"


class Metric(models.TextChoices):
    REQUEST = "request", _("booking requests")
    SLOT_FULL = "slot_full", _("requests for a full slot")
    BOOKED = "booked", _("bookings")
    CANCELLED = "cancelled", _("cancellations")
    NO_SHOW = "no_show", _("no-shows")
    ATTENDED = "attended", _("attended")
    REGISTERED = "registered", _("draw registrations")
    OFFERED = "offered", _("offers made")
    OFFER_ACCEPTED = "offer_accepted", _("offers accepted")
    OFFER_LAPSED = "offer_lapsed", _("offers expired")
    WAITLISTED = "waitlisted", _("joined the waiting list")
    WAITING_ROOM = "waiting_room", _("waiting-room arrivals")


class DailyCount(models.Model):
    """How often something happened per calendar, day and channel: no people, only numbers."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="+",
                                 verbose_name=_("calendar"))
    day = models.DateField(verbose_name=_("day"))
    metric = models.CharField(max_length=16, choices=Metric.choices, verbose_name=_("figure"))
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.ONLINE,
                               verbose_name=_("channel"))
    value = models.PositiveIntegerField(default=0, verbose_name=_("count"))

    class Meta:
        verbose_name = _("daily count")
        verbose_name_plural = _("daily counts")
        constraints = [
            models.UniqueConstraint(fields=["calendar", "day", "metric", "channel"],
                                    name="daily_count_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.metric} {self.channel}: {self.value}"


class WaitingRoomCounter(models.Model):
    """How many waiting-room tickets one opening of a calendar has given out (without Redis)."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="+",
                                 verbose_name=_("calendar"))
    opens_at = models.DateTimeField(verbose_name=_("opens"))
    issued = models.PositiveIntegerField(default=0, verbose_name=_("tickets issued"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["calendar", "opens_at"],
                                    name="waiting_room_counter_per_opening"),
        ]
        verbose_name = _("waiting-room counter")
        verbose_name_plural = _("waiting-room counters")

    def __str__(self) -> str:
        return f"{self.calendar_id} {self.opens_at:%Y-%m-%d %H:%M}: {self.issued}"


class ApiToken(models.Model):
    """A bearer token for the appointments API; only its SHA-256 is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="api_tokens", verbose_name=_("agent"))
    name = models.CharField(_("name"), max_length=100, blank=True)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("begins with"), max_length=12, editable=False)
    channel = models.CharField(_("books for channel"), max_length=8, choices=Channel.choices,
                               default=Channel.STAFF)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}…"
