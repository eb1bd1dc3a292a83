from __future__ import annotations

import re
from typing import Any

import pytest


def text(response: Any) -> str:
    """The page's text without tags, whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture(autouse=True)
def _known_limits(settings: Any) -> None:
    settings.RATHAUS_STAFF_LOCKOUT_MINUTES = 15
    settings.RATHAUS_STAFF_IDLE_MINUTES = 15
