"""Every request has an id: in the response header, on error pages and in each log line."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test import Client, RequestFactory
from pythonjsonlogger.json import JsonFormatter

from rathaus.core.request_id import RequestIdFilter
from rathaus.core.views import server_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """The console handler's JSON format, on the logger of Django's request errors."""
    config = dict(settings.LOGGING["formatters"]["json"])
    config.pop("()")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter(config.pop("fmt"), **config))
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    yield stream
    logger.removeHandler(handler)


def test_a_not_found_page_names_its_request_as_does_the_log(
        client: Client, json_log: io.StringIO) -> None:
    response = client.get("/de/gibt-es-nicht/")

    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    assert request_id in response.content.decode(), "the error page shows the reference"
    assert "Fehlernummer" in response.content.decode()
    line = json.loads(json_log.getvalue().splitlines()[-1])
    assert line["request_id"] == request_id
    assert line["level"] == "WARNING"
    assert line["logger"] == "django.request"
    assert "gibt-es-nicht" in line["message"]


def test_the_load_balancers_id_is_kept_and_a_strange_one_replaced(client: Client) -> None:
    kept = client.get("/healthz", HTTP_X_REQUEST_ID="lb-4f2a9c81")
    assert kept["X-Request-ID"] == "lb-4f2a9c81"

    replaced = client.get("/healthz", HTTP_X_REQUEST_ID="<script>alert(1)</script>")
    assert replaced["X-Request-ID"] != "<script>alert(1)</script>"
    assert len(replaced["X-Request-ID"]) == 32


def test_the_error_page_of_a_failure_shows_the_reference() -> None:
    request = RequestFactory().get("/de/")
    request.request_id = "0123456789abcdef"  # type: ignore[attr-defined]

    page = server_error(request).content.decode()

    assert "0123456789abcdef" in page
