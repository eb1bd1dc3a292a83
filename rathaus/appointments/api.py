"""The JSON API for agents' tools and kiosks: calendars, free places, bookings.

Every request carries ``Authorization: Bearer <token>`` (see tokens.py); a browser session
cookie alone authenticates nothing here, so CSRF does not apply. The booking POST is the hot path
of a rush on one slot: one query for the token, then only the service's own queries.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Annotated, Any, Literal

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Router, Schema, Status
from ninja.errors import AuthorizationError, HttpError, ValidationError
from ninja.security import HttpBearer
from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError

from rathaus.audit.models import Action
from rathaus.audit.services import record as audit

from . import services
from .agent_selectors import booking_by_reference, day_slots, phone_is_plausible
from .models import Booking, BookingStatus, Calendar, Channel, Mode
from .tokens import Bearer, find_token, touch


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Bearer | None:
        bearer = find_token(token)
        if bearer is None:
            return None
        if not bearer.may_book:
            raise AuthorizationError(message=_("This token may not book appointments."))
        touch(bearer.token)
        return bearer


api = NinjaAPI(
    title="Rathaus API",
    version="1",
    description="Appointments for agents' tools and kiosks. See docs/api.md.",
    urls_namespace="api",
    auth=BearerToken(),
    # The bundled docs page loads Swagger UI from a CDN, which our CSP (and the rule of no
    # third-party requests) forbids: only the schema is served, at /api/v1/openapi.json.
    docs_url=None,
)
router = Router(tags=["appointments"])


# --- schemas ---------------------------------------------------------------------------------


class CalendarOut(Schema):
    slug: str
    name: str


class SlotOut(Schema):
    id: int
    start: dt.datetime = Field(description="Start, ISO 8601 with the offset of Europe/Berlin.")
    end: dt.datetime
    remaining: int = Field(description="Places left for the token's channel.")


# Beyond these, a lookup fails in the database (bigint, year 9999) instead of finding nothing.
# The schema states them as JSON Schema can (the years as a pattern), and the checks below are
# exactly what it states: a request the schema calls valid is never answered 422.
MAX_ID = 2**63 - 1
DAY_PATTERN = r"^2[0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
# As phone_is_plausible: digits, spaces, ()/.- and a leading +, at least three digits; or empty.
PHONE_PATTERN = r"^$|^(?=(?:[^0-9]*[0-9]){3})\+?[0-9 ()/.\-]{3,40}$"
_DAY = re.compile(DAY_PATTERN)


def _day_text(value: object) -> object:
    """Refuse anything but YYYY-MM-DD from 2000 to 2999 (pydantic would take a timestamp)."""
    if not isinstance(value, str) or not _DAY.match(value):
        raise PydanticCustomError("date_format", "Enter a date as YYYY-MM-DD.")
    return value


Day = Annotated[dt.date, BeforeValidator(_day_text), WithJsonSchema(
    {"type": "string", "format": "date", "pattern": DAY_PATTERN,
     "description": "A day from 2000-01-01 to 2999-12-31, YYYY-MM-DD (Europe/Berlin)."})]


class BookingIn(Schema):
    # Strict: "5" or true is no slot id, as the schema's "integer" says.
    model_config = ConfigDict(strict=True, json_schema_extra={
        "description": "A phone number or an e-mail address is required.",
        "anyOf": [{"required": ["phone"], "properties": {"phone": {"minLength": 1}}},
                  {"required": ["email"], "properties": {"email": {"minLength": 1}}}]})

    slot_id: int = Field(gt=0, le=MAX_ID)
    # Checked as sent, then stripped: the limits are the schema's, on the characters sent.
    name: Annotated[str, Field(min_length=1, max_length=200, pattern=r"\S"),
                    AfterValidator(str.strip)]
    email: str = Field(default="", max_length=254, json_schema_extra={
        "anyOf": [{"maxLength": 0}, {"format": "email"}]})
    phone: str = Field(default="", max_length=40, validate_default=True,
                       json_schema_extra={"pattern": PHONE_PATTERN},
                       description="A phone number or an e-mail address is required.")
    language: Literal["de", "en"] = Field(default="de",
                                          description="Language of the confirmation e-mail.")

    @field_validator("email")
    @classmethod
    def _valid_email(cls, value: str) -> str:
        value = value.strip()
        if value:
            try:
                validate_email(value)
            except DjangoValidationError:
                raise ValueError(_("Enter a valid e-mail address.")) from None
        return value

    @field_validator("phone")
    @classmethod
    def _valid_phone(cls, value: str, info: ValidationInfo) -> str:
        value = value.strip()
        if value and not phone_is_plausible(value):
            raise ValueError(_("Enter a phone number, for example 05121 301-0."))
        if not value and "email" in info.data and not info.data["email"]:
            raise ValueError(_("Give a phone number or an e-mail address."))
        return value


class BookingCreated(Schema):
    id: str = Field(description="The booking's reference, as read out to the caller.")
    status: str
    slot_id: int


class BookingOut(BookingCreated):
    calendar: str
    start: dt.datetime
    end: dt.datetime
    channel: str
    name: str
    email: str
    phone: str


class Error(Schema):
    error: str


class Problem(Error):
    message: str


class Invalid(Problem):
    fields: dict[str, list[str]]


# --- errors ----------------------------------------------------------------------------------

_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
          405: "method_not_allowed", 429: "throttled"}


def _problem(request: HttpRequest, status: int, code: str, message: str,
             **extra: Any) -> HttpResponse:
    return api.create_response(request, {"error": code, "message": message, **extra},
                               status=status)


def _conflict(request: HttpRequest, code: str) -> HttpResponse:
    """Answer 409 with the domain error's code, the expected outcome of a rush on a slot."""
    response = api.create_response(request, {"error": code}, status=409)
    # Thousands of these in a rush are the system working: not worth a warning line each.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    status = exc.status_code
    if status == 401:
        response = _problem(request, 401, "unauthorized",
                            _("Send a valid API token: Authorization: Bearer <token>."))
        response["WWW-Authenticate"] = "Bearer"
        return response
    message = _("The request body is not valid JSON.") if status == 400 else str(exc)
    return _problem(request, status, _CODES.get(status, "error"), message)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _problem(request, 404, "not_found", str(exc) or _("Not found."))


def _field_message(error: dict[str, Any]) -> str:
    kind = str(error.get("type", ""))
    if kind == "missing":
        return _("This field is required.")
    if kind.startswith("date"):
        return _("Enter a date as YYYY-MM-DD, for example 2026-03-30.")
    if kind == "value_error":
        return str(error.get("ctx", {}).get("error", error.get("msg", "")))
    if kind == "string_type":
        return _("Enter text.")
    if kind.startswith("int"):
        return _("Enter a whole number.")
    if kind in ("string_too_short", "string_pattern_mismatch"):  # the name: blank
        return _("This field is required.")
    if kind == "string_too_long":
        return _("Use at most %(count)d characters.") % {
            "count": error.get("ctx", {}).get("max_length", 0)}
    return str(error.get("msg", ""))


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        # ninja's locations look like ("body", "payload", "email") or ("query", "date").
        names = [str(part) for part in error.get("loc", ()) if part not in ("body", "payload")]
        name = ".".join(names[1:] if names[:1] in (["query"], ["path"]) else names) or "body"
        fields.setdefault(name, []).append(_field_message(error))
    return _problem(request, 422, "invalid", _("Some fields are missing or not valid."),
                    fields=fields)


# --- endpoints -------------------------------------------------------------------------------

# Documented in the schema; the exception handlers above write these bodies.
REFUSED: dict[int, Any] = {401: Problem, 403: Problem}


@router.get("/calendars", response={200: list[CalendarOut], **REFUSED},
            summary="List calendars")
def list_calendars(request: HttpRequest) -> list[dict[str, str]]:
    return [{"slug": c.slug, "name": c.name} for c in Calendar.objects.filter(is_active=True)]


@router.get("/calendars/{slug}/slots",
            response={200: list[SlotOut], **REFUSED, 404: Problem, 422: Invalid},
            summary="List a day's slots")
def list_slots(request: HttpRequest, slug: str, date: Day) -> HttpResponse:
    """Return the slots of one day (local time), with the places left for the token's channel.

    Agents' tools and kiosks poll this: one indexed range query (joined with the calendar,
    written out in ``day_slots``), and the JSON is written directly (the response schema above
    documents it for OpenAPI); the same body serves every request of the next
    ``RATHAUS_SLOT_LIST_CACHE_SECONDS``.
    """
    channel = request.auth.channel  # type: ignore[attr-defined]
    # Like the calendar page's slot list, the answer may be a few seconds old: the places left
    # are a hint, the booking checks them again (docs/api.md). The copy is in the shared cache.
    seconds = settings.RATHAUS_SLOT_LIST_CACHE_SECONDS
    key = f"api-slots:{slug}:{date.isoformat()}:{channel}"
    body = cache.get(key) if seconds > 0 else None
    if body is None:
        body = _slots_json(slug, date, channel)
        if seconds > 0:
            cache.set(key, body, seconds)
    return HttpResponse(body, content_type="application/json")


def _slots_json(slug: str, date: dt.date, channel: str) -> str:
    rows = day_slots(slug, date, channel)
    if not rows and not Calendar.objects.filter(slug=slug, is_active=True).exists():
        raise Http404(_("There is no calendar with this name."))
    now = timezone.now()
    today = timezone.localdate(now)
    slots = []
    for pk, starts, ends, places, taken, mode, book_from, book_until in rows:
        bookable = starts.moment > now and (channel != Channel.ONLINE or (
            mode == Mode.FIRST_COME
            and book_from <= (starts.moment.date() - today).days <= book_until))
        slots.append({"id": pk, "start": starts.iso, "end": ends.iso,
                      "remaining": max(0, places - taken) if bookable else 0})
    return json.dumps(slots)


@router.post("/bookings",
             response={201: BookingCreated, 400: Problem, **REFUSED, 409: Error,
                       422: Invalid},
             summary="Book a place")
def create_booking(request: HttpRequest, payload: BookingIn
                   ) -> Status[dict[str, Any]] | HttpResponse:
    """Book a confirmed appointment for a caller from the token's channel.

    409 answers ``{"error": "slot_full"}`` when the channel's places on the slot are taken,
    ``already_booked`` when the person has an appointment in this calendar, and
    ``not_bookable`` for a slot that is past, unknown or not open to this channel.
    """
    bearer: Bearer = request.auth  # type: ignore[attr-defined]
    person = services.Person(name=payload.name, email=payload.email, phone=payload.phone,
                             language=payload.language)
    try:
        booking = services.book_for_caller(slot_id=payload.slot_id, person=person,
                                           agent=bearer.user, channel=bearer.channel)
    except services.BookingError as error:
        return _conflict(request, error.code)
    return Status(201, {"id": booking.reference, "status": booking.status,
                        "slot_id": booking.slot_id})


def _booking(reference: str) -> Booking:
    booking = booking_by_reference(reference)
    if booking is None:
        raise Http404(_("There is no booking with this reference."))
    return booking


@router.get("/bookings/{id}", response={200: BookingOut, **REFUSED, 404: Problem},
            summary="Show a booking")
def get_booking(request: HttpRequest, id: str) -> dict[str, Any]:
    booking = _booking(id)
    return {"id": booking.reference, "status": booking.status, "slot_id": booking.slot_id,
            "calendar": booking.calendar.slug,
            "start": timezone.localtime(booking.slot.starts_at),
            "end": timezone.localtime(booking.slot.ends_at), "channel": booking.channel,
            "name": booking.name, "email": booking.email, "phone": booking.phone}


@router.delete("/bookings/{id}", response={204: None, **REFUSED, 404: Problem, 409: Error},
               summary="Cancel a booking")
def cancel_booking(request: HttpRequest, id: str) -> Status[None] | HttpResponse:
    """Cancel a booking and give its place back; cancelling twice answers 204 again.

    Appointments that already took place (attended, missed) cannot be cancelled: 409
    ``not_cancellable``.
    """
    bearer: Bearer = request.auth  # type: ignore[attr-defined]
    found = _booking(id)
    was = found.status
    booking = services.cancel_booking(booking=found)
    if booking.status != BookingStatus.CANCELLED:
        return _conflict(request, "not_cancellable")
    if was != BookingStatus.CANCELLED:
        audit(action=Action.APPOINTMENT_CANCELLED, request=request, actor=bearer.user,
              target=booking, department=found.calendar.department_id,
              message=f"API token {bearer.token.prefix}")
    return Status(204, None)


api.add_router("/appointments/", router)
