"""Local peers that speak a payment provider's protocol, for tests and the demo.

Each peer is a small WSGI application without Django: it checks hashes and credentials as the
real platform does, keeps its transactions in memory and serves a pay page that is clearly
marked as a local test page. :func:`running` serves one on 127.0.0.1 on a free port.
"""

from __future__ import annotations

import html
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def running(app: WSGIApp) -> Iterator[str]:
    """Serve ``app`` in a thread on 127.0.0.1, a free port; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, server_class=_Server, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def providers(base: str) -> dict[str, dict[str, str]]:
    """``RATHAUS_PAYMENT_PROVIDERS`` for the peers served at ``base`` by ``python -m`` here."""
    return {
        "giro": {"protocol": "girocheckout", "merchant_id": "1234567", "project_id": "1234",
                 "password": "secure", "base_url": f"{base}/girocheckout/api/v2",
                 "label": "Kreditkarte, PayPal und mehr (GiroCheckout-Testseite)",
                 "label_en": "Credit card, PayPal and more (GiroCheckout test page)"},
        "land": {"protocol": "xbezahldienste", "base_url": f"{base}/xbezahldienste",
                 "token_url": f"{base}/xbezahldienste/oauth/token",
                 "client_id": "rathaus", "client_secret": "local-secret",
                 "originator_id": "rathaus", "endpoint_id": "gebuehren",
                 "label": "Bezahldienst des Landes (XBezahldienste-Testseite)",
                 "label_en": "The state's payment service (XBezahldienste test page)"},
    }


def mount(apps: dict[str, WSGIApp]) -> WSGIApp:
    """One application serving each of ``apps`` below its prefix ("/xbezahldienste")."""
    prefixes = sorted(apps, key=len, reverse=True)

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        for prefix in prefixes:
            if path == prefix or path.startswith(f"{prefix}/") or not prefix:
                environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + prefix
                environ["PATH_INFO"] = path[len(prefix):]
                return apps[prefix](environ, start_response)
        return respond(start_response, "404 Not Found", b"not found")

    return app


def base_url(environ: dict[str, Any]) -> str:
    """Where this application is reachable, as the browser sees it."""
    host = environ.get("HTTP_HOST") or f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"
    return f"{environ.get('wsgi.url_scheme', 'http')}://{host}{environ.get('SCRIPT_NAME', '')}"


def read_body(environ: dict[str, Any]) -> bytes:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    return bytes(environ["wsgi.input"].read(length)) if length else b""


def form_of(environ: dict[str, Any]) -> dict[str, str]:
    fields = dict(urllib.parse.parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
    if environ.get("REQUEST_METHOD") == "POST" and environ.get("CONTENT_TYPE", "").startswith(
            "application/x-www-form-urlencoded"):
        fields.update(urllib.parse.parse_qsl(read_body(environ).decode("utf-8"),
                                             keep_blank_values=True))
    return fields


def respond(start_response: StartResponse, status: str, body: bytes,
            content_type: str = "text/plain; charset=utf-8",
            headers: Iterable[tuple[str, str]] = ()) -> list[bytes]:
    start_response(status, [("Content-Type", content_type),
                            ("Content-Length", str(len(body))), *headers])
    return [body]


def redirect(start_response: StartResponse, location: str) -> list[bytes]:
    return respond(start_response, "303 See Other", b"", headers=[("Location", location)])


def pay_page(*, title: str, action: str, amount_cents: int, currency: str, purpose: str,
             methods: Iterable[tuple[str, str]] = ()) -> bytes:
    """The local test pay page: Pay / Cancel / Fail, without any real payment data."""
    choices = "".join(
        f'<label><input type="radio" name="method" value="{html.escape(code)}"'
        f'{" checked" if index == 0 else ""}> {html.escape(label)}</label><br>'
        for index, (code, label) in enumerate(methods))
    amount = f"{amount_cents // 100},{amount_cents % 100:02d} {html.escape(currency)}"
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title></head>
<body><main>
<p role="alert"><strong>Local test pay page &ndash; no real payment takes place.
<span lang="de">Lokale Test-Bezahlseite &ndash; es wird nichts bezahlt.</span></strong></p>
<h1>{html.escape(title)}</h1>
<p>Amount: {amount}<br>Purpose: {html.escape(purpose)}</p>
<form method="post" action="{html.escape(action)}">
<fieldset><legend>Method (simulated)</legend>{choices}</fieldset>
<button name="result" value="pay">Pay</button>
<button name="result" value="cancel">Cancel</button>
<button name="result" value="fail">Fail</button>
</form></main>
</body></html>
"""
    return page.encode("utf-8")


def send(method: str, url: str, *, body: bytes | None = None,
         content_type: str = "application/x-www-form-urlencoded",
         timeout: float = 5.0) -> int:
    """Deliver a notification like the platform does; the receiver's HTTP status, 0 if none."""
    if urllib.parse.urlsplit(url).scheme not in {"http", "https"}:
        return 0
    request = urllib.request.Request(  # noqa: S310 (http or https, checked above)
        url, data=body, method=method, headers={"Content-Type": content_type} if body else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
            return int(answer.status)
    except urllib.error.HTTPError as error:
        error.close()
        return int(error.code)
    except OSError:
        return 0
