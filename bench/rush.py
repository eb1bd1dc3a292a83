"""Two crowds for bench/run.py, driven by one asyncio process with keep-alive connections.

- ``rush``: hundreds of connections book one hot slot through ``POST
  /api/v1/appointments/bookings``, every request for another caller (name and e-mail), until
  more requests were sent than the slot has places. Every request's start, end and status is
  kept, so the figures are exact: bookings per second over the time the slot took to fill,
  latency percentiles of those requests, the answers by status.
- ``waiting_room_burst``: new visitors (no cookies) arrive within a second or two at a calendar
  behind the waiting room and behave like browsers: follow the redirect to the waiting page,
  keep its cookies, reload after the ``<meta http-equiv="refresh">`` delay, and on admission
  load the calendar page. The time each visitor's calendar page answered 200 is when a dynamic
  request got past the room; their rate is compared with the configured one.

wrk cannot do either (no per-request status timing, no cookies per visitor), hence Python; its
cost per request is measured (client_cpu_ms) and is small against the server's.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from statistics import median
from typing import Any
from urllib.parse import urlsplit

API_PATH = "/api/v1/appointments/bookings"
REFRESH = re.compile(rb'<meta http-equiv="refresh" content="(\d+)">')


class Connection:
    """One keep-alive HTTP/1.1 connection; reconnects once when the server closed it."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def _open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None

    async def request(self, raw: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        for attempt in (1, 2):
            fresh = self.writer is None
            if fresh:
                await self._open()
            try:
                return await self._exchange(raw)
            except (ConnectionError, asyncio.IncompleteReadError):
                await self.close()
                if fresh or attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _exchange(self, raw: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        assert self.reader is not None
        assert self.writer is not None
        self.writer.write(raw)
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = [(name.strip().lower(), value.strip())
                   for name, _, value in (line.partition(":") for line in lines[1:] if line)]
        length = int(next((v for k, v in headers if k == "content-length"), "0"))
        body = await self.reader.readexactly(length) if length else b""
        if any(k == "connection" and v.lower() == "close" for k, v in headers):
            await self.close()
        return status, headers, body


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


# -- the rush on one slot ----------------------------------------------------------------------


@dataclass
class RushResult:
    connections: int
    sent: int
    statuses: dict[str, int]
    errors: int
    server_errors: int
    fill_seconds: float
    bookings: int
    bookings_per_second: float
    p50_ms_booked: float
    p99_ms_booked: float
    p50_ms_during_fill: float
    p99_ms_during_fill: float
    p99_ms_all: float
    max_ms: float
    client_cpu_ms: float
    bodies: dict[str, str] = field(default_factory=dict)


def _booking_request(host: str, port: int, token: str, slot_id: int, number: int) -> bytes:
    body = json.dumps({"slot_id": slot_id, "name": f"Anruferin {number}",
                       "email": f"anruf{number}@bench.example", "phone": ""}).encode()
    return (f"POST {API_PATH} HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


async def _rush(host: str, port: int, token: str, slot_id: int, connections: int,
                total: int, first_number: int) -> RushResult:
    numbers = itertools.count(first_number)
    last_number = first_number + total - 1
    records: list[tuple[float, float, int]] = []
    bodies: dict[str, str] = {}
    errors = 0
    pool = [Connection(host, port) for _ in range(connections)]
    for connection in pool:
        await connection._open()
    go = asyncio.Event()

    async def client(connection: Connection) -> None:
        nonlocal errors
        await go.wait()
        while (number := next(numbers)) <= last_number:
            raw = _booking_request(host, port, token, slot_id, number)
            started = time.monotonic()
            try:
                status, _headers, body = await connection.request(raw)
            except (OSError, asyncio.IncompleteReadError):
                errors += 1
                continue
            records.append((started, time.monotonic(), status))
            bodies.setdefault(str(status), body.decode(errors="replace")[:200])

    cpu_before = time.process_time()
    tasks = [asyncio.create_task(client(connection)) for connection in pool]
    go.set()
    await asyncio.gather(*tasks)
    cpu = time.process_time() - cpu_before
    for connection in pool:
        await connection.close()
    booked = [r for r in records if r[2] == 201]
    first_start = min((r[0] for r in records), default=0.0)
    fill_end = max((r[1] for r in booked), default=first_start)
    fill = fill_end - first_start
    during = [(end - start) * 1000 for start, end, _ in records if end <= fill_end]
    booked_ms = [(end - start) * 1000 for start, end, _ in booked]
    every_ms = [(end - start) * 1000 for start, end, _ in records]
    statuses = Counter(str(status) for _, _, status in records)
    return RushResult(
        connections=connections, sent=len(records) + errors, statuses=dict(statuses),
        errors=errors, server_errors=sum(n for s, n in statuses.items() if s.startswith("5")),
        fill_seconds=round(fill, 3), bookings=len(booked),
        bookings_per_second=round(len(booked) / fill, 1) if fill else 0.0,
        p50_ms_booked=round(percentile(booked_ms, 0.5), 1),
        p99_ms_booked=round(percentile(booked_ms, 0.99), 1),
        p50_ms_during_fill=round(percentile(during, 0.5), 1),
        p99_ms_during_fill=round(percentile(during, 0.99), 1),
        p99_ms_all=round(percentile(every_ms, 0.99), 1),
        max_ms=round(max(every_ms, default=0.0), 1),
        client_cpu_ms=round(cpu * 1000 / max(len(records), 1), 3), bodies=bodies)


def rush(host: str, port: int, *, token: str, slot_id: int, connections: int, total: int,
         first_number: int = 1) -> RushResult:
    """Send ``total`` booking requests for one slot over ``connections`` connections.

    Request n books for caller n (from ``first_number``): nobody asks twice.
    """
    return asyncio.run(_rush(host, port, token, slot_id, connections, total, first_number))


# -- the waiting room ----------------------------------------------------------------------------


@dataclass
class RoomResult:
    visitors: int
    configured_per_second: float
    admitted: int
    observed_per_second: float
    busiest_second: int
    busiest_5s_per_second: float
    # max over admissions k (in time order) of k - rate * (t_k - opening): the schedule allows 1
    most_ahead_of_schedule: float
    first_admission_after_opening_s: float
    seconds: float
    requests: dict[str, int]
    out_of_order: int
    p99_ms_waiting_page: float
    median_ms_waiting_page: float
    errors: int


async def _burst(host: str, port: int, path: str, visitors: int, connections: int,
                 arrival_seconds: float, opens_at: float, per_minute: int,
                 limit_seconds: float) -> RoomResult:
    pool: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(connections):
        pool.put_nowait(Connection(host, port))
    kinds: Counter[str] = Counter()
    waiting_ms: list[float] = []
    admissions: list[tuple[int, float]] = []  # (ticket number, wall time of the 200)
    errors = 0
    deadline = time.monotonic() + limit_seconds

    async def get(url: str, jar: dict[str, str]) -> tuple[int, list[tuple[str, str]], bytes]:
        cookie = "; ".join(f"{k}={v}" for k, v in jar.items() if v)
        raw = (f"GET {url} HTTP/1.1\r\nHost: {host}:{port}\r\n"
               + (f"Cookie: {cookie}\r\n" if cookie else "") + "\r\n").encode()
        connection = await pool.get()
        try:
            status, headers, body = await connection.request(raw)
        finally:
            pool.put_nowait(connection)
        for name, value in headers:
            if name == "set-cookie":
                parsed: SimpleCookie = SimpleCookie()
                parsed.load(value)
                for key, morsel in parsed.items():
                    jar[key] = morsel.value
        return status, headers, body

    def location(headers: list[tuple[str, str]]) -> str:
        target = next(v for k, v in headers if k == "location")
        parts = urlsplit(target)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    async def visitor(number: int) -> None:
        nonlocal errors
        await asyncio.sleep(arrival_seconds * number / visitors)
        jar: dict[str, str] = {}
        url = path
        ticket = 0
        while time.monotonic() < deadline:
            started = time.monotonic()
            try:
                status, headers, body = await get(url, jar)
            except (OSError, asyncio.IncompleteReadError):
                errors += 1
                await asyncio.sleep(1)
                continue
            if url == path and status == 200:
                kinds["calendar page (admitted)"] += 1
                admissions.append((ticket, time.time()))
                return
            if url == path and status == 302:
                kinds["calendar page -> waiting room"] += 1
                url = location(headers)
                continue
            if url != path and status == 302:
                kinds["waiting room -> admitted"] += 1
                ticket = _admission_number(
                    next((v for k, v in jar.items() if k.startswith("wr_admission")), ""))
                url = location(headers)
                continue
            if url != path and status == 200:
                kinds["waiting page"] += 1
                waiting_ms.append((time.monotonic() - started) * 1000)
                found = REFRESH.search(body)
                await asyncio.sleep(int(found.group(1)) if found else 5)
                continue
            kinds[f"status {status}"] += 1
            return

    await asyncio.gather(*(visitor(n) for n in range(visitors)))
    while not pool.empty():
        await pool.get_nowait().close()
    times = sorted(at for _, at in admissions)
    seconds = times[-1] - times[0] if len(times) > 1 else 0.0
    per_second = Counter(int(at - opens_at) for at in times)
    windows = [sum(per_second.get(s + i, 0) for i in range(5)) / 5 for s in per_second]
    ordered = sorted(admissions)
    out_of_order = sum(1 for (_, a), (_, b) in itertools.pairwise(ordered) if b < a - 1.0)
    rate = per_minute / 60
    ahead = max((k - rate * (at - opens_at) for k, at in enumerate(times, start=1)),
                default=0.0)
    return RoomResult(
        visitors=visitors, configured_per_second=round(per_minute / 60, 2),
        admitted=len(times),
        observed_per_second=round((len(times) - 1) / seconds, 2) if seconds else 0.0,
        busiest_second=max(per_second.values(), default=0),
        busiest_5s_per_second=round(max(windows, default=0.0), 2),
        most_ahead_of_schedule=round(ahead, 2),
        first_admission_after_opening_s=round(times[0] - opens_at, 2) if times else 0.0,
        seconds=round(seconds, 1), requests=dict(kinds), out_of_order=out_of_order,
        p99_ms_waiting_page=round(percentile(waiting_ms, 0.99), 1),
        median_ms_waiting_page=round(median(waiting_ms), 1) if waiting_ms else 0.0,
        errors=errors)


def _admission_number(cookie: str) -> int:
    """Read the ticket number from an admission cookie (signed, not secret: slug:number:...)."""
    parts = cookie.split(":")
    return int(parts[1]) if len(parts) >= 2 and parts[1].isdigit() else 0


def waiting_room_burst(host: str, port: int, *, path: str, visitors: int, connections: int,
                       arrival_seconds: float, opens_at: float, per_minute: int,
                       limit_seconds: float) -> RoomResult:
    """Let ``visitors`` new visitors arrive within ``arrival_seconds`` at ``path``."""
    return asyncio.run(_burst(host, port, path, visitors, connections, arrival_seconds,
                              opens_at, per_minute, limit_seconds))


def as_dict(result: Any) -> dict[str, Any]:
    return dict(result.__dict__)
