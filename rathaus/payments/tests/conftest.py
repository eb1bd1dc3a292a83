from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from . import double

SECRET = "double-secret-for-tests"
DOUBLE = {"double": {"protocol": "rathaus.payments.tests.double", "label": "Testkasse",
                     "secret": SECRET}}


@pytest.fixture
def provider(settings: Any) -> Iterator[str]:
    """The test double provider, configured under the key "double"."""
    settings.RATHAUS_PAYMENT_PROVIDERS = DOUBLE
    double.reset()
    yield "double"
    double.reset()
