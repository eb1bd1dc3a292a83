"""Site-wide behaviour: language switch, legal pages, outbox, production safety, Redis cache."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import caches
from django.core.checks import run_checks
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db


def test_root_redirects_to_german_and_every_page_links_the_other_language(
    client: Client, catalog: None
) -> None:
    assert client.get("/")["Location"] == "/de/"
    german = client.get("/de/services/hund-anmelden/").content.decode()
    assert 'lang="de"' in german
    assert 'href="/en/services/hund-anmelden/"' in german
    english = client.get("/en/services/hund-anmelden/").content.decode()
    assert 'lang="en"' in english
    assert "Register a dog for dog tax" in english
    assert 'href="/de/services/hund-anmelden/"' in english


@pytest.mark.parametrize(
    "path", ["/de/impressum/", "/de/datenschutz/", "/de/barrierefreiheit/", "/de/leichte-sprache/"]
)
def test_legal_pages_are_linked_from_every_page_and_show_the_town(
    client: Client, catalog: None, path: str, settings: Any
) -> None:
    home = client.get("/de/").content.decode()
    assert f'href="{path}"' in home
    page = client.get(path)
    assert page.status_code == 200
    assert settings.RATHAUS_TOWN["name"] in page.content.decode()


def test_outbox_shows_sent_mail_with_attachment_only_with_dev_tools(
    client: Client, settings: Any
) -> None:
    settings.EMAIL_BACKEND = "rathaus.notifications.backends.OutboxBackend"
    message = mail.EmailMessage(
        "Ihr Antrag ABCD-1234", "Link: http://127.0.0.1:8000/x", to=["a@b.de"]
    )
    message.attach("quittung.pdf", b"%PDF-1.4 test", "application/pdf")
    message.send()
    listing = client.get("/dev/outbox/").content.decode()
    assert "Ihr Antrag ABCD-1234" in listing
    from rathaus.notifications.models import OutboxMessage

    item = OutboxMessage.objects.get()
    detail = client.get(f"/dev/outbox/{item.pk}/").content.decode()
    assert 'href="http://127.0.0.1:8000/x"' in detail, "links in mails are clickable"
    attachment = client.get(f"/dev/outbox/{item.pk}/attachments/0/")
    assert attachment.content == b"%PDF-1.4 test"
    settings.RATHAUS_DEV_TOOLS = False
    assert client.get("/dev/outbox/").status_code == 404
    assert client.get(f"/dev/outbox/{item.pk}/").status_code == 404


def test_production_settings_refuse_dev_tools() -> None:
    with override_settings(RATHAUS_PRODUCTION=True, RATHAUS_DEV_TOOLS=True):
        errors = [error.id for error in run_checks()]
    assert "rathaus.E001" in errors
    with override_settings(RATHAUS_PRODUCTION=True, RATHAUS_DEV_TOOLS=False):
        assert "rathaus.E001" not in [error.id for error in run_checks()]


def test_liveness_answers_without_asking_the_database(
        client: Client, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.json() == {"status": "ok"}


def test_readiness_checks_database_cache_tasks_and_migrations(client: Client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}
    assert "no-cache" in response["Cache-Control"]


def test_not_ready_names_what_failed_and_keeps_the_error_in_the_log(
        client: Client, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from django.db import OperationalError

    from rathaus.core import health

    def unreachable() -> bool:
        raise OperationalError("connection to server at 127.0.0.1 refused")

    monkeypatch.setitem(health.CHECKS, "database", unreachable)
    monkeypatch.setattr(health, "_migrations", None)
    from django.db.migrations.executor import MigrationExecutor

    monkeypatch.setattr(MigrationExecutor, "migration_plan",
                        lambda self, targets: [("cases", "0099_pending")])

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "failed": ["database", "migrations"]}
    assert "127.0.0.1" not in response.content.decode()
    assert "readiness check database failed" in caplog.text


def test_unknown_page_is_a_friendly_404(client: Client) -> None:
    response = client.get("/de/gibt-es-nicht/")
    assert response.status_code == 404
    assert "kern-heading-large" in response.content.decode()


def test_security_headers_on_every_page(client: Client, catalog: None) -> None:
    response = client.get("/de/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "'unsafe-inline'" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_page_cache_is_shared_between_processes_through_redis(
    client: Client, catalog: None, settings: Any
) -> None:
    url = os.environ.get("RATHAUS_TEST_REDIS_URL")
    if not url:
        message = "NEEDS REDIS: set RATHAUS_TEST_REDIS_URL (CI does) to test the shared page cache"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    redis_cache = {"BACKEND": "rathaus.core.cache.RedisCache", "LOCATION": url}
    settings.CACHES = {"default": redis_cache, "other_process": redis_cache}
    settings.RATHAUS_PAGE_CACHE_SECONDS = 60
    caches["default"].clear()
    first = client.get("/de/services/hund-anmelden/").content
    # Another web process (another connection) finds the rendered page in Redis.
    client_of_other = caches["other_process"]._cache.get_client()  # type: ignore[attr-defined]
    keys = [key for key in client_of_other.keys("*") if b"service:" in key]
    assert keys, "the rendered service page is stored in Redis"
    assert client.get("/de/services/hund-anmelden/").content == first
    caches["default"].clear()


def test_deploy_check_names_the_missing_redis_in_production() -> None:
    with override_settings(RATHAUS_PRODUCTION=True, REDIS_URL=""):
        warnings = [m for m in run_checks(include_deployment_checks=True)
                    if m.id == "rathaus.W010"]
        assert "rathaus.W010" not in [m.id for m in run_checks()], "only with --deploy"
    assert len(warnings) == 1
    assert "REDIS_URL is not set" in warnings[0].msg
    assert "sessions" in warnings[0].msg
    assert "rate-limit" in warnings[0].msg
    assert "Set REDIS_URL" in str(warnings[0].hint)
    with override_settings(RATHAUS_PRODUCTION=True, REDIS_URL="redis://127.0.0.1:6379/0"):
        assert "rathaus.W010" not in [m.id for m in run_checks(include_deployment_checks=True)]
    with override_settings(RATHAUS_PRODUCTION=False, REDIS_URL=""):
        assert "rathaus.W010" not in [m.id for m in run_checks(include_deployment_checks=True)]


def test_manage_py_check_deploy_prints_the_warning(tmp_path: Any) -> None:
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("RATHAUS_", "REDIS_"))}
    env.update({"DJANGO_SETTINGS_MODULE": "rathaus.settings.production",
                "RATHAUS_SECRET_KEY": "x" * 60, "RATHAUS_VAR_DIR": str(tmp_path),
                "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"})
    done = subprocess.run([sys.executable, "manage.py", "check", "--deploy"],
                          cwd=settings.BASE_DIR, env=env, capture_output=True, text=True,
                          check=False)
    assert "(rathaus.W010) REDIS_URL is not set" in done.stderr + done.stdout, done.stderr


@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "PROPFIND", "BREW"])
@pytest.mark.parametrize("path", ["/de/", "/de/services/hund-anmelden/", "/api/v1/openapi.json",
                                  "/api/v1/appointments/calendars", "/healthz", "/nowhere"])
def test_trace_and_unknown_methods_are_not_allowed_anywhere(
    client: Client, catalog: None, method: str, path: str
) -> None:
    response = client.generic(method, path, headers={"Cookie": "sessionid=x"})
    assert response.status_code == 405
    assert response["Allow"] == "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"
    assert b"sessionid" not in response.content, "nothing of the request is echoed"
    assert client.get(path).status_code != 405


def test_the_redis_cache_builds_its_client_once() -> None:
    from rathaus.core.cache import RedisCache

    backend = RedisCache("redis://127.0.0.1:6379/8", {})._cache
    client = backend.get_client("key")
    assert backend.get_client("other", write=True) is client, "one client per connection pool"
