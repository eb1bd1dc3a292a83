"""A request id for every request: in each log line, the response header and error pages.

A load balancer in front may send its own ``X-Request-ID`` (letters, digits, ``.``, ``_``,
``-``; 8 to 64 characters), which is kept so that its log and ours can be matched; anything
else is replaced by a fresh id. Log records outside a request (the task worker, commands)
carry ``-``.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
_VALID = re.compile(r"[A-Za-z0-9._-]{8,64}")
current: ContextVar[str] = ContextVar("request_id", default="-")


def request_id_of(request: HttpRequest) -> str:
    given = request.META.get("HTTP_X_REQUEST_ID", "")
    return given if _VALID.fullmatch(given) else uuid.uuid4().hex


class RequestIdMiddleware:
    """First of all middleware, so that every log line of the request names it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_of(request)
        request.request_id = request_id  # type: ignore[attr-defined]
        token = current.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            current.reset(token)
        response[HEADER] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Give every log record the id of the request it was written in."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            # Django logs a response's error status after the middleware has returned; its
            # record carries the request itself.
            request = getattr(record, "request", None)
            record.request_id = getattr(request, "request_id", None) or current.get()
        return True
