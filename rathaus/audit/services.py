"""Writing the audit log: one function every part of the portal calls, and its purge."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models
from django.http import HttpRequest
from django.utils import timezone

from rathaus.catalog.models import Department
from rathaus.core.clients import client_ip, user_agent

from .models import Action, AuditEvent


def record(
    *,
    action: Action,
    request: HttpRequest | None = None,
    actor: AbstractBaseUser | AnonymousUser | None = None,
    actor_label: str = "",
    target: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    department: Department | int | None = None,
    message: str = "",
) -> AuditEvent:
    """Add one event; actor, address and browser default to the request's."""
    if actor is None and request is not None:
        actor = getattr(request, "user", None)
    user = actor if actor is not None and actor.is_authenticated else None
    label = actor_label or (user.get_username() if user is not None else "")
    department_id = department.pk if isinstance(department, Department) else department
    fields: dict[str, Any] = {
        "action": action,
        "actor_id": user.pk if user is not None else None,
        "actor_label": label[:150],
        "department_id": department_id,
        "message": message[:500],
        "object_type": object_type,
        "object_id": object_id[:64],
    }
    if target is not None:
        fields["object_type"] = target._meta.label_lower
        fields["object_id"] = str(getattr(target, "reference", None) or target.pk)[:64]
    if request is not None:
        fields["ip_address"] = client_ip(request)
        fields["user_agent"] = user_agent(request)
    return AuditEvent.objects.create(**fields)


def purge_audit_events(*, now: dt.datetime | None = None) -> int:
    """Delete events older than the retention period; return how many."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.RATHAUS_AUDIT_RETENTION_DAYS)
    deleted, _ = AuditEvent.objects.filter(at__lt=cutoff).delete()
    return deleted
