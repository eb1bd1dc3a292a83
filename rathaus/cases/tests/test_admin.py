"""The admin shows cases to look them up; work on them happens on the case page."""

from __future__ import annotations

import pytest
from django.test import Client

from rathaus.cases.models import Case, CaseState

from .factories import dog_registration

pytestmark = pytest.mark.django_db


def test_the_admin_shows_a_case_read_only_with_its_timeline_and_no_answers(
        catalog: None, admin_client: Client) -> None:
    case = dog_registration()
    page = admin_client.get(f"/admin/cases/case/{case.pk}/change/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'href="/en/staff/submissions/{case.reference}/"' in html
    assert "Case opened" in html
    assert "Bello" not in html  # the answers open on the case page, where views are logged
    assert 'name="state"' not in html  # nothing to change here

    posted = admin_client.post(f"/admin/cases/case/{case.pk}/change/",
                               {"state": CaseState.CLOSED})
    assert posted.status_code == 403
    assert admin_client.post(f"/admin/cases/case/{case.pk}/delete/",
                             {"post": "yes"}).status_code == 403
    case.refresh_from_db()
    assert case.state == CaseState.RECEIVED
    assert Case.objects.filter(pk=case.pk).exists()
