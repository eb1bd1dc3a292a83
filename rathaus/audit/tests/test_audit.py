"""The audit log keeps who did what from where, for the retention period only."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command
from django.test import RequestFactory
from django.utils import timezone

from rathaus.audit.models import Action, AuditEvent
from rathaus.audit.services import purge_audit_events, record
from rathaus.core.clients import client_ip

pytestmark = pytest.mark.django_db


def test_events_older_than_the_retention_period_are_purged(settings: Any) -> None:
    settings.RATHAUS_AUDIT_RETENTION_DAYS = 365
    old = record(action=Action.SIGNIN_FAILED, actor_label="alt")
    recent = record(action=Action.SIGNIN_FAILED, actor_label="neu")
    AuditEvent.objects.filter(pk=old.pk).update(at=timezone.now() - dt.timedelta(days=366))
    AuditEvent.objects.filter(pk=recent.pk).update(at=timezone.now() - dt.timedelta(days=364))
    assert purge_audit_events() == 1
    assert list(AuditEvent.objects.values_list("actor_label", flat=True)) == ["neu"]
    call_command("purge_audit_log", stdout=None)
    assert AuditEvent.objects.count() == 1


def test_the_client_address_trusts_only_the_configured_proxies(settings: Any) -> None:
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2",
                                   HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.4")
    settings.RATHAUS_TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.2"
    settings.RATHAUS_TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "198.51.100.4", "not what the client wrote itself"
