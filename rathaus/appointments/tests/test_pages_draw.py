"""Registering for a draw, the draw, the offer, and the public record anyone can check."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from rathaus.appointments import services
from rathaus.appointments.models import (
    Booking,
    BookingStatus,
    Calendar,
    DrawMethod,
    Mode,
    PriorityGroup,
    Registration,
    RegistrationStatus,
    Release,
)

from . import factories
from .pages import (
    calendar_url,
    day_parts,
    de,
    de_n,
    h1,
    input_value,
    link_in,
    links_to,
    mails_to,
    summary_links,
    text,
    title,
)

pytestmark = pytest.mark.django_db(transaction=True)


def later(hours: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(hours=hours)


def draw_calendar(places: int = 1, method: str = DrawMethod.PRIORITY) -> tuple[Calendar, Release]:
    calendar = factories.calendar(mode=Mode.DRAW, name_de="Impftermin", offer_hours=48)
    PriorityGroup.objects.create(calendar=calendar, code="ab-80", label_de="80 Jahre und älter",
                                 label_en="80 years and older", rank=1, weight=4)
    PriorityGroup.objects.create(calendar=calendar, code="alle", label_de="Alle anderen",
                                 label_en="Everyone else", rank=2, weight=1)
    factories.slot(calendar_=calendar, online=places, staff=1, days_ahead=10)
    release = services.open_release(
        calendar=calendar, opens_at=later(-24), closes_at=later(1),
        slots_from=timezone.localdate(), slots_until=timezone.localdate() + dt.timedelta(days=20),
        method=method)
    return calendar, release


def register(client: Client, calendar: Calendar, n: int, group: str = "alle") -> Registration:
    response = client.post(f"/de/appointments/{calendar.slug}/register/", {
        "name": f"Person {n}", "email": f"p{n}@example.org", "phone": "", "group": group,
        "eligible": "yes"})
    assert response.status_code == 302, text(response)
    return Registration.objects.get(email=f"p{n}@example.org")


def test_register_be_drawn_and_accept_or_stay_on_the_list(client: Client) -> None:
    calendar, release = draw_calendar(places=1)

    page = client.get(calendar_url(calendar.slug))
    shown = text(page)
    assert h1(page) == ["Impftermin"]
    assert de("How appointments are given out") in shown
    assert de("Registration is open") in shown
    assert release.seed_commitment in shown
    assert release.seed not in page.content.decode()
    for moment in (release.opens_at, release.closes_at):
        parts = day_parts(timezone.localtime(moment))
        assert f"{parts['weekday']}, {parts['day']}, {parts['time']}" in shown
    for label in ("80 Jahre und älter", "Alle anderen", de("None of these")):
        assert label in shown
    assert de("Proof that you belong to the group is checked at the appointment. Without it, "
              "the appointment cannot take place.") in shown

    response = client.post(f"/de/appointments/{calendar.slug}/register/", {
        "name": "Erika Musterfrau", "email": "erika@example.org", "phone": "",
        "group": "ab-80", "eligible": "yes"})
    assert response.status_code == 302
    erika = Registration.objects.get()
    assert (erika.name, erika.priority_group.code if erika.priority_group else None,
            erika.status) == ("Erika Musterfrau", "ab-80", RegistrationStatus.WAITING)
    receipt = client.get(response["Location"])
    assert h1(receipt) == [de("Please check your e-mail")]
    assert "erika@example.org" in text(receipt)
    assert erika.reference not in text(receipt), "the page is the same for a known address"
    assert de("The draw takes place when registration closes, on %(weekday)s, %(day)s, at "
              "%(time)s.", **day_parts(timezone.localtime(release.closes_at))) in text(receipt)
    receipt_mail = mails_to("erika@example.org")[0]
    assert erika.reference in receipt_mail.body
    assert de("Bring proof that you belong to the group “%(group)s” to the appointment.",
              group="80 Jahre und älter") in receipt_mail.body
    status_path = link_in(receipt_mail, "/registration/")
    status = client.get(status_path)
    assert erika.reference in text(status)
    assert de("on the list") in text(status)

    max_ = register(Client(), calendar, 2, group="alle")

    # The draw: priority by group, so the person of 80 years and older is offered the place.
    services.run_draw(release=release, now=later(2))

    erika.refresh_from_db()
    max_.refresh_from_db()
    assert (erika.status, max_.status) == (RegistrationStatus.OFFERED, RegistrationStatus.WAITING)
    not_drawn = mails_to("p2@example.org")[-1]
    assert not_drawn.subject == de("Not drawn this time: you stay on the list")
    assert de_n('in this draw for "%(calendar)s", %(places)s appointment was given out among '
                "%(registrations)s registrations, and your registration was not drawn this "
                "time.",
                'in this draw for "%(calendar)s", %(places)s appointments were given out among '
                "%(registrations)s registrations, and your registration was not drawn this "
                "time.", 1, places=1, calendar="Impftermin", registrations=2) in not_drawn.body
    assert de("on the list") in text(Client().get(link_in(not_drawn, "/registration/")))

    status = client.get(status_path)
    assert de("See the offered appointment") in text(status)
    offer_mail = mails_to("erika@example.org")[-1]
    offer_path = link_in(offer_mail, "/appointment/")
    assert links_to(status, offer_path)
    page = client.get(offer_path)
    assert h1(page) == [de("An appointment is free for you")]
    client.post(offer_path, {"action": "accept"})

    booking = Booking.objects.get(registration=erika)
    assert booking.status == BookingStatus.CONFIRMED
    assert Registration.objects.get(pk=erika.pk).status == RegistrationStatus.BOOKED
    assert de("You have an appointment on %(weekday)s, %(day)s, at %(time)s.",
              **day_parts(timezone.localtime(booking.slot.starts_at))) in text(
        client.get(status_path))
    # A drawn appointment cannot be moved online (it was given out by the draw), and the page
    # says why and whom to call instead.
    manage_page = text(client.get(offer_path))
    assert de("Choose another time") not in manage_page
    assert de("Appointments given out by a draw cannot be moved online. If you need another "
              "time, please call the citizens' office on %(phone)s. If you cannot come, please "
              "cancel the appointment so that the next person on the list gets it.",
              phone=settings.RATHAUS_TOWN["phone"]) in manage_page
    assert client.get(f"{offer_path}reschedule/").status_code == 302

    # The calendar page now links the record of the draw.
    assert f"/de/appointments/{calendar.slug}/draws/{release.pk}/" in client.get(
        calendar_url(calendar.slug)).content.decode()


def test_the_draw_record_shows_everything_but_names(client: Client, tmp_path: Path) -> None:
    calendar, release = draw_calendar(places=2, method=DrawMethod.WEIGHTED)
    people = [register(Client(), calendar, n, group=("ab-80", "alle", "none")[n % 3])
              for n in range(7)]
    record = f"/de/appointments/{calendar.slug}/draws/{release.pk}/"
    before = client.get(record)
    assert release.seed_commitment in text(before)
    assert release.seed not in before.content.decode()
    assert client.get(f"{record}?format=csv").status_code == 404

    services.run_draw(release=release, now=later(2))
    offered = Booking.objects.filter(status=BookingStatus.OFFERED).first()
    assert offered is not None
    services.decline_offer(booking=offered)

    page = client.get(record)
    assert page.status_code == 200
    body = page.content.decode()
    shown = text(page)
    release.refresh_from_db()
    assert release.seed in shown
    assert release.seed_commitment in shown
    assert h1(page) == [de("Record of the draw")]
    for person in people:
        assert person.reference in shown
        assert person.name not in shown
        assert person.email not in body
    entries = list(release.entries.order_by("position").select_related("registration"))
    references = re.findall(r'class="kern-table__cell reference">([^<]+)<', body)
    assert references[:7] == [entry.registration.reference for entry in entries]
    assert entries[0].draw_key in shown
    assert "80 Jahre und älter ab-80 4 1" in shown  # the group's weight and rank as drawn
    assert de("offer declined") in shown
    assert de("place offered") in shown

    response = client.get(f"{record}?format=csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["reference"] for row in rows] == [e.registration.reference for e in entries]
    assert {row["outcome"] for row in rows} == {"offered", "not_drawn"}
    assert "name" not in rows[0]

    # The check in docs/appointments.md recomputes the order from the seed alone.
    (tmp_path / "draw.csv").write_bytes(response.content)
    script = re.search(r"```python\n(.*?)```",
                       (Path(settings.BASE_DIR) / "docs" / "appointments.md").read_text(),
                       re.S)
    assert script is not None
    (tmp_path / "check_draw.py").write_text(script.group(1))
    checked = subprocess.run(  # noqa: S603
        [sys.executable, "check_draw.py", "draw.csv", release.seed, release.seed_commitment,
         release.method], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr
    assert "OK: 7 registrations in the order the seed gives." in checked.stdout

    # A changed order is caught.
    rows[0]["position"], rows[1]["position"] = rows[1]["position"], rows[0]["position"]
    with (tmp_path / "draw.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    tampered = subprocess.run(  # noqa: S603
        [sys.executable, "check_draw.py", "draw.csv", release.seed, release.seed_commitment,
         release.method], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert tampered.returncode != 0


def test_withdraw_a_registration(client: Client) -> None:
    calendar, release = draw_calendar()
    erika = register(client, calendar, 1)
    status_path = link_in(mails_to("p1@example.org")[0], "/registration/")

    step = client.get(f"{status_path}?action=withdraw")
    assert h1(step) == [de("Withdraw your registration?")]
    assert Registration.objects.get().status == RegistrationStatus.WAITING
    client.post(status_path, {"action": "withdraw"})
    client.post(status_path, {"action": "withdraw"})

    assert Registration.objects.get(pk=erika.pk).status == RegistrationStatus.WITHDRAWN
    page = client.get(status_path)
    assert de("Your registration has been withdrawn.") in text(page)
    assert de("This registration is no longer on the list.") in text(page)
    # Withdrawn, the person may register again; only the new registration is drawn.
    again = Client().post(f"/de/appointments/{calendar.slug}/register/", {
        "name": "Person 1", "email": "p1@example.org", "group": "alle", "eligible": "yes"})
    assert again.status_code == 302
    services.run_draw(release=release, now=later(2))
    release.refresh_from_db()
    assert release.registrations_count == 1
    assert list(release.entries.values_list("registration__status", flat=True)) == [
        RegistrationStatus.OFFERED]
    assert Registration.objects.get(pk=erika.pk).status == RegistrationStatus.WITHDRAWN


def test_registration_form_errors_keep_the_input(client: Client) -> None:
    calendar, _ = draw_calendar()
    register(Client(), calendar, 1)

    missing = client.post(f"/de/appointments/{calendar.slug}/register/",
                          {"name": "Erika", "email": "erika@example", "group": "vip"})
    twice = client.post(f"/de/appointments/{calendar.slug}/register/", {
        "name": "Person 1", "email": "P1@example.org", "group": "alle", "eligible": "yes"})

    assert title(missing).startswith(de("Error:"))
    assert summary_links(missing) == ["email", "group-ab-80", "eligible"]
    assert de("Choose the group you belong to, or “None of these”.") in text(missing)
    assert de("Confirm the statement to register.") in text(missing)
    assert input_value(missing, "name") == "Erika"
    assert input_value(missing, "email") == "erika@example"
    assert twice.status_code == 302  # the same answer as for a new registration
    assert Registration.objects.count() == 1


def test_outside_a_window_the_page_says_when_the_next_one_opens(client: Client) -> None:
    calendar, release = draw_calendar()
    Release.objects.filter(pk=release.pk).update(opens_at=later(24), closes_at=later(48))

    page = client.get(calendar_url(calendar.slug))
    posted = client.post(f"/de/appointments/{calendar.slug}/register/", {
        "name": "Erika", "email": "erika@example.org", "group": "alle", "eligible": "yes"})

    assert de("Registration is closed at the moment") in text(page)
    assert de("The next registration window opens on %(weekday)s, %(day)s, at %(time)s.",
              **day_parts(timezone.localtime(later(24)))).split(",")[0] in text(page)
    assert release.seed_commitment in text(page)
    assert 'name="eligible"' not in page.content.decode()
    assert title(posted).startswith(de("Error:"))
    assert de("Registration is closed at the moment.") in text(posted)
    assert Registration.objects.count() == 0

    Release.objects.all().delete()
    assert de("No new registration window has been announced yet. Please look again later.") \
        in text(client.get(calendar_url(calendar.slug)))
