"""Until the back office arrives, staff see each department's submissions in the admin."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from rathaus.staff.tests.factories import sign_in_verified

from .hund import OWNER, dog
from .journey import Journey, downloaded

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_submission_with_attachment_appears_in_the_department_queue(
    client: Client, catalog: None, settings: Any
) -> None:
    journey = Journey(client, "hund-anmelden").start()
    journey.answer("owner", OWNER)
    journey.answer("keeping", {"commercial": "no", "moved_here": "no"})
    permit = SimpleUploadedFile("erlaubnis.pdf", PDF, content_type="application/pdf")
    journey.answer("dogs", {"dogs-count": "1", **dog(0, "Rex", dangerous="yes"),
                            "dogs-0-dangerous_permit": permit})
    journey.answer("insurance", {"insurer": "Musterversicherung AG", "policy_number": "HV-1"})
    journey.answer("payment", {"payment_method": "transfer"})
    journey.answer("declaration", {"truthful": "yes"})
    submission = journey.submit()

    staff = Client()
    sign_in_verified(staff, get_user_model().objects.create_superuser("clerk", "c@x.de",
                                                                      "pw-123456789"))
    from rathaus.catalog.models import Department

    tax = Department.objects.get(slug="steueramt").pk
    registry = Department.objects.get(slug="standesamt").pk
    queue = staff.get(f"/admin/applications/submission/?department__id__exact={tax}")
    assert submission.reference in queue.content.decode()
    other = staff.get(f"/admin/applications/submission/?department__id__exact={registry}")
    assert submission.reference not in other.content.decode()

    detail = staff.get(f"/admin/applications/submission/{submission.pk}/change/").content.decode()
    assert "erlaubnis.pdf" in detail
    upload = submission.attachments.get()
    download = staff.get(f"/de/files/{upload.pk}/")
    assert download.status_code == 200
    assert downloaded(download).startswith(b"%PDF")
    assert Client().get(f"/de/files/{upload.pk}/").status_code == 404, "not for strangers"
