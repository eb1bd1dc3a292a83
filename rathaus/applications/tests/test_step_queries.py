"""A form step is two statements: the draft with its version and service, and the update."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from rathaus.applications import selectors
from rathaus.applications.models import Draft

from .hund import OWNER, SLUG
from .journey import Journey

pytestmark = pytest.mark.django_db


def test_submitting_a_step_takes_two_queries(client: Client, catalog: None,
                                             django_assert_num_queries: Any) -> None:
    journey = Journey(client, SLUG).start()
    owner_step = journey.step_url
    client.get(owner_step)  # the session is read from the database once, then from the cache
    with django_assert_num_queries(2):
        response = client.post(owner_step, {**OWNER, "action": "continue"})
    assert response.status_code == 302
    assert response["Location"].endswith("/keeping/")
    assert Draft.objects.get().answers["owner_birth_date"] == OWNER["owner_birth_date"]


def test_the_draft_comes_with_its_version_and_service_in_one_query(
        client: Client, catalog: None, django_assert_num_queries: Any) -> None:
    Journey(client, SLUG).start()
    stored = Draft.objects.select_related("service_version__service").get()
    with django_assert_num_queries(1):
        draft = selectors.draft_with_service(str(stored.pk))
        assert draft is not None
        version, service = draft.service_version, draft.service_version.service
        assert (draft.pk, draft.answers, draft.created_at, draft.citizen_id) == (
            stored.pk, stored.answers, stored.created_at, stored.citizen_id)
        assert (version.pk, version.number, version.published_at, service.slug,
                service.is_active) == (
            stored.service_version.pk, stored.service_version.number,
            stored.service_version.published_at, SLUG, True)
    assert version.spec.slug == SLUG, "the definition, deferred, loads when it is needed"
    assert selectors.draft_with_service("00000000-0000-4000-8000-000000000000") is None
