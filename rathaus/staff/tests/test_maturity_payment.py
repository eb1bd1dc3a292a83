"""Criterion 5 (Bezahlprozess): met when the fee is taken online through a configured provider."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import translation

from rathaus.notices.services import load_default_templates
from rathaus.payments.tests.conftest import DOUBLE
from rathaus.staff.maturity import Environment, assess, assess_catalog

from .test_maturity import definition, fields, t

FEE = {**fields(), "fees": [{"label": t("Gebühr"), "amount": "12.00"}]}
PROVIDERS = Environment(bundid=False, notice_kinds=frozenset({"granted"}),
                        payment_providers=("Testkasse",))


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def test_a_fee_taken_online_through_a_provider_meets_the_criterion() -> None:
    spec = definition(form=FEE, payment={"policy": "before_submit"})
    found = assess(spec, PROVIDERS)
    assert found.check("payment").status == "met"
    assert "12.00 €" in found.check("payment").detail
    assert "Testkasse" in found.check("payment").detail
    assert found.level == 3


def test_without_a_provider_or_with_bank_transfer_alone_it_is_missing() -> None:
    online = definition(form=FEE, payment={"policy": "before_submit"})
    unconfigured = assess(online, Environment(bundid=False, notice_kinds=frozenset({"granted"})))
    assert unconfigured.check("payment").status == "missing"
    assert "no payment provider is configured" in unconfigured.check("payment").detail
    transfer = definition(form=FEE, payment={"policy": "before_submit", "methods": ["transfer"]})
    found = assess(transfer, PROVIDERS)
    assert found.check("payment").status == "missing"
    assert "bank transfer or direct debit only" in found.check("payment").detail
    assert found.level == 2
    none = assess(definition(form=FEE), PROVIDERS)
    assert "takes no payment when submitting" in none.check("payment").detail


@pytest.mark.django_db
def test_the_birth_certificate_and_the_business_registration_with_a_provider(
        catalog: None, settings: Any) -> None:
    load_default_templates()
    settings.RATHAUS_PAYMENT_PROVIDERS = DOUBLE
    settings.RATHAUS_SAML = {**settings.RATHAUS_SAML, "IDP_METADATA_URL": "https://idp.example/md"}
    found = {assessment.slug: assessment for assessment in assess_catalog()}
    for slug in ("geburtsurkunde", "gewerbe-anmelden", "meldebescheinigung"):
        assert found[slug].check("payment").status == "met", slug
        assert "Testkasse" in found[slug].check("payment").detail
    assert found["geburtsurkunde"].level >= 3
    assert found["gewerbe-anmelden"].level >= 3
    assert found["hund-anmelden"].check("payment").status == "met"  # nothing due on applying
    # Fees, but no payment policy in its definition: still missing.
    assert found["gartenwasserzaehler-anmelden"].check("payment").status == "missing"
