"""Read the citizen pages and e-mails of appointments as a person would, through the test client."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

from django.conf import settings
from django.core import mail
from django.test import Client
from django.utils import formats, timezone, translation
from django.utils.translation import gettext, ngettext, pgettext

from rathaus.appointments.models import Booking, Slot


def de(msgid: str, **params: Any) -> str:
    """A message as the German page shows it (the English msgid until it is translated)."""
    with translation.override("de"):
        message = gettext(msgid)
    return message % params if params else message


def de_n(singular: str, plural: str, count: int, **params: Any) -> str:
    with translation.override("de"):
        message = ngettext(singular, plural, count)
    return message % {"count": count, **params}


def text(response: Any) -> str:
    """The visible text of a page: tags removed, entities decoded, whitespace collapsed."""
    body = response.content.decode()
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    body = re.sub(r"<[^>]+>", " ", body)
    return re.sub(r"\s+", " ", html.unescape(body)).strip()


def title(response: Any) -> str:
    found = re.search(r"<title>(.*?)</title>", response.content.decode(), re.S)
    assert found, "the page has no title"
    return html.unescape(found.group(1)).strip()


def h1(response: Any) -> list[str]:
    return [re.sub(r"<[^>]+>|\s+", " ", html.unescape(item)).strip()
            for item in re.findall(r"<h1\b[^>]*>(.*?)</h1>", response.content.decode(), re.S)]


def summary_links(response: Any) -> list[str]:
    """The input ids the error summary links to, in order."""
    match = re.search(r'id="error-summary".*?</ul>', response.content.decode(), re.S)
    return re.findall(r'href="#([^"]+)"', match.group(0)) if match else []


def radios(response: Any, name: str = "slot") -> list[str]:
    """The values of the radio buttons with this name, in page order."""
    return re.findall(rf'<input[^>]*type="radio"[^>]*name="{name}"[^>]*value="([^"]*)"',
                      response.content.decode())


def input_value(response: Any, name: str) -> str | None:
    for tag in re.findall(r"<input\b[^>]*>", response.content.decode()):
        if f'name="{name}"' in tag:
            found = re.search(r'value="([^"]*)"', tag)
            return html.unescape(found.group(1)) if found else ""
    return None


def path_of(url: str) -> str:
    """The path of an absolute link in an e-mail, to open with the test client."""
    assert url.startswith(settings.RATHAUS_BASE_URL), url
    return url.removeprefix(settings.RATHAUS_BASE_URL)


def links_to(response: Any, path: str) -> bool:
    """Whether the page links to the signed path (signed again, maybe in another second)."""
    signed = path.split(":")[0] + ":"
    return f'href="{signed}' in response.content.decode()


def mails_to(address: str) -> list[Any]:
    return [message for message in mail.outbox if address in message.to]


def link_in(message: Any, part: str) -> str:
    """The path of the first link in the e-mail whose path contains ``part``."""
    for url in re.findall(r"https?://\S+", message.body):
        if part in url:
            return path_of(url)
    raise AssertionError(f"no link with {part!r} in:\n{message.body}")


def local_day(value: dt.datetime | dt.date, language: str = "de") -> str:
    """A date as the pages write it: weekday, date in the language's format."""
    with translation.override(language):
        return f"{formats.date_format(value, 'l')}, {formats.date_format(value, 'DATE_FORMAT')}"


def day_parts(value: dt.datetime | dt.date, language: str = "de") -> dict[str, str]:
    """The weekday, date and time of a moment as the pages fill them into their sentences."""
    with translation.override(language):
        parts = {"weekday": formats.date_format(value, "l"),
                 "day": formats.date_format(value, "DATE_FORMAT")}
    if isinstance(value, dt.datetime):
        parts["time"] = clock(value)
    return parts


def clock(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%H:%M")


def times(slot: Slot) -> str:
    """The time of a slot as its radio label and the summaries say it."""
    with translation.override("de"):
        message = pgettext("from one clock time to another", "%(start)s to %(end)s")
    return message % {"start": clock(slot.starts_at), "end": clock(slot.ends_at)}


def calendar_url(slug: str, language: str = "de") -> str:
    return f"/{language}/appointments/{slug}/"


def hold(client: Client, slot: Slot, language: str = "de") -> Any:
    day = timezone.localdate(slot.starts_at).isoformat()
    return client.post(f"/{language}/appointments/{slot.calendar.slug}/hold/",
                       {"slot": str(slot.pk), "date": day})


PERSON = {"name": "Erika Musterfrau", "email": "erika@example.org", "phone": "05121 301-0"}


def book(client: Client, slot: Slot, person: dict[str, str] | None = None,
         language: str = "de") -> Booking:
    """Pick, hold, enter details and confirm through the pages; return the confirmed booking."""
    person = person or PERSON
    held = hold(client, slot, language)
    assert held.status_code == 302, text(held)
    details = client.post(held["Location"], person)
    assert details.status_code == 302, text(details)
    confirm = link_in(mails_to(person["email"])[-1], "/appointment/confirm/")
    assert client.post(confirm).status_code == 302
    booking = Booking.objects.get(email=person["email"], status="confirmed")
    return booking
