"""A notice on health data in the mailbox: kept sealed at rest, opened only by its owner."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import pytest
from django.test import Client

from rathaus.account.models import Message, MessageKind
from rathaus.account.tests import factories
from rathaus.applications.links import status_token
from rathaus.applications.models import Submission
from rathaus.applications.tests.journey import downloaded
from rathaus.cases.models import Case, CaseNotice, CaseState
from rathaus.cases.notice_delivery import draft_notice, send_notice
from rathaus.cases.services import open_case
from rathaus.catalog.models import Service
from rathaus.core.sealing import is_sealed_bytes
from rathaus.notices.models import NoticeKind
from rathaus.notices.services import TemplateText, save_template_version
from rathaus.staff.tests.factories import staff_user

pytestmark = pytest.mark.django_db

SLUG = "schwerbehindertenausweis"


def test_a_notice_on_health_data_is_sealed_in_the_mailbox_and_opens_for_its_owner_only(
        client: Client, catalog: None, django_capture_on_commit_callbacks: Any) -> None:
    service = Service.objects.select_related("current_version", "department").get(slug=SLUG)
    assert service.current_version is not None
    save_template_version(service=service, kind=NoticeKind.GRANTED, actor_label="test", text=(
        TemplateText(title_de="Feststellung", title_en="Assessment",
                     body_de="Guten Tag {applicant_name}, Ihrem Antrag {reference} wird "
                             "stattgegeben.",
                     body_en="Dear {applicant_name}, your application {reference} is granted.",
                     remedy_de="Klage beim Sozialgericht.", remedy_en="Lawsuit at the court.")))
    erika = factories.signed_in(client)
    submission = Submission.objects.create(
        draft_key=uuid.uuid4(), service=service, service_version=service.current_version,
        department=service.department, language="de", email="", citizen=erika,
        sensitive_fields=["description"],
        answers={"applicant_name": {"given_names": "Erika", "family_name": "Mustermann"},
                 "impairments": [{"description": "Arthrose in beiden Kniegelenken"}],
                 "notice_by_retrieval": True})
    case = open_case(submission=submission)
    clerk = staff_user("sozial", clerk_of=(service.department.slug,))
    # This service forwards its cases; the scene needs one decided here all the same.
    Case.objects.filter(pk=case.pk).update(state=CaseState.DECIDED, outcome="granted")
    case.refresh_from_db()
    draft_notice(case_id=case.pk, actor=clerk, expected_version=case.version)
    case.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        item = send_notice(case_id=case.pk, actor=clerk, expected_version=case.version)
    assert item.notice is not None

    assert item.mailbox_message_id is not None
    message = Message.objects.get(pk=item.mailbox_message_id)
    assert message.kind == MessageKind.NOTICE
    with message.attachment.open("rb") as stored:
        assert is_sealed_bytes(stored.read())

    # The status link alone does not open it: whoever reads the mail is not the owner.
    token = status_token(submission)
    stranger = Client().get(f"/de/status/{token}/bescheid/{item.pk}.pdf")
    assert stranger.status_code == 302
    assert CaseNotice.objects.get(pk=item.pk).retrieved_at is None

    response = client.get(f"/de/mein-rathaus/postfach/{message.pk}/anhang/")
    assert response.status_code == 200
    assert hashlib.sha256(downloaded(response)).hexdigest() == item.notice.sha256
    assert CaseNotice.objects.get(pk=item.pk).retrieved_at is not None
