"""The service editor's writes from the staff area: the catalog's, each with its audit row."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest

from rathaus.audit.models import Action
from rathaus.audit.services import record
from rathaus.catalog import editing
from rathaus.catalog.models import Service, ServiceVersion
from rathaus.forms.schema import ServiceDef


def _name(request: HttpRequest) -> str:
    return request.user.get_username() if request.user.is_authenticated else ""


@transaction.atomic
def save_service(*, request: HttpRequest, service: Service, spec: ServiceDef,
                 base_number: int, what: str) -> tuple[ServiceVersion, bool]:
    """Save an edited definition as a new version (see catalog.editing.save_version).

    ``what`` names the page it was changed on, for the audit log ("fees", "field birth_date").
    """
    version, created = editing.save_version(service=service, spec=spec, by=_name(request),
                                            base_number=base_number)
    if created:
        record(action=Action.SERVICE_SAVED, request=request, target=version,
               department=service.department_id,
               message=f"{service.slug} v{version.number}: {what}")
    return version, created


@transaction.atomic
def publish_service(*, request: HttpRequest, version: ServiceVersion) -> bool:
    """Publish a saved version (see catalog.editing.publish_version), with its audit row."""
    published = editing.publish_version(version=version, by=_name(request))
    if published:
        record(action=Action.SERVICE_PUBLISHED, request=request, target=version,
               department=version.service.department_id,
               message=f"{version.service.slug} v{version.number}")
    return published
