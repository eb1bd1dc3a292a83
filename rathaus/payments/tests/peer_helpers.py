"""What the tests of the provider protocols share: a notification receiver and a browser."""

from __future__ import annotations

import socket
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from rathaus.payments.peers import StartResponse, read_body
from rathaus.payments.providers.base import (
    Incoming,
    InvalidMessage,
    PaymentProvider,
    StatusReport,
)


@dataclass
class Receiver:
    """Rathaus' notification endpoint in miniature: parse, answer as the provider expects."""

    provider: PaymentProvider
    incoming: list[Incoming] = field(default_factory=list)
    reports: list[StatusReport | None] = field(default_factory=list)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        message = incoming_of(environ)
        self.incoming.append(message)
        try:
            report: StatusReport | None = self.provider.parse_notification(message)
        except InvalidMessage:
            report = None
        self.reports.append(report)
        status, content_type, body = self.provider.notification_answer(report)
        start_response(f"{status} X", [("Content-Type", content_type)])
        return [body]


def incoming_of(environ: dict[str, Any]) -> Incoming:
    body = read_body(environ)
    form = {}
    if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        form = dict(urllib.parse.parse_qsl(body.decode()))
    headers = {key[5:].replace("_", "-").lower(): str(value)
               for key, value in environ.items() if key.startswith("HTTP_")}
    return Incoming(method=environ["REQUEST_METHOD"],
                    query=dict(urllib.parse.parse_qsl(environ.get("QUERY_STRING", ""))),
                    form=form, headers=headers, body=body)


def return_of(location: str) -> Incoming:
    """The browser's request to the return URL it was redirected to."""
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))
    return Incoming(method="GET", query=query, form={}, headers={})


class _Stay(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def browser(method: str, url: str, data: dict[str, str] | None = None) -> tuple[int, str, str]:
    """One browser request without following redirects: status, Location, page text."""
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, method=method)  # noqa: S310 (local peer)
    try:
        with urllib.request.build_opener(_Stay).open(request, timeout=5) as answer:
            return answer.status, answer.headers.get("Location", ""), answer.read().decode()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers.get("Location", ""), error.read().decode()


def refused_url() -> str:
    """A local URL where nothing listens (connection refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@contextmanager
def silent_server() -> Iterator[str]:
    """A server that accepts connections and never answers (a timeout)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                continue
            accepted.append(connection)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=2)
        for connection in accepted:
            connection.close()
        listener.close()
