"""The real server with two worker processes, driven over a new connection per request.

Each request opens its own TCP connection (``Connection: close``), as browsers do with several
connections. Which worker accepts a connection is the kernel's choice, and on a busy machine one
worker may take them all; so the tests choose: ``Server.only(worker)`` stops the other worker
(SIGSTOP) for the requests in its block, and the one left accepts them. gunicorn's access log
names the process that answered each request, and the tests check that the choice held.
Whatever one worker stores for a session or counts for a rate limit must hold in the other.

The server runs the start command's settings (``server_settings``: ``rathaus.settings.dev``) on
the test database, which the ``catalog`` fixture has filled and committed: once as the embedded
default (cache, sessions and counts in the database) and, when ``RATHAUS_TEST_REDIS_URL`` is
set (CI), once with ``REDIS_URL``. To see this test
fail on another configuration, point ``RATHAUS_TEST_SERVER_SETTINGS`` at a settings module
(for instance one with ``LocMemCache`` and ``cached_db`` sessions, the configuration before).
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)  # the server processes see only commits

WORKERS = 2
REQUESTS_PER_CLIENT = 6  # the e-mail sign-in limit per client address, for this server
MARK = "X-Test-Request"


def database_url() -> str:
    """The test database (created and migrated by pytest-django) as a DATABASE_URL."""
    conf = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{conf['NAME']}"
    assert connection.vendor == "postgresql", connection.vendor
    user = conf.get("USER") or ""
    password = f":{conf['PASSWORD']}" if conf.get("PASSWORD") else ""
    host = conf.get("HOST") or "127.0.0.1"
    port = conf.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{conf['NAME']}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: str
    pid: int


@dataclass
class Server:
    port: int
    log: Path
    master: int
    answered: dict[str, int] = field(default_factory=dict)

    def workers(self) -> list[int]:
        """Return the worker processes, once all of them have started."""
        children = Path(f"/proc/{self.master}/task/{self.master}/children")
        deadline = time.monotonic() + 30
        while True:
            found = sorted(int(pid) for pid in children.read_text().split())
            if len(found) == WORKERS:
                return found
            assert time.monotonic() < deadline, f"workers: {found}"
            time.sleep(0.1)

    @contextmanager
    def only(self, worker: int) -> Iterator[None]:
        """Let only ``worker`` accept connections in this block: the others are stopped.

        A stopped worker cannot take a connection from the shared socket, so the one left does.
        The block is short (well inside gunicorn's worker timeout), and every request in it has
        been answered and logged before the others go on.
        """
        others = [pid for pid in self.workers() if pid != worker]
        for pid in others:
            os.kill(pid, signal.SIGSTOP)
        try:
            yield
        finally:
            for pid in others:
                os.kill(pid, signal.SIGCONT)

    def pid_of(self, mark: str) -> int:
        """Return the worker process that answered the request marked ``mark``."""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            for line in self.log.read_text().splitlines():
                pid, _, logged = line.partition(" ")
                self.answered[logged.strip()] = int(pid.strip("<>"))
            if mark in self.answered:
                return self.answered[mark]
            time.sleep(0.05)  # the access log is written after the response
        raise AssertionError(f"request {mark} is not in the access log")


@pytest.fixture(params=["database", "redis"])
def shared_store(request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    """The embedded default (the database), and Redis when CI gives one."""
    if request.param == "database":
        yield {}
        return
    url = os.environ.get("RATHAUS_TEST_REDIS_URL")
    if not url:
        message = "NEEDS REDIS: set RATHAUS_TEST_REDIS_URL (CI does) to run the server on Redis"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    import redis

    store = redis.Redis.from_url(url)
    store.flushdb()  # counts of an earlier run within the window would still be there
    yield {"REDIS_URL": url}
    store.flushdb()
    store.close()


@pytest.fixture
def server(catalog: None, shared_store: dict[str, str], tmp_path: Path) -> Iterator[Server]:
    port = free_port()
    log = tmp_path / "access.log"
    log.touch()
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("DJANGO_", "RATHAUS_", "REDIS_"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": os.environ.get("RATHAUS_TEST_SERVER_SETTINGS",
                                                 "tests.processes.server_settings"),
        "DATABASE_URL": database_url(),
        "RATHAUS_VAR_DIR": str(tmp_path / "var"),
        "RATHAUS_DB_POOL": "0",
        "RATHAUS_SIGN_IN_REQUESTS_PER_CLIENT": str(REQUESTS_PER_CLIENT),
        **shared_store,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(settings.BASE_DIR),
                                                    os.environ.get("PYTHONPATH")])),
    })
    with (tmp_path / "server.log").open("w") as errors:
        process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            [sys.executable, "-m", "gunicorn", "rathaus.wsgi:application",
             "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS), "--threads", "4",
             "--access-logfile", str(log), "--access-logformat", f"%(p)s %({{{MARK}}}i)s"],
            cwd=settings.BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=errors)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (tmp_path / "server.log").read_text()
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        yield Server(port=port, log=log, master=process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    logged = (tmp_path / "server.log").read_text()
    assert "Traceback" not in logged, logged


class Browser:
    """One browser session: a cookie jar, a new connection for every request."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.cookies: dict[str, str] = {}
        self.pids: list[int] = []

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> Answer:
        mark = uuid.uuid4().hex
        headers = {"Connection": "close", MARK: mark, "Host": f"127.0.0.1:{self.server.port}",
                   "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            form = {"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **form}
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"http://127.0.0.1:{self.server.port}"
            headers["Referer"] = f"http://127.0.0.1:{self.server.port}{path}"
        link = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        try:
            link.request(method, path, body=body, headers=headers)
            response = link.getresponse()
            text = response.read().decode()
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    if morsel["max-age"] == "0" or not morsel.value:
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
            answer = Answer(response.status, dict(response.headers), text,
                            self.server.pid_of(mark))
        finally:
            link.close()
        self.pids.append(answer.pid)
        return answer

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def post(self, path: str, form: dict[str, str]) -> Answer:
        return self.request("POST", path, form)


def test_every_application_of_one_session_is_found_by_every_worker(server: Server) -> None:
    browser = Browser(server)
    workers = server.workers()
    start = "/de/services/hund-anmelden/apply/"
    steps = []
    for number in range(8):
        starter, other = workers[number % 2], workers[(number + 1) % 2]
        with server.only(starter):
            page = browser.get(start)
            assert page.status == 200, page.body
            assert "Hund zur Hundesteuer anmelden" in page.body
            started = browser.post(start, {})
            assert started.status == 302, (number, started.status, started.body[:300])
            assert started.pid == starter
        step = started.headers["Location"]
        assert re.fullmatch(r"/de/apply/[0-9a-f-]{36}/owner/", step), step
        steps.append(step)
        for worker in (other, starter, other):
            with server.only(worker):
                shown = browser.get(step)
            assert shown.status == 200, (number, step, shown.status, worker)
            assert shown.pid == worker
            assert "Angaben zur Halterin oder zum Halter" in shown.body
            assert 'name="owner_name' in shown.body
    # Every application again, after all of them were started, on each worker.
    for worker in workers:
        with server.only(worker):
            for step in steps:
                shown = browser.get(step)
                assert shown.status == 200, (step, shown.status, worker)
                assert "Angaben zur Halterin oder zum Halter" in shown.body
    assert len(set(steps)) == 8
    assert set(browser.pids) == set(workers), "both workers answered this session"


def test_a_rate_limit_counts_the_requests_every_worker_answered(server: Server) -> None:
    browser = Browser(server)
    first, second = server.workers()
    ask = "/de/anmelden/e-mail/"
    assert browser.get(ask).status == 200
    half = REQUESTS_PER_CLIENT // 2
    emails = (f"person{n}@example.org" for n in range(REQUESTS_PER_CLIENT + 4))

    def ask_on(worker: int, times: int) -> list[Answer]:
        with server.only(worker):
            answers = [browser.post(ask, {"email": next(emails)}) for _ in range(times)]
        assert [a.pid for a in answers] == [worker] * times
        return answers

    # Half the allowance on each worker: a worker counting alone would still let more through.
    sent = ask_on(first, half) + ask_on(second, REQUESTS_PER_CLIENT - half)
    refused = ask_on(second, 2) + ask_on(first, 2)
    assert [a.status for a in sent] == [302] * REQUESTS_PER_CLIENT
    assert all(a.headers["Location"] == "/de/anmelden/e-mail/gesendet/" for a in sent), \
        [a.headers.get("Location") for a in sent]
    assert [a.status for a in refused] == [429] * len(refused), [
        (a.status, a.pid) for a in sent + refused]
    assert all("zu viele Anmeldelinks" in a.body for a in refused)
