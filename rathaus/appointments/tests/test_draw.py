"""The draw: reproducible from its published seed, fair, weighted and ordered as configured.

The statistical tests run over fixed seeds, so they are deterministic; the significance level says
how likely a fair draw would be to fail them with a fresh set of seeds. Each test also runs its
statistic on a deliberately unfair order to show that it would notice.

Chi-square critical values (upper tail, p = 0.001) from the NIST/SEMATECH e-Handbook of Statistical
Methods, section 1.3.6.7.4 "Critical Values of the Chi-Square Distribution":
4 df: 18.467, 7 df: 24.322, 16 df: 39.252, 49 df: 85.351.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
import random
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

import pytest
from django.core.mail import EmailMessage
from django.utils import timezone, translation
from django.utils.translation import gettext
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from rathaus.appointments import draw, services
from rathaus.appointments.models import (
    Booking,
    BookingStatus,
    Calendar,
    DrawEntry,
    DrawEvent,
    DrawEventKind,
    DrawOutcome,
    Mode,
    PriorityGroup,
    Registration,
    RegistrationStatus,
    Release,
    Slot,
)
from rathaus.appointments.tests import factories

CHI2_CRITICAL_001 = {4: 18.467, 7: 24.322, 16: 39.252, 49: 85.351}
DRAWS = 4000
SIGMAS = 5  # a fair draw lands further out than this with probability below 1e-6

Order = Callable[[Sequence[draw.Ticket], str], list[draw.Ticket]]


def seeds(purpose: str, n: int = DRAWS) -> list[str]:
    """Return fixed seeds shaped like real ones (64 hex digits)."""
    return [hashlib.sha256(f"rathaus-test-{purpose}-{i}".encode()).hexdigest() for i in range(n)]


def tickets(n: int, prefix: str = "T", **fields: int) -> list[draw.Ticket]:
    return [draw.Ticket(reference=f"{prefix}{i:03d}-TEST", **fields) for i in range(n)]


def drawn(method: str) -> Order:
    def run(pool: Sequence[draw.Ticket], seed: str) -> list[draw.Ticket]:
        return [ticket for ticket, _ in draw.order(pool, seed=seed, method=method)]

    return run


def position_counts(pool: Sequence[draw.Ticket], run: Order, purpose: str) -> list[list[int]]:
    """Return how often each ticket (row) ended up in each position (column)."""
    index = {ticket.reference: i for i, ticket in enumerate(pool)}
    counts = [[0] * len(pool) for _ in pool]
    for seed in seeds(purpose):
        for position, ticket in enumerate(run(pool, seed)):
            counts[index[ticket.reference]][position] += 1
    return counts


def chi_square(observed: Sequence[int]) -> float:
    """Pearson's statistic for counts that should be equal (k - 1 degrees of freedom)."""
    expected = sum(observed) / len(observed)
    return sum((o - expected) ** 2 / expected for o in observed)


def anderson(counts: Sequence[Sequence[int]]) -> float:
    """Anderson's statistic for an n x n table of positions: chi-square with (n - 1)**2 df.

    Rows and columns of the table are fixed sums, and each draw adds a permutation matrix whose
    covariance is 1/(n - 1) times the projection onto tables with zero row and column sums; so
    Pearson's sum is scaled by (n - 1)/n (R. L. Anderson, Biometrics 15 (1959) 582-590).
    """
    n = len(counts)
    expected = sum(counts[0]) / n
    return (n - 1) / n * sum((o - expected) ** 2 / expected for row in counts for o in row)


def within_sigmas(observed: int, draws: int, p: float) -> bool:
    return abs(observed - draws * p) <= SIGMAS * math.sqrt(draws * p * (1 - p))


# --- reproducible from the seed ---------------------------------------------------------------

references = st.lists(st.text("0123456789ABCDEFGHJKMNPQRSTVWXYZ-", min_size=1, max_size=9),
                      min_size=1, max_size=20, unique=True)
some_seed = st.text("0123456789abcdef", min_size=64, max_size=64)


@hypothesis_settings(database=None, max_examples=100, deadline=None)
@given(references, some_seed, st.sampled_from(["lottery", "weighted", "priority"]),
       st.randoms(use_true_random=False), st.data())
def test_order_depends_only_on_seed_and_the_set_of_tickets(
        refs: list[str], seed: str, method: str, rng: random.Random, data: st.DataObject) -> None:
    pool = [draw.Ticket(reference=r, weight=data.draw(st.integers(1, 5)),
                        rank=data.draw(st.integers(1, 3))) for r in refs]
    shuffled = list(pool)
    rng.shuffle(shuffled)

    first = draw.order(pool, seed=seed, method=method)
    assert draw.order(shuffled, seed=seed, method=method) == first
    assert sorted(t.reference for t, _ in first) == sorted(refs)
    for ticket, number in first:
        # The published recipe, recomputed without draw.py: HMAC-SHA256(seed, reference).
        digest = hmac.new(seed.encode(), ticket.reference.encode(), hashlib.sha256).hexdigest()
        assert f"{number:064x}" == digest
    if method == "priority":
        assert [t.rank for t, _ in first] == sorted(t.rank for t in pool)


def test_a_different_seed_gives_a_different_order() -> None:
    pool = tickets(8)
    orders = {tuple(drawn("lottery")(pool, seed)) for seed in seeds("distinct", 20)}
    assert len(orders) == 20  # 8! = 40,320 orders: a repeat among 20 fair draws is a 0.5 % chance


def test_commitment_is_the_sha256_of_the_seed() -> None:
    seed, commitment = draw.new_seed()
    assert commitment == hashlib.sha256(seed.encode()).hexdigest() == draw.commitment(seed)
    assert len(seed) == 64
    assert int(seed, 16) >= 0
    assert draw.new_seed()[0] != seed


# --- uniform ----------------------------------------------------------------------------------


@cache
def lottery_counts() -> tuple[list[list[int]], list[list[int]], list[list[int]]]:
    pool = tickets(8)

    def by_reference(pool: Sequence[draw.Ticket], seed: str) -> list[draw.Ticket]:
        return sorted(pool, key=lambda t: t.reference)

    def naive_shuffle(pool: Sequence[draw.Ticket], seed: str) -> list[draw.Ticket]:
        # The classic mistake: swap each place with any place (n**n paths onto n! orders).
        shuffled = sorted(pool, key=lambda t: t.reference)
        for i in range(len(shuffled)):
            j = draw.lottery_number(seed, f"swap-{i}") % len(shuffled)
            shuffled[i], shuffled[j] = shuffled[j], shuffled[i]
        return shuffled

    return (position_counts(pool, drawn("lottery"), "lottery"),
            position_counts(pool, by_reference, "lottery"),
            position_counts(pool, naive_shuffle, "lottery"))


def test_every_ticket_is_equally_likely_to_be_drawn_first() -> None:
    fair, by_reference, _ = lottery_counts()

    assert chi_square([row[0] for row in fair]) < CHI2_CRITICAL_001[7]
    # The harness sees an order that always puts the same ticket first.
    assert chi_square([row[0] for row in by_reference]) > CHI2_CRITICAL_001[7]


def test_every_ticket_is_equally_likely_in_every_position() -> None:
    fair, by_reference, naive_shuffle = lottery_counts()

    assert anderson(fair) < CHI2_CRITICAL_001[49]
    # The harness sees a fixed order and a subtly biased shuffle.
    assert anderson(by_reference) > CHI2_CRITICAL_001[49]
    assert anderson(naive_shuffle) > CHI2_CRITICAL_001[49]


# --- weighted and priority --------------------------------------------------------------------


def heavy_at_position(heavy: int, light: int, weight: int) -> list[float]:
    """Return the exact chance that the k-th ticket drawn is heavy, drawing by weight.

    Each draw without replacement picks a ticket with probability proportional to its weight.
    """
    chances = [0.0] * (heavy + light)
    states = {0: 1.0}  # heavy tickets drawn so far -> probability
    for position in range(heavy + light):
        following: dict[int, float] = {}
        for drawn_heavy, p in states.items():
            heavy_left, light_left = heavy - drawn_heavy, light - (position - drawn_heavy)
            if heavy_left < 0 or light_left < 0:
                continue  # more drawn of one kind than there are: unreachable, p == 0
            total = weight * heavy_left + light_left
            p_heavy = weight * heavy_left / total
            chances[position] += p * p_heavy
            following[drawn_heavy + 1] = following.get(drawn_heavy + 1, 0.0) + p * p_heavy
            following[drawn_heavy] = following.get(drawn_heavy, 0.0) + p * (1 - p_heavy)
        states = following
    return chances


def test_weighted_draw_favours_the_heavier_group_exactly_as_configured() -> None:
    # Two registrations of a group with weight 3 among six of weight 1.
    pool = tickets(2, "H", weight=3) + tickets(6, "L", weight=1)
    expected = heavy_at_position(heavy=2, light=6, weight=3)
    assert expected[0] == pytest.approx(2 * 3 / (2 * 3 + 6 * 1))

    def heavy_counts(run: Order) -> list[int]:
        counts = [0] * len(pool)
        for seed in seeds("weighted"):
            for position, ticket in enumerate(run(pool, seed)):
                counts[position] += ticket.weight == 3
        return counts

    weighted = position_counts(pool, drawn("weighted"), "weighted")
    for heavy in weighted[:2]:  # each heavy ticket: 3 / (3 + 3 + 6)
        assert within_sigmas(heavy[0], DRAWS, 3 / 12)
    for light in weighted[2:]:
        assert within_sigmas(light[0], DRAWS, 1 / 12)
    assert all(within_sigmas(count, DRAWS, p)
               for count, p in zip(heavy_counts(drawn("weighted")), expected, strict=True))

    def times_weight(pool: Sequence[draw.Ticket], seed: str) -> list[draw.Ticket]:
        # A plausible mistake: multiply the random number by the weight.
        return sorted(pool, key=lambda t: -draw.lottery_number(seed, t.reference) * t.weight)

    # The tolerance is tight enough to catch unweighted and wrongly weighted draws.
    assert not within_sigmas(heavy_counts(drawn("lottery"))[0], DRAWS, expected[0])
    assert not within_sigmas(heavy_counts(times_weight)[0], DRAWS, expected[0])


def test_priority_serves_rank_one_first_and_draws_uniformly_within_each_rank() -> None:
    pool = tickets(3, "A", rank=1) + tickets(5, "B", rank=2)
    counts = position_counts(pool, drawn("priority"), "priority")

    first_rank = [row[:3] for row in counts[:3]]
    second_rank = [row[3:] for row in counts[3:]]
    assert all(sum(row) == DRAWS for row in first_rank + second_rank)  # never mixed
    assert anderson(first_rank) < CHI2_CRITICAL_001[4]
    assert anderson(second_rank) < CHI2_CRITICAL_001[16]

    by_reference = position_counts(pool, lambda p, s: sorted(p, key=lambda t: t.reference),
                                   "priority")
    assert anderson([row[3:] for row in by_reference[3:]]) > CHI2_CRITICAL_001[16]


# --- a draw through the services --------------------------------------------------------------


def draw_calendar(*, online: Sequence[int] = (3, 2), staff: int = 2) -> Calendar:
    calendar = factories.calendar(mode=Mode.DRAW)
    for hour, places in enumerate(online, start=9):
        factories.slot(calendar_=calendar, online=places, staff=staff, days_ahead=5, hour=hour)
    return calendar


def release_for(calendar: Calendar, method: str = "lottery") -> Release:
    now = timezone.now()
    today = timezone.localdate()
    return services.open_release(calendar=calendar, opens_at=now - dt.timedelta(hours=1),
                                 closes_at=now + dt.timedelta(hours=1), slots_from=today,
                                 slots_until=today + dt.timedelta(days=10), method=method)


def register(calendar: Calendar, n: int, groups: Sequence[PriorityGroup | None] = (None,)
             ) -> list[Registration]:
    return [services.register_for_draw(
        calendar=calendar, group=groups[i % len(groups)],
        person=services.Person(name=f"Person {i}", email=f"person{i}@example.org"))
        for i in range(n)]


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["lottery", "weighted", "priority"])
def test_recorded_draw_is_recomputed_from_the_seed_and_the_references(method: str) -> None:
    calendar = draw_calendar()
    older = PriorityGroup.objects.create(calendar=calendar, code="80plus", label_de="Ab 80",
                                         rank=1, weight=3)
    others = PriorityGroup.objects.create(calendar=calendar, code="alle", label_de="Alle",
                                          rank=2, weight=1)
    release = release_for(calendar, method)
    registrations = register(calendar, 12, [older, others, None])

    services.run_draw(release=release)

    release.refresh_from_db()
    assert release.seed_commitment == hashlib.sha256(release.seed.encode()).hexdigest()
    entries = list(DrawEntry.objects.filter(release=release).select_related("registration"))
    assert sorted(e.registration_id for e in entries) == sorted(r.pk for r in registrations)
    # An auditor has the published seed and list (reference, weight, rank), in any order.
    published = sorted(((e.registration.reference, e.weight, e.rank) for e in entries),
                       reverse=True)
    recomputed = draw.order([draw.Ticket(reference=r, weight=w, rank=k) for r, w, k in published],
                            seed=release.seed, method=method)
    assert {e.registration.reference: (e.position, e.draw_key) for e in entries} == {
        ticket.reference: (position, f"{number:064x}")
        for position, (ticket, number) in enumerate(recomputed, start=1)}
    # The published inputs are the groups' configuration.
    configured = {older.pk: (3, 1), others.pk: (1, 2), None: (1, 32767)}
    assert all((e.weight, e.rank) == configured[e.registration.priority_group_id]
               for e in entries)


def mails_with_subject(outbox: list[EmailMessage], message: str) -> list[str]:
    with translation.override("de"):
        subject = gettext(message)
    return sorted(address for mail in outbox if mail.subject == subject for address in mail.to)


@pytest.mark.django_db
def test_run_draw_offers_every_free_online_place_and_tells_the_rest_honestly(
        django_capture_on_commit_callbacks: Any, mailoutbox: list[EmailMessage]) -> None:
    calendar = draw_calendar(online=(3, 2), staff=2)
    release = release_for(calendar)
    with django_capture_on_commit_callbacks(execute=True):
        registrations = register(calendar, 12)
    assert len(mailoutbox) == 12  # receipts
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.run_draw(release=release)

    entries = list(DrawEntry.objects.filter(release=release).select_related("registration")
                   .order_by("position"))
    winners, losers = entries[:5], entries[5:]
    assert [e.outcome for e in entries] == [DrawOutcome.OFFERED] * 5 + [DrawOutcome.NOT_DRAWN] * 7
    offers = Booking.objects.filter(calendar=calendar, status=BookingStatus.OFFERED)
    assert sorted(offers.values_list("registration_id", flat=True)) == sorted(
        e.registration_id for e in winners)
    assert all(b.expires_at is not None for b in offers)
    # Every online place is offered once; the places for callers stay with the agents.
    assert [(s.booked_online, s.capacity_online, s.booked_staff)
            for s in Slot.objects.filter(calendar=calendar)] == [(3, 3, 0), (2, 2, 0)]
    statuses = dict(Registration.objects.filter(calendar=calendar).values_list("pk", "status"))
    assert [statuses[e.registration_id] for e in entries] == (
        [RegistrationStatus.OFFERED] * 5 + [RegistrationStatus.WAITING] * 7)

    assert mails_with_subject(mailoutbox, "An appointment is free for you: please accept it") \
        == sorted(e.registration.email for e in winners)
    assert mails_with_subject(mailoutbox, "Not drawn this time: you stay on the list") \
        == sorted(e.registration.email for e in losers)
    assert len(mailoutbox) == 12
    assert list(DrawEvent.objects.filter(release=release, kind=DrawEventKind.NOT_DRAWN)
                .order_by("position").values_list("position", flat=True)) == list(range(6, 13))

    release.refresh_from_db()
    assert (release.registrations_count, release.places_count) == (12, 5)
    assert release.drawn_at is not None
    # Drawing again changes nothing.
    services.run_draw(release=release)
    assert DrawEntry.objects.filter(release=release).count() == len(registrations)
    assert offers.count() == 5


@pytest.mark.django_db
def test_run_draw_with_more_places_than_registrations_offers_everyone(
        django_capture_on_commit_callbacks: Any, mailoutbox: list[EmailMessage]) -> None:
    calendar = draw_calendar(online=(3, 2))
    release = release_for(calendar)
    register(calendar, 3)

    with django_capture_on_commit_callbacks(execute=True):
        services.run_draw(release=release)

    assert Booking.objects.filter(calendar=calendar, status=BookingStatus.OFFERED).count() == 3
    assert not Registration.objects.filter(calendar=calendar,
                                        status=RegistrationStatus.WAITING).exists()
    assert sum(s.remaining("online") for s in Slot.objects.filter(calendar=calendar)) == 2
    assert mails_with_subject(mailoutbox, "Not drawn this time: you stay on the list") == []
    release.refresh_from_db()
    assert (release.registrations_count, release.places_count) == (3, 3)
