"""The few HTTP calls a provider makes, with the standard library.

Every call has a timeout and verifies TLS with the system's trust store (Python's default
context); every failure (refused, timed out, TLS, HTTP error without a usable body) becomes a
:class:`ProviderError` whose text names the provider, the URL without its query and what went
wrong. Request bodies and headers are never logged or put into error texts: they carry hashes,
passwords and tokens.
"""

from __future__ import annotations

import json
import logging
import ssl
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .base import ProviderError

log = logging.getLogger("rathaus.payments")

DEFAULT_TIMEOUT = 10.0


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]  # lower-case names
    body: bytes

    def json(self, provider: str) -> dict[str, Any]:
        try:
            data = json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as error:
            raise ProviderError(
                f"{provider}: the answer (HTTP {self.status}) is not JSON") from error
        if not isinstance(data, dict):
            raise ProviderError(
                f"{provider}: the answer (HTTP {self.status}) is not a JSON object")
        return data


def _where(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def call(provider: str, method: str, url: str, *, body: bytes | None = None,
         headers: Mapping[str, str] | None = None,
         timeout: float = DEFAULT_TIMEOUT) -> Answer:
    """Send one request; HTTP error statuses are answers too (the caller reads their body)."""
    where = _where(url)
    if urllib.parse.urlsplit(url).scheme not in {"http", "https"}:
        raise ProviderError(f"{provider}: {where} is not an http(s) URL")
    request = urllib.request.Request(  # noqa: S310 (http or https, checked above)
        url, data=body, method=method, headers=dict(headers or {}))
    try:
        with urllib.request.urlopen(  # noqa: S310 (http or https, checked above)
                request, timeout=timeout, context=ssl.create_default_context()) as response:
            answer = Answer(response.status, _lower(response.headers.items()), response.read())
    except urllib.error.HTTPError as error:
        with error:
            answer = Answer(error.code, _lower(error.headers.items()), error.read())
    except TimeoutError as error:
        raise ProviderError(f"{provider}: no answer from {where} within {timeout:g} s") from error
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, TimeoutError):
            raise ProviderError(
                f"{provider}: no answer from {where} within {timeout:g} s") from error
        raise ProviderError(f"{provider}: cannot reach {where}: {reason}") from error
    except (OSError, ValueError) as error:  # connection reset, bad URL, ...
        raise ProviderError(f"{provider}: request to {where} failed: {error}") from error
    log.info("%s %s %s -> HTTP %s", provider, method, where, answer.status)
    return answer


def post_form(provider: str, url: str, fields: Mapping[str, str], *,
              headers: Mapping[str, str] | None = None,
              timeout: float = DEFAULT_TIMEOUT) -> Answer:
    body = urllib.parse.urlencode(list(fields.items())).encode("utf-8")
    return call(provider, "POST", url, body=body, timeout=timeout,
                headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                         "Accept": "application/json", **(headers or {})})


def _lower(items: Any) -> dict[str, str]:
    return {str(name).lower(): str(value) for name, value in items}
