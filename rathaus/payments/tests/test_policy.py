"""The payment policy of a service definition: what an editor may write, what the catalog has."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from rathaus.catalog.loader import load_directory
from rathaus.forms.schema import PaymentDef, ServiceDef


def shipped() -> dict[str, ServiceDef]:
    from django.conf import settings

    return {item.spec.slug: item.spec
            for item in load_directory(settings.RATHAUS_SERVICES_DIR).services}


def test_the_shipped_services_say_how_their_fees_are_paid() -> None:
    services = shipped()
    births = services["geburtsurkunde"].payment
    assert (births.policy, births.methods) == ("before_submit", ["online", "transfer"])
    assert births.kassenzeichen.format(year=2026, number=7) == "GEB-2026-000007"
    assert services["meldebescheinigung"].payment.policy == "before_submit"
    assert services["gewerbe-anmelden"].payment.policy == "before_submit"
    # The dog tax comes with the tax notice and is collected by the mandate: nothing paid here.
    dogs = services["hund-anmelden"].payment
    assert dogs.policy == "with_notice"
    assert not dogs.at_submit
    assert dogs.methods == ["direct_debit", "transfer"]
    assert services["hund-abmelden"].payment.policy == "none"


@pytest.mark.parametrize(("given", "message"), [
    ({"policy": "always"}, "policy"),
    ({"kassenzeichen": "GEB-{year}"}, "needs '{number}'"),
    ({"kassenzeichen": "GEB-{number:06}"}, "needs '{year}'"),
    ({"kassenzeichen": "GEB-{jahr}-{number}"}, "unknown placeholder"),
    ({"kassenzeichen": "geb-{year}-{number}"}, "capital letters"),
    ({"kassenzeichen": "GEB-{year}-{number"}, "kassenzeichen"),
    ({"purpose": "{kassenzeichen} {name}"}, "unknown placeholder"),
    ({"methods": ["online", "online"]}, "twice"),
    ({"methods": ["paypal"]}, "methods"),
    ({"policy": "before_submit", "methods": []}, "at least one"),
])
def test_a_wrong_policy_is_refused_with_where_and_why(given: dict[str, Any],
                                                      message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        PaymentDef.model_validate(given)


def test_payment_before_submitting_needs_fees_and_debit_needs_an_iban_field() -> None:
    base = shipped()["hund-abmelden"].model_dump(mode="json", by_alias=True, exclude_unset=True)
    with pytest.raises(ValidationError, match="needs fees in the form"):
        ServiceDef.model_validate({**base, "payment": {"policy": "before_submit"}})
    births = shipped()["geburtsurkunde"].model_dump(mode="json", by_alias=True, exclude_unset=True)
    with pytest.raises(ValidationError, match="IBAN field"):
        ServiceDef.model_validate({**births, "payment": {"policy": "before_submit",
                                                         "methods": ["direct_debit"]}})
